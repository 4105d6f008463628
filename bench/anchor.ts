// What bench:train and bench:gpu share: the PyTorch anchor (bench/torch-bench.py, one child process per
// job) and the agent's end-to-end run (trainRun on a synthetic CIFAR twin).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type FreezeMode, parseRunConfig } from "@ai623/shared";
import { prepareRunData } from "../agent/src/data/run-data";
import type { MemoryBudget } from "../agent/src/train/memory-plan";
import { trainRun } from "../agent/src/train/train-run";
import { opt, r1, r3 } from "./bench-util";

// ---- the PyTorch side: bench/torch-bench.py, one child process per job ------------------------

/** torch-bench.py beside this file (beside the bundled bench in the GPU check's bundle). */
export const torchBenchScript = fileURLToPath(new URL("./torch-bench.py", import.meta.url));

export interface TorchInfo {
  version: string;
  torchvision: string;
  threads: number;
  /** the CUDA device's name, null when torch sees none */
  cuda: string | null;
  python: string;
}

/** Runs one torch-bench.py job; resolves with its `AI623_BENCH` result. Its progress goes to our stderr. */
export function runTorchJob<T>(python: string, job: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [torchBenchScript, JSON.stringify(job)], {
      stdio: ["ignore", "pipe", job.kind === "probe" ? "pipe" : "inherit"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("AI623_BENCH "));
      if (code === 0 && line) resolve(JSON.parse(line.slice("AI623_BENCH ".length)) as T);
      else reject(new Error(`${python} (${job.kind}) exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

/** The first python3 with torch and torchvision: --python, AI623_PYTHON, Debian's /usr/bin/python3, PATH's. */
export async function probeTorch(): Promise<TorchInfo | { missing: string }> {
  // as the parity test (agent/src/model/parity.test.ts): Debian's python3-torch lives in /usr/bin/python3
  const { AI623_PYTHON } = process.env;
  const candidates = [opt("python", ""), AI623_PYTHON ?? "", "/usr/bin/python3", "python3"].filter(Boolean);
  const errors: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      return { ...(await runTorchJob<Omit<TorchInfo, "python">>(python, { kind: "probe" })), python };
    } catch (e) {
      errors.push(`${python}: ${(e as Error).message.split("\n").filter(Boolean).at(-1)}`);
    }
  }
  return { missing: `no python3 with torch and torchvision (${errors.join("; ")})` };
}

// ---- the agent side of an end-to-end run -------------------------------------------------------

export interface E2E {
  wallS: number;
  epochSeconds: number[];
  finalValAcc: number;
}

export interface AgentE2E extends E2E {
  prefixCached: boolean;
  prefixReason: string | null;
  cacheBuildS: number | null;
}

export interface E2EConfig {
  mode: FreezeMode;
  epochs: number;
  batch: number;
  size: number;
  /** synthetic training and validation images */
  images: number;
  val: number;
  cacheDir: string;
  /** the step's memory budget; default the active backend's */
  memoryBudget?: MemoryBudget;
  /** a smaller network (the test overrides) */
  blocks?: readonly number[];
  widths?: readonly number[];
  progress: (msg: string) => void;
}

/**
 * trainRun itself on a synthetic CIFAR-10 twin: seeded init, bnFrozen eval, no augmentation, so the
 * frozen-prefix cache applies (whether it did is reported). Wall = the trainRun call: model build and
 * prefix-cache build included; the synthetic dataset is generated before the clock starts.
 */
export async function agentE2E(c: E2EConfig): Promise<AgentE2E> {
  const config = parseRunConfig({
    arch: "resnet152",
    dataset: "synthetic-cifar10",
    init: "random",
    freezeMode: c.mode,
    bnFrozen: "eval",
    augment: false,
    epochs: c.epochs,
    batchSize: c.batch,
    imageSize: c.size,
    lr: 1e-3,
    optimizer: "adam",
    seed: 7,
  });
  const overrides = {
    synthetic: { train: c.images, test: c.val, seed: 3 },
    ...(c.blocks ? { blocks: c.blocks } : {}),
    ...(c.widths ? { widths: c.widths } : {}),
  };
  // Generated (or found) before the clock starts: PyTorch's tensors are in memory too.
  await prepareRunData(config, { cacheDir: c.cacheDir, load: { synthetic: overrides.synthetic } });
  let prefix: { cached: boolean; reason: string | null } = { cached: false, reason: null };
  let cacheBuildS: number | null = null;
  const t0 = performance.now();
  const r = await trainRun({
    runId: `00000000-0000-4000-8000-00000000000${c.mode === "head_only" ? 1 : 2}`,
    config,
    cacheDir: c.cacheDir,
    overrides,
    checkpointEvery: 0,
    ...(c.memoryBudget ? { memoryBudget: c.memoryBudget } : {}),
    onReady: (info) => {
      prefix = info.prefixCache;
    },
    onEpoch: (m) => {
      c.progress(`agent ${c.mode}: epoch ${m.epoch}/${c.epochs} ${m.epochSeconds.toFixed(1)} s`);
    },
    log: (msg) => {
      const built = /^Prefix cache built in ([\d.]+) s/.exec(msg);
      if (built) cacheBuildS = Number(built[1]);
      c.progress(`agent ${c.mode}: ${msg}`);
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.outcome !== "completed") throw new Error(`agent ${c.mode} run ended ${r.outcome} (${r.stopReason})`);
  return {
    wallS,
    epochSeconds: r.history.map((m) => r1(m.epochSeconds)),
    finalValAcc: r3(r.history.at(-1)!.valAcc),
    prefixCached: prefix.cached,
    prefixReason: prefix.reason,
    cacheBuildS,
  };
}

/** "cached, built in 1.2 s" or "not cached: why", for the end-to-end table. */
export const describePrefix = (a: AgentE2E) =>
  a.prefixCached
    ? `cached${a.cacheBuildS !== null ? `, built in ${a.cacheBuildS.toFixed(1)} s` : ""}`
    : `not cached: ${a.prefixReason}`;
