// One entry point for every dataset id: real archives and synthetic twins end in the same parser.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DatasetId } from "@ai623/shared";
import type { ProgressMode } from "../util/download";
import { type ArchiveSource, datasetsDirOf, resolveCifarFolder } from "./archive";
import { type CifarData, familyOf, layoutOf, syntheticManifestFile } from "./cifar-layout";
import { type LabelMode, readCifarSplit, readClassNames } from "./cifar-parse";
import { type SyntheticManifest, writeSyntheticDataset } from "./synthetic";

export interface SyntheticSize {
  train: number;
  test: number;
  seed: number;
}

/** The synthetic twin is as large as the real dataset unless a run asks for less. */
export const defaultSyntheticSize: SyntheticSize = { train: 50_000, test: 10_000, seed: 0 };

export interface LoadCifarOptions {
  dataset: DatasetId;
  /** The cache root (see resolveCacheDir); datasets live in `<cacheDir>/datasets`. */
  cacheDir: string;
  /** `--data-dir`: an extracted folder (or the folder holding it) or a .tar.gz archive. */
  dataDir?: string;
  /** CIFAR-100: train on fine (default) or coarse labels. */
  labelMode?: LabelMode;
  /** Size and seed of a synthetic twin generated into the cache when no dataDir is given. */
  synthetic?: Partial<SyntheticSize>;
  /** Where the official archive is fetched from (tests and mirrors). */
  source?: ArchiveSource;
  progress?: ProgressMode;
  log?: (message: string) => void;
}

async function readManifest(dir: string): Promise<SyntheticManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, syntheticManifestFile), "utf8")) as SyntheticManifest;
  } catch {
    return null;
  }
}

async function resolveSyntheticFolder(opt: LoadCifarOptions): Promise<string> {
  const family = familyOf(opt.dataset);
  const size = { ...defaultSyntheticSize, ...opt.synthetic };
  const parent = join(datasetsDirOf(opt.cacheDir), `${opt.dataset}-${size.train}-${size.test}-seed${size.seed}`);
  const dir = join(parent, layoutOf(family).dirName);
  try {
    await stat(join(dir, syntheticManifestFile));
    return dir;
  } catch {
    opt.log?.(`Generating ${opt.dataset} (${size.train} train, ${size.test} test, seed ${size.seed}) in ${dir}`);
    return writeSyntheticDataset(parent, { family, ...size });
  }
}

/**
 * Loads train and test splits of `dataset` as NHWC uint8 in memory. Record counts are checked
 * against the official release (or the synthetic manifest), so a truncated file is an error.
 */
export async function loadCifar(opt: LoadCifarOptions): Promise<CifarData> {
  const family = familyOf(opt.dataset);
  const layout = layoutOf(family);
  const synthetic = opt.dataset.startsWith("synthetic-");
  const dir =
    synthetic && !opt.dataDir
      ? await resolveSyntheticFolder(opt)
      : await resolveCifarFolder({
          family,
          cacheDir: opt.cacheDir,
          checkArchiveMd5: !synthetic,
          ...(opt.dataDir ? { dataDir: opt.dataDir } : {}),
          ...(opt.source ? { source: opt.source } : {}),
          ...(opt.progress ? { progress: opt.progress } : {}),
          ...(opt.log ? { log: opt.log } : {}),
        });
  const manifest = await readManifest(dir);
  // A folder without a manifest claiming to be synthetic has unknown counts: any whole record count.
  const expectedRecords = manifest?.records ?? (synthetic ? undefined : layout.officialRecords);
  const readOpts = { labelMode: opt.labelMode ?? "fine", ...(expectedRecords ? { expectedRecords } : {}) };
  // One after another, so a folder with several bad files always reports the first (train) one.
  const train = await readCifarSplit(dir, layout, layout.trainFiles, readOpts);
  const test = await readCifarSplit(dir, layout, layout.testFiles, readOpts);
  const classNames = await readClassNames(dir, layout, readOpts.labelMode);
  return { family, classNames, train, test, dir };
}
