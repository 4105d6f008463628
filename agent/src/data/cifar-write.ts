// Writes CIFAR binary record files and class-name files: the synthetic twin goes through this,
// and the loaders read it back with the same code that reads the official archives.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
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

/** Records `[start, end)` of a split as the binary layout: label byte(s), then R, G, B planes. */
export function encodeRecords(split: CifarSplit, layout: CifarLayout, start = 0, end = split.count): Buffer {
  const rec = recordBytes(layout);
  const out = Buffer.alloc((end - start) * rec);
  const plane = imageSide * imageSide;
  for (let i = start; i < end; i++) {
    const base = (i - start) * rec;
    if (layout.labelBytes === 2) {
      out[base] = split.coarseLabels?.[i] ?? 0;
      out[base + 1] = split.labels[i]!;
    } else {
      out[base] = split.labels[i]!;
    }
    const dst = base + layout.labelBytes;
    const src = i * pixelBytes;
    for (let p = 0; p < plane; p++) {
      out[dst + p] = split.images[src + p * 3]!;
      out[dst + plane + p] = split.images[src + p * 3 + 1]!;
      out[dst + 2 * plane + p] = split.images[src + p * 3 + 2]!;
    }
  }
  return out;
}

/** Splits `count` records over `files` as evenly as possible (CIFAR-10's five training batches). */
export function distributeRecords(count: number, files: string[]): Record<string, number> {
  const per = Math.floor(count / files.length);
  const extra = count % files.length;
  return Object.fromEntries(files.map((f, k) => [f, per + (k < extra ? 1 : 0)]));
}

export interface CifarFolderContent {
  train: CifarSplit;
  test: CifarSplit;
  classNames: string[];
  /** CIFAR-100 only. */
  coarseClassNames?: string[];
}

/**
 * Writes `dir` (the folder itself, e.g. `.../cifar-10-batches-bin`) with the record and name files.
 * Returns the number of records written per file.
 */
export async function writeCifarFolder(
  dir: string,
  layout: CifarLayout,
  content: CifarFolderContent,
): Promise<Record<string, number>> {
  await mkdir(dir, { recursive: true });
  const records: Record<string, number> = {};
  for (const [split, files] of [
    [content.train, layout.trainFiles],
    [content.test, layout.testFiles],
  ] as const) {
    const counts = distributeRecords(split.count, files);
    let start = 0;
    for (const file of files) {
      const n = counts[file]!;
      await writeFile(join(dir, file), encodeRecords(split, layout, start, start + n));
      records[file] = n;
      start += n;
    }
  }
  const lines = (names: string[]) => `${names.join("\n")}\n\n`;
  if (layout.family === "cifar10") {
    await writeFile(join(dir, cifar10MetaFile), lines(content.classNames));
  } else {
    await writeFile(join(dir, cifar100FineNamesFile), lines(content.classNames));
    await writeFile(join(dir, cifar100CoarseNamesFile), lines(content.coarseClassNames ?? []));
  }
  return records;
}
