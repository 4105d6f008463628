// Where a training step's time goes, kernel by kernel (issue 9.3: faster kernels where profiling
// says the time goes). Not a benchmark with a target: a tool for the next kernel change.
//   npm run bench:profile -- [--mode full|final_block|head_only] [--suffix] [--threads N] [--size 32]
//                            [--batch 32] [--backend wasm|cpu] [--by-shape KernelName] [--top 25]
// Builds ResNet-152 (random init, 10 classes), applies the mode's freeze rule (frozen BatchNorm in
// eval), takes two warm-up steps, times one, then profiles one with tf.profile and prints each
// kernel's total time and call count, largest first. --suffix trains what the frozen-prefix cache
// trains (the layers after the cut, on the prefix's outputs); --by-shape splits one kernel's row by
// its input shapes. Kernel times come from the backend's timer; a composed kernel's row includes the
// kernels it calls, and fused ops appear both as the op (name__op) and as their kernel.
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName } from "../agent/src/backend/init";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet } from "../agent/src/model/resnet";
import { cutLayerFor, splitModel } from "../agent/src/train/prefix-cache";
import { createTrainStep } from "../agent/src/train/train-step";
import { flag, opt } from "./bench-util";

const modes = ["full", "final_block", "head_only"] as const;
type Mode = (typeof modes)[number];

async function main(): Promise<void> {
  const mode = opt("mode", "full") as Mode;
  if (!modes.includes(mode)) throw new Error(`--mode must be one of ${modes.join(", ")}, got "${mode}"`);
  const suffix = flag("suffix");
  if (suffix && mode === "full") throw new Error("--suffix needs a frozen prefix: use --mode final_block or head_only");
  const size = Number(opt("size", "32"));
  const batch = Number(opt("batch", "32"));
  const byShape = opt("by-shape", "");
  const top = Number(opt("top", "25"));
  const backend = parseBackendName(opt("backend", "wasm"));
  const threadsOpt = opt("threads", "");
  const init = await initBackend(backend, threadsOpt ? { wasmThreads: Number(threadsOpt) } : {});

  const net = buildResNet({ arch: "resnet152", numClasses: 10, imageSize: size, seed: 1 });
  applyFreeze(net, mode, "eval");
  let xs = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 1);
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  let target: { model: tf.LayersModel } = net;
  if (suffix) {
    const split = splitModel(net.model, cutLayerFor(net, mode)!);
    const features = split.prefix.predict(xs) as tf.Tensor;
    xs.dispose();
    xs = features;
    target = { model: split.suffix };
  }
  const step = createTrainStep(target, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
  await step.run(xs, ys);
  await step.run(xs, ys);
  const t0 = performance.now();
  await step.run(xs, ys);
  const stepMs = performance.now() - t0;
  const prof = await tf.profile(async () => {
    await step.run(xs, ys);
  });

  const rows = new Map<string, { ms: number; calls: number }>();
  for (const k of prof.kernels) {
    const key = k.name === byShape ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const row = rows.get(key) ?? { ms: 0, calls: 0 };
    row.ms += Number(k.kernelTimeMs) || 0;
    row.calls++;
    rows.set(key, row);
  }
  const what = `${mode}${suffix ? " suffix" : ""}, ${size} px, batch ${batch}, ${backend} ${init.threads} thread(s)`;
  console.log(`step ${stepMs.toFixed(0)} ms (${what})`);
  console.log(`${"kernel".padEnd(60)} ${"ms".padStart(7)} ${"calls".padStart(6)}`);
  for (const [name, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`${name.slice(0, 60).padEnd(60)} ${r.ms.toFixed(0).padStart(7)} ${String(r.calls).padStart(6)}`);
  }
  step.dispose();
  disposeResNet(net);
  tf.dispose([xs, ys]);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
