// Frozen-prefix cache vs recomputing the frozen backbone every step, through trainRun itself.
//   npx tsx bench/prefix-cache.ts [--mode head_only|final_block] [--blocks 3,4,6,3] [--widths 64,128,256,512]
//                                 [--train 512] [--test 128] [--epochs 3] [--batch 32] [--backend wasm|cpu]
// Both runs use the same config (bnFrozen eval, no augmentation, synthetic data, seeded init); the
// anchor is the uncached run measured in the same process. Prints one JSON object: wall time of each
// run (the cache's build included), the speed-up, and the largest per-epoch metric difference.
// The first cached epoch pays for the cache's build; later ones train the suffix only.
// Target: later-epoch speed-up ≥ 10 for head_only; metric difference < 1e-5.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EpochMetrics, parseRunConfig } from "@ai623/shared";
import { initBackend, parseBackendName } from "../agent/src/backend/init";
import { trainRun } from "../agent/src/train/train-run";
import { opt } from "./bench-util";

const list = (s: string) => s.split(",").map(Number);

async function main() {
  await initBackend(parseBackendName(opt("backend", "wasm")));
  const mode = opt("mode", "head_only") as "head_only" | "final_block";
  const overrides = {
    blocks: list(opt("blocks", "3,4,6,3")),
    widths: list(opt("widths", "64,128,256,512")),
    synthetic: { train: Number(opt("train", "512")), test: Number(opt("test", "128")), seed: 3 },
  };
  const config = parseRunConfig({
    dataset: "synthetic-cifar10",
    init: "random",
    freezeMode: mode,
    bnFrozen: "eval",
    augment: false,
    epochs: Number(opt("epochs", "3")),
    batchSize: Number(opt("batch", "32")),
    imageSize: 32,
    lr: 1e-3,
    seed: 7,
  });
  const cacheDir = await mkdtemp(join(tmpdir(), "ai623-bench-prefix-"));
  try {
    const timed = async (prefixCache: boolean) => {
      const t0 = performance.now();
      const r = await trainRun({
        runId: `00000000-0000-4000-8000-00000000000${prefixCache ? 1 : 2}`,
        config,
        cacheDir,
        overrides,
        prefixCache,
        checkpointEvery: 0,
      });
      return { ms: performance.now() - t0, history: r.history };
    };
    const plain = await timed(false);
    const cached = await timed(true);
    const laterSeconds = (h: EpochMetrics[]) => h.slice(1).reduce((t, m) => t + m.epochSeconds, 0);
    const diff = (a: EpochMetrics[], b: EpochMetrics[]) =>
      Math.max(
        ...a.flatMap((m, i) =>
          (["trainLoss", "trainAcc", "valLoss", "valAcc"] as const).map((k) => Math.abs(m[k] - b[i]![k])),
        ),
      );
    console.log(
      JSON.stringify({
        mode,
        ...overrides,
        epochs: config.epochs,
        uncachedMs: Math.round(plain.ms),
        cachedMs: Math.round(cached.ms),
        speedup: +(plain.ms / cached.ms).toFixed(2),
        laterEpochSpeedup: +(laterSeconds(plain.history) / laterSeconds(cached.history)).toFixed(1),
        epochSeconds: {
          uncached: plain.history.map((m) => +m.epochSeconds.toFixed(2)),
          cached: cached.history.map((m) => +m.epochSeconds.toFixed(2)),
        },
        maxMetricDiff: diff(cached.history, plain.history),
      }),
    );
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
