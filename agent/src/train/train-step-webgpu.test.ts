// One training step on webgpu (SwiftShader here) equals the same step on wasm: per freeze mode and
// both frozen-BatchNorm modes, the loss, every weight after the update and the BN running statistics.
// The tiny committed network (test/fixtures/tiny-weights.safetensors: non-trivial running stats), 32 px,
// batch 4. SGD with momentum: its first update is lr × gradient, so the weights compare the gradients;
// Adam's first update is ±lr whatever the gradient's size, so noise-level gradients could flip it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BnFrozen, FreezeMode } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initTestBackend, swiftShader } from "../../test/swiftshader";
import { applyFreeze } from "../model/freeze";
import { buildResNet, disposeResNet } from "../model/resnet";
import { readSafetensors } from "../model/safetensors";
import { loadTorchvisionTensors } from "../model/weights";
import { createTrainStep } from "./train-step";

const fixture = readSafetensors(
  readFileSync(join(import.meta.dirname, "../../test/fixtures/tiny-weights.safetensors")),
);
const tiny = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10, imageSize: 32 };
const sgd = { optimizer: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 5e-4 } as const;

// Measured on SwiftShader (max over the six cases): loss 2.9e-6; a weight 1.4e-4 × the largest change
// the step made to its tensor (conv1 in `full`: 1.05e-4 absolute on changes of ≈0.7); running stats
// 9.5e-7. Summation order differs between the backends, and small-batch BatchNorm gradients cancel.
const tolerance = { loss: 1e-5, weightsOfUpdate: 1e-3, weights: 1e-6, stats: 1e-5 };

interface StepOutcome {
  loss: number;
  /** every weight of the network after the step, by name (BN moving mean/variance included) */
  after: Map<string, Float32Array>;
  before: Map<string, Float32Array>;
}

async function readWeights(net: ReturnType<typeof buildResNet>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const w of net.model.weights) out.set(w.originalName, (await w.read().data()) as Float32Array);
  return out;
}

async function oneStep(backend: "wasm" | "webgpu", mode: FreezeMode, bn: BnFrozen): Promise<StepOutcome> {
  await initTestBackend(backend);
  const net = buildResNet(tiny);
  loadTorchvisionTensors(net, fixture);
  applyFreeze(net, mode, bn);
  const step = createTrainStep(net, sgd);
  const xs = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 7) as tf.Tensor4D;
  const labels = tf.tensor1d([1, 5, 9, 3], "int32");
  const before = await readWeights(net);
  const { loss } = await step.run(xs, labels);
  const after = await readWeights(net);
  tf.dispose([xs, labels]);
  step.dispose();
  disposeResNet(net);
  return { loss, before, after };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const isStat = (name: string) => /moving_(mean|variance)$/.test(name);

const cases = (["head_only", "final_block", "full"] as const).flatMap((mode) =>
  (["eval", "train"] as const).map((bn) => [mode, bn] as const),
);

describe.skipIf(swiftShader.skip)("a training step on webgpu equals wasm's", () => {
  it.each(cases)("%s, bnFrozen %s: loss, updated weights, BN running stats", async (mode, bn) => {
    const wasm = await oneStep("wasm", mode, bn);
    const gpu = await oneStep("webgpu", mode, bn);
    expect(Math.abs(gpu.loss - wasm.loss)).toBeLessThan(tolerance.loss);
    expect([...gpu.after.keys()]).toEqual([...wasm.after.keys()]);
    let changed = 0;
    for (const [name, w] of wasm.after) {
      const update = maxAbsDiff(w, wasm.before.get(name)!);
      const limit = isStat(name) ? tolerance.stats : tolerance.weights + tolerance.weightsOfUpdate * update;
      expect(maxAbsDiff(gpu.after.get(name)!, w), name).toBeLessThan(limit);
      if (update > 1e-4) changed++;
    }
    // not vacuous: the head trained, and in train mode every BatchNorm's statistics moved
    expect(maxAbsDiff(wasm.after.get("fc/kernel")!, wasm.before.get("fc/kernel")!)).toBeGreaterThan(1e-3);
    const statsMoved = [...wasm.after.keys()].filter(
      (n) => isStat(n) && maxAbsDiff(wasm.after.get(n)!, wasm.before.get(n)!) > 1e-4,
    );
    if (bn === "train" || mode === "full") expect(statsMoved.length).toBeGreaterThan(0);
    if (bn === "eval" && mode === "head_only") expect(statsMoved).toEqual([]);
    expect(changed).toBeGreaterThan(0);
  });

  it("leaks no tensor and no GPU memory across steps", async () => {
    await initTestBackend("webgpu");
    const net = buildResNet(tiny);
    loadTorchvisionTensors(net, fixture);
    applyFreeze(net, "full", "train");
    const step = createTrainStep(net, { ...sgd, optimizer: "adam" });
    const xs = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 3], "int32");
    await step.run(xs, labels); // creates Adam's moments
    const memory = () => tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
    const start = memory();
    expect(start.numBytesInGPU).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await step.run(xs, labels);
    const end = memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.numBytesInGPU).toBe(start.numBytesInGPU);
    tf.dispose([xs, labels]);
    step.dispose();
    disposeResNet(net);
  });
});
