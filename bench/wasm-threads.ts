// What wasm threads buy: ResNet-152 forward and training steps with 1 thread (the anchor) against N
// (--threads, default every core), measured in the same run. The thread count is
// fixed when the wasm module is instantiated, so each count runs in its own child process.
//   npx tsx bench/wasm-threads.ts [--threads N] [--batch 16] [--size 32] [--reps 3] [--rounds 2]
// Prints JSON: median wall ms per forward / head_only step / final_block step and N-vs-1 speedups.
// Expectation (reference probes, 2 cores): forward ~1.6×, steps 1.0–1.1× (wasm's backprop-input conv
// is single-threaded).
import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import type { FreezeMode } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../agent/src/backend/init";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { createTrainStep } from "../agent/src/train/train-step";
import { flag, opt, timeIt } from "./bench-util";

const [batch, size, reps] = [Number(opt("batch", "16")), Number(opt("size", "32")), Number(opt("reps", "3"))];

async function measure(threads: number) {
  const init = await initBackend("wasm", { wasmThreads: threads });
  const xs = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  const result: Record<string, number> = { threads: init.threads };
  const net = buildResNet({ arch: "resnet152", numClasses: 10, imageSize: size, seed: 1 });
  result.forwardMs = await timeIt(reps, async () => {
    const y = net.model.predict(xs) as tf.Tensor;
    await y.data();
    y.dispose();
  });
  for (const mode of ["head_only", "final_block"] as FreezeMode[]) {
    applyFreeze(net, mode, "train");
    const step = createTrainStep(net, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
    result[`${mode}StepMs`] = await timeIt(reps, () => step.run(xs, ys).then(() => undefined));
    step.dispose();
  }
  disposeResNet(net);
  tf.dispose([xs, ys]);
  return result;
}

async function runChild(threads: number): Promise<Record<string, number>> {
  // bench/ runs as CommonJS under tsx, so the script path rather than import.meta
  const self = process.argv[1]!;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", self, "--child", `${threads}`, "--batch", `${batch}`, "--size", `${size}`, "--reps", `${reps}`],
    { maxBuffer: 1 << 24 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("AI623_BENCH "));
  if (!line) throw new Error(`child (${threads} threads) printed no result:\n${stdout}`);
  return JSON.parse(line.slice("AI623_BENCH ".length));
}

async function main(): Promise<void> {
  if (flag("child")) {
    console.log(`AI623_BENCH ${JSON.stringify(await measure(Number(opt("child", "1"))))}`);
    return;
  }
  const n = Number(opt("threads", `${os.availableParallelism()}`));
  // Alternate 1, N, 1, N… and keep each metric's best: on a shared machine the load shifts between
  // children, and a thread pool suffers more from a busy neighbour than one thread does.
  const rounds = Number(opt("rounds", "2"));
  const best = (a: Record<string, number> | undefined, b: Record<string, number>) =>
    a ? Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.min(v, a[k] ?? v)])) : b;
  let one: Record<string, number> | undefined;
  let many: Record<string, number> | undefined;
  for (let r = 0; r < rounds; r++) {
    one = best(one, await runChild(1));
    many = best(many, await runChild(n));
  }
  if (!one || !many) throw new Error("--rounds must be at least 1");
  const ratio = (k: string) => Number((one[k]! / many[k]!).toFixed(3));
  const round = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)]));
  console.log(
    JSON.stringify(
      {
        bench: "wasm-threads",
        arch: "resnet152",
        batch,
        size,
        reps,
        rounds,
        loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
        cores: os.availableParallelism(),
        anchor: round(one),
        threaded: round(many),
        speedup: {
          forward: ratio("forwardMs"),
          head_only: ratio("head_onlyStepMs"),
          final_block: ratio("final_blockStepMs"),
        },
      },
      null,
      2,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
