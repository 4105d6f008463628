// Batch preparation vs one training step of the same batch, on the same backend (wasm by default).
//   npx tsx bench/data-pipeline.ts [--sizes 32,224] [--batch 128] [--step-batch 32:32,224:2]
//                                  [--reps 3] [--arch resnet152] [--backend wasm|cpu]
// The anchor is a ResNet-152 head_only step (forward through the whole network, backward and Adam
// on fc), the cheapest step a run without feature caching takes. At 224 px a batch of 128 does not
// fit in wasm's 4 GiB, so the step is measured at --step-batch and scaled linearly to --batch
// (the JSON says so). Prints one JSON object; target: prep / step < 0.10 at every size.
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName } from "../agent/src/backend/init";
import { pixelBytes } from "../agent/src/data/cifar-layout";
import { createDataPipeline } from "../agent/src/data/pipeline";
import { generateSyntheticSplit } from "../agent/src/data/synthetic";
import { imagenetMean, imagenetStd } from "../agent/src/data/transform";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { createTrainStep } from "../agent/src/train/train-step";
import { median, opt } from "./bench-util";

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Median wall and CPU time of `reps` runs after one warm-up. */
async function measure(reps: number, fn: () => Promise<void> | void): Promise<Timing> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wallMs: round(median(walls)), cpuMs: round(median(cpus)) };
}

const round = (v: number) => Math.round(v * 10) / 10;
const scale = (t: Timing, k: number): Timing => ({ wallMs: round(t.wallMs * k), cpuMs: round(t.cpuMs * k) });

async function main(): Promise<void> {
  const backend = parseBackendName(opt("backend", "wasm"));
  const sizes = opt("sizes", "32,224").split(",").map(Number);
  const batch = Number(opt("batch", "128"));
  const reps = Number(opt("reps", "3"));
  const arch = opt("arch", "resnet152") as "resnet50" | "resnet101" | "resnet152";
  const stepBatches = new Map(
    opt("step-batch", "32:32,224:2")
      .split(",")
      .map((p) => p.split(":").map(Number) as [number, number]),
  );
  await initBackend(backend);
  const train = generateSyntheticSplit("cifar10", 4 * batch, 1);
  const test = generateSyntheticSplit("cifar10", batch, 2);
  const results = [];
  for (const imageSize of sizes) {
    const cfg = { batchSize: batch, imageSize, trainSubset: null, valSubset: null, seed: 42, augment: true };
    // Preparation is cheap next to a step: more repetitions for a stable median.
    const prepReps = Math.max(7, 3 * reps);
    /** Host preparation plus tensors on the backend, as the training loop pays it per batch. */
    const timePipeline = async (resize: "host" | "backend") => {
      const p = createDataPipeline({ train, test, numClasses: 10 }, { ...cfg, resize });
      let step = 0;
      return measure(prepReps, () => p.toBatch(p.prepareTrainBatch(0, step++ % 4)).dispose());
    };
    // Sanity on this backend: its resizeBilinear(halfPixelCenters) equals the host implementation.
    const viaHost = createDataPipeline({ train, test, numClasses: 10 }, { ...cfg, resize: "host" });
    const viaBackend = createDataPipeline({ train, test, numClasses: 10 }, { ...cfg, resize: "backend" });
    const [h, d] = [
      viaHost.toBatch(viaHost.prepareTrainBatch(0, 0)),
      viaBackend.toBatch(viaBackend.prepareTrainBatch(0, 0)),
    ];
    const backendVsHostMaxAbsDiff = tf.tidy(() => h.xs.sub(d.xs).abs().max().dataSync()[0]!);
    h.dispose();
    d.dispose();
    const hostResize = await timePipeline("host");
    const backendResize = await timePipeline("backend");
    // Everything as tf ops (bytes → normalise → resize), without augmentation. wasm and cpu run
    // kernels synchronously, so no download is needed to time them.
    const bytes = new Int32Array(batch * pixelBytes);
    for (let i = 0; i < batch * pixelBytes; i++) bytes[i] = train.images[i]!;
    const allTfOpsNoAugment = await measure(prepReps, () => {
      tf.tidy(() => {
        const x = tf.tensor4d(bytes, [batch, 32, 32, 3], "int32").toFloat().div(255);
        const n = x.sub(tf.tensor1d([...imagenetMean])).div(tf.tensor1d([...imagenetStd])) as tf.Tensor4D;
        return imageSize === 32 ? n : tf.image.resizeBilinear(n, [imageSize, imageSize], false, true);
      }).dispose();
    });
    const prepTotal = hostResize.cpuMs <= backendResize.cpuMs ? hostResize : backendResize;
    // The anchor: one training step on a batch of the same images.
    const stepBatch = Math.min(batch, stepBatches.get(imageSize) ?? batch);
    const net = buildResNet({ arch, numClasses: 10, imageSize, seed: 1 });
    applyFreeze(net, "head_only", "train");
    const trainer = createTrainStep(net, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
    const b = createDataPipeline({ train, test, numClasses: 10 }, { ...cfg, batchSize: stepBatch, resize: "host" });
    const sample = b.prepareTrainBatch(0, 0);
    const xs = tf.tensor4d(sample.x, [sample.size, imageSize, imageSize, 3]);
    const ys = tf.tensor1d(sample.labels, "int32");
    const stepAt = await measure(Math.min(reps, imageSize > 64 ? 1 : reps), async () => {
      await trainer.run(xs, ys);
    });
    xs.dispose();
    ys.dispose();
    trainer.dispose();
    disposeResNet(net);
    const stepMs = scale(stepAt, batch / stepBatch);
    results.push({
      imageSize,
      prepResizeOnHostMs: hostResize,
      prepResizeOnBackendMs: backendResize,
      prepAllTfOpsNoAugmentMs: allTfOpsNoAugment,
      backendVsHostMaxAbsDiff,
      faster: imageSize === 32 ? "same path (no resize)" : prepTotal === hostResize ? "host" : "backend",
      stepBatch,
      stepMeasuredMs: stepAt,
      stepScaledTo: batch,
      stepMs,
      ratioCpu: Number((prepTotal.cpuMs / stepMs.cpuMs).toPrecision(3)),
      ratioWall: Number((prepTotal.wallMs / stepMs.wallMs).toPrecision(3)),
      targetMet: prepTotal.cpuMs / stepMs.cpuMs < 0.1,
    });
    console.error(JSON.stringify(results.at(-1)));
  }
  console.log(
    JSON.stringify(
      {
        bench: "data-pipeline",
        backend: tf.getBackend(),
        anchor: `${arch} head_only training step (Adam), same backend`,
        batch,
        // Wall times on a shared machine swell with its load; CPU times and ratios much less.
        loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
        target: "prep (augment + normalise + resize + tensors, the faster path) / step < 0.10",
        results,
        rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      },
      null,
      2,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
