// `ai623-agent data synth`: writes the synthetic twin of CIFAR-10/100 in the official binary layout,
// so it can be passed to a run with --data-dir (or packed and served like the real archive).
import { basename, dirname, join, resolve } from "node:path";
import * as tar from "tar";
import { officialArchives } from "../data/archive";
import type { CifarFamily } from "../data/cifar-layout";
import { writeSyntheticDataset } from "../data/synthetic";
import { AgentError } from "../errors";
import { hashFile } from "../util/download";

export interface DataSynthOptions {
  dataset: string;
  out: string;
  train: string | number;
  test: string | number;
  seed?: string | number;
  /** Also pack the folder as `<out>/<official archive name>` (e.g. to test the download path offline). */
  archive?: boolean;
  /** Base for a relative --out; injectable for tests. */
  cwd?: string;
  log?: (message: string) => void;
}

function parseCount(name: string, value: string | number, min: number): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > 1_000_000) {
    throw new AgentError(
      "INVALID_ARGUMENT",
      `--${name} must be a whole number from ${min} to 1000000, got "${value}".`,
    );
  }
  return n;
}

/** Generates the dataset and returns the folder written (e.g. `<out>/cifar-10-batches-bin`). */
export async function runDataSynth(opt: DataSynthOptions): Promise<string> {
  const family = opt.dataset.replace(/^synthetic-/, "");
  if (family !== "cifar10" && family !== "cifar100") {
    throw new AgentError("INVALID_ARGUMENT", `--dataset must be cifar10 or cifar100, got "${opt.dataset}".`);
  }
  const spec = {
    family: family as CifarFamily,
    train: parseCount("train", opt.train, 1),
    test: parseCount("test", opt.test, 1),
    seed: parseCount("seed", opt.seed ?? 0, 0),
  };
  const started = Date.now();
  const dir = await writeSyntheticDataset(resolve(opt.cwd ?? process.cwd(), opt.out), spec);
  const log = opt.log ?? console.log;
  if (opt.archive) {
    const file = join(dirname(dir), officialArchives[spec.family].fileName);
    await tar.c({ gzip: true, file, cwd: dirname(dir), portable: true }, [basename(dir)]);
    log(`Packed ${file} (md5 ${(await hashFile(file)).md5}; not the official md5: load it as synthetic-${family})`);
  }
  log(
    `Wrote synthetic-${family} (${spec.train} train, ${spec.test} test, seed ${spec.seed}) to ${dir} in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s; use it with --data-dir ${dir}`,
  );
  return dir;
}
