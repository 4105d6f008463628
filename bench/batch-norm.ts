// What enforcing the freeze rule in BatchNorm costs: one ResNet-152 training step with the agent's
// BN (batch-norm.ts: PyTorch's unbiased running variance, frozen layers pinned for bnFrozen=eval)
// against tfjs-layers' stock BN call, on the same backend, network and batch.
//   npx tsx bench/batch-norm.ts [--mode head_only|final_block|full] [--batch 16] [--size 32] [--reps 3]
// Prints JSON; the anchor is the stock BN step. Target: train ≤ 1.05× stock (same work); eval < 1×
// (pinned layers skip the batch moments).

import type { FreezeMode } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../agent/src/backend/init";
import { isTorchBatchNorm } from "../agent/src/model/batch-norm";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { createTrainStep } from "../agent/src/train/train-step";
import { opt } from "./bench-util";

async function timeSteps(
  variant: "stock" | "train" | "eval",
  mode: FreezeMode,
  batch: number,
  size: number,
  reps: number,
) {
  const net = buildResNet({ arch: "resnet152", numClasses: 10, imageSize: size, seed: 1 });
  applyFreeze(net, mode, variant === "eval" ? "eval" : "train");
  if (variant === "stock") {
    // Drop the instance override: the prototype's call is tfjs's own BatchNormalization.
    for (const l of net.model.layers) if (isTorchBatchNorm(l)) delete (l as unknown as { call?: unknown }).call;
  }
  const step = createTrainStep(net, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
  const xs = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  await step.run(xs, ys);
  const walls: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await step.run(xs, ys);
    walls.push(performance.now() - t0);
  }
  tf.dispose([xs, ys]);
  step.dispose();
  disposeResNet(net);
  return [...walls].sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

async function main(): Promise<void> {
  const mode = opt("mode", "head_only") as FreezeMode;
  const [batch, size, reps] = [Number(opt("batch", "16")), Number(opt("size", "32")), Number(opt("reps", "3"))];
  await initBackend("wasm");
  const stock = await timeSteps("stock", mode, batch, size, reps);
  const train = await timeSteps("train", mode, batch, size, reps);
  const evalMs = await timeSteps("eval", mode, batch, size, reps);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  console.log(
    JSON.stringify({
      backend: tf.getBackend(),
      mode,
      batch,
      size,
      stockMs: Math.round(stock),
      ratios: { train: r(train / stock), eval: r(evalMs / stock) },
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
