// The CIFAR binary layouts, exactly as in the official archives (https://www.cs.toronto.edu/~kriz/cifar.html).
import type { DatasetId } from "@ai623/shared";

export const imageSide = 32;
export const imageChannels = 3;
/** Pixel bytes per record: R, G and B planes of 32×32, each row-major. */
export const pixelBytes = imageSide * imageSide * imageChannels;

export type CifarFamily = "cifar10" | "cifar100";

export interface CifarLayout {
  family: CifarFamily;
  /** Folder the official archive extracts to. */
  dirName: string;
  /** Label bytes before the pixels: CIFAR-10 one; CIFAR-100 two (coarse, fine). */
  labelBytes: number;
  trainFiles: string[];
  testFiles: string[];
  /** Records per file in the official release, used to recognise truncated files. */
  officialRecords: Record<string, number>;
  numClasses: number;
}

export const cifar10Layout: CifarLayout = {
  family: "cifar10",
  dirName: "cifar-10-batches-bin",
  labelBytes: 1,
  trainFiles: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  testFiles: ["test_batch.bin"],
  officialRecords: {
    "data_batch_1.bin": 10_000,
    "data_batch_2.bin": 10_000,
    "data_batch_3.bin": 10_000,
    "data_batch_4.bin": 10_000,
    "data_batch_5.bin": 10_000,
    "test_batch.bin": 10_000,
  },
  numClasses: 10,
};

export const cifar100Layout: CifarLayout = {
  family: "cifar100",
  dirName: "cifar-100-binary",
  labelBytes: 2,
  trainFiles: ["train.bin"],
  testFiles: ["test.bin"],
  officialRecords: { "train.bin": 50_000, "test.bin": 10_000 },
  numClasses: 100,
};

export const cifar10MetaFile = "batches.meta.txt";
export const cifar100FineNamesFile = "fine_label_names.txt";
export const cifar100CoarseNamesFile = "coarse_label_names.txt";
export const cifar100CoarseClasses = 20;

/** Written by the synthetic generator next to the CIFAR files: record counts and how they were made. */
export const syntheticManifestFile = "ai623-synthetic.json";

export function recordBytes(layout: CifarLayout): number {
  return layout.labelBytes + pixelBytes;
}

export function familyOf(dataset: DatasetId): CifarFamily {
  return dataset.endsWith("cifar100") ? "cifar100" : "cifar10";
}

export function layoutOf(family: CifarFamily): CifarLayout {
  return family === "cifar100" ? cifar100Layout : cifar10Layout;
}

/**
 * One split held in memory as uint8, NHWC (`images[((i * 32 + y) * 32 + x) * 3 + c]`):
 * the file's planar CHW is transposed once at load so every batch reads contiguous pixels.
 */
export interface CifarSplit {
  count: number;
  images: Uint8Array;
  /** The label the model trains on (CIFAR-100: fine by default). */
  labels: Uint8Array;
  /** CIFAR-100 only: the superclass of each record. */
  coarseLabels?: Uint8Array;
}

export interface CifarData {
  family: CifarFamily;
  classNames: string[];
  train: CifarSplit;
  test: CifarSplit;
  /** The folder the records were read from. */
  dir: string;
}
