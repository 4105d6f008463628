// Child process: one training step of a ResNet on the wasm backend (one thread), then its memory:
// the wasm heap's high-water mark (it only grows), the peak of live tensor bytes, max RSS. A fresh
// process per measurement, since the heap never shrinks. Used by memory-plan.test.ts and
// bench/step-memory.ts. Argument: JSON {freezeMode, bnFrozen, imageSize, batch, microBatchSize,
// recompute, numClasses, blocks?, widths?}. Prints one line `STEP_HEAP {...}`.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend/init";
import { applyFreeze } from "../src/model/freeze";
import { buildResNet } from "../src/model/resnet";
import { createTrainStep } from "../src/train/train-step";
import type { StepHeapArgs } from "./measure-step";

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? "{}") as StepHeapArgs;
  await initBackend("wasm", { wasmThreads: 1 });
  const heapMb = () =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / 2 ** 20;
  const net = buildResNet({
    arch: "resnet152",
    numClasses: a.numClasses,
    imageSize: a.imageSize,
    seed: 1,
    ...(a.blocks ? { blocks: a.blocks } : {}),
    ...(a.widths ? { widths: a.widths } : {}),
  });
  applyFreeze(net, a.freezeMode, a.bnFrozen);
  const step = createTrainStep(
    net,
    { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 },
    { microBatchSize: a.microBatchSize, recompute: a.recompute },
  );
  const xs = tf.randomNormal([a.batch, a.imageSize, a.imageSize, 3], 0, 1, "float32", 1);
  const ys = tf.tensor1d(
    Array.from({ length: a.batch }, (_, i) => i % a.numClasses),
    "int32",
  );
  const before = heapMb();
  const t0 = performance.now();
  let loss = Number.NaN;
  const profile = await tf.profile(async () => {
    loss = (await step.run(xs, ys)).loss;
  });
  const result = {
    ...a,
    loss,
    seconds: (performance.now() - t0) / 1000,
    heapBeforeMb: Math.round(before),
    heapMb: Math.round(heapMb()),
    peakTensorMb: Math.round(profile.peakBytes / 2 ** 20),
    rssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(`STEP_HEAP ${JSON.stringify(result)}`);
  process.exit(0);
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
