// Readers for the CIFAR binary record files and their class-name files.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { AgentError } from "../errors";
import {
  type CifarLayout,
  type CifarSplit,
  cifar10MetaFile,
  cifar100CoarseNamesFile,
  cifar100FineNamesFile,
  imageSide,
  pixelBytes,
  recordBytes,
} from "./cifar-layout";

/** Which CIFAR-100 label the model trains on. */
export type LabelMode = "fine" | "coarse";

async function readExisting(path: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AgentError("DATA_FILE_MISSING", `${path} does not exist: ${hint}`);
    }
    throw err;
  }
}

/**
 * Checks a record file's size before reading it. With `expectedRecords` (the official count, or
 * the count in a synthetic manifest) the size must match exactly; otherwise any whole number of records.
 */
export async function checkRecordFileSize(
  path: string,
  layout: CifarLayout,
  expectedRecords?: number,
): Promise<number> {
  const size = (await stat(path)).size;
  const rec = recordBytes(layout);
  if (expectedRecords !== undefined) {
    const want = expectedRecords * rec;
    if (size !== want) {
      throw new AgentError(
        "DATA_FILE_SIZE",
        `${path} is ${size} bytes, expected ${want} (${expectedRecords} records of ${rec} bytes): ` +
          "the file is truncated or not a CIFAR binary file; delete it (or its dataset folder) and retry.",
      );
    }
  } else if (size === 0 || size % rec !== 0) {
    throw new AgentError(
      "DATA_FILE_SIZE",
      `${path} is ${size} bytes, expected a positive multiple of ${rec} (records of ${layout.labelBytes} label + ` +
        `${pixelBytes} pixel bytes): the file is truncated or not a CIFAR binary file.`,
    );
  }
  return size / rec;
}

/**
 * Decodes records into `out` starting at record `offset`: planar R, G, B → interleaved NHWC.
 * CIFAR-100 records carry (coarse, fine); CIFAR-10 records one label.
 */
export function decodeRecords(
  bytes: Uint8Array,
  layout: CifarLayout,
  out: CifarSplit,
  offset: number,
  labelMode: LabelMode = "fine",
): void {
  const rec = recordBytes(layout);
  const count = bytes.length / rec;
  const plane = imageSide * imageSide;
  for (let r = 0; r < count; r++) {
    const base = r * rec;
    const i = offset + r;
    if (layout.labelBytes === 2) {
      const coarse = bytes[base]!;
      const fine = bytes[base + 1]!;
      if (out.coarseLabels) out.coarseLabels[i] = coarse;
      out.labels[i] = labelMode === "coarse" ? coarse : fine;
    } else {
      out.labels[i] = bytes[base]!;
    }
    const src = base + layout.labelBytes;
    const dst = i * pixelBytes;
    for (let p = 0; p < plane; p++) {
      const o = dst + p * 3;
      out.images[o] = bytes[src + p]!;
      out.images[o + 1] = bytes[src + plane + p]!;
      out.images[o + 2] = bytes[src + 2 * plane + p]!;
    }
  }
}

/** Reads one split (several files for CIFAR-10 training) into one NHWC uint8 buffer. */
export async function readCifarSplit(
  dir: string,
  layout: CifarLayout,
  files: string[],
  options: { expectedRecords?: Record<string, number>; labelMode?: LabelMode } = {},
): Promise<CifarSplit> {
  const counts: number[] = [];
  for (const file of files) {
    const path = join(dir, file);
    try {
      await stat(path);
    } catch {
      throw new AgentError(
        "DATA_FILE_MISSING",
        `${path} does not exist: ${dir} should be an extracted ${layout.dirName} folder holding ${files.join(", ")}.`,
      );
    }
    counts.push(await checkRecordFileSize(path, layout, options.expectedRecords?.[file]));
  }
  const count = counts.reduce((a, b) => a + b, 0);
  const split: CifarSplit = {
    count,
    images: new Uint8Array(count * pixelBytes),
    labels: new Uint8Array(count),
    ...(layout.labelBytes === 2 ? { coarseLabels: new Uint8Array(count) } : {}),
  };
  let offset = 0;
  for (const [k, file] of files.entries()) {
    const bytes = await readFile(join(dir, file));
    decodeRecords(bytes, layout, split, offset, options.labelMode);
    offset += counts[k]!;
  }
  for (let i = 0; i < count; i++) {
    if (split.labels[i]! >= classCount(layout, options.labelMode)) {
      throw new AgentError(
        "DATA_LABEL_RANGE",
        `Record ${i} of the ${layout.dirName} split in ${dir} has label ${split.labels[i]}, but there are only ` +
          `${classCount(layout, options.labelMode)} classes: the files are corrupt or of the other CIFAR variant.`,
      );
    }
  }
  return split;
}

function classCount(layout: CifarLayout, labelMode: LabelMode = "fine"): number {
  return layout.family === "cifar100" && labelMode === "coarse" ? 20 : layout.numClasses;
}

/** Class names, one per line (blank lines ignored, as the official files end with some). */
export async function readClassNames(
  dir: string,
  layout: CifarLayout,
  labelMode: LabelMode = "fine",
): Promise<string[]> {
  const file =
    layout.family === "cifar10"
      ? cifar10MetaFile
      : labelMode === "coarse"
        ? cifar100CoarseNamesFile
        : cifar100FineNamesFile;
  const path = join(dir, file);
  const text = (await readExisting(path, `it lists the class names of ${layout.dirName}.`)).toString("utf8");
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const want = classCount(layout, labelMode);
  if (names.length !== want) {
    throw new AgentError(
      "DATA_META_INVALID",
      `${path} lists ${names.length} class names, expected ${want}: the file is damaged; re-extract the archive.`,
    );
  }
  return names;
}
