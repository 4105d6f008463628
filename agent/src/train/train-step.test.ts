import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { applyFreeze } from "../model/freeze";
import { buildResNet, disposeResNet } from "../model/resnet";
import { createTrainStep, type StepLayout } from "./train-step";

const slow = process.env.AI623_FAST === "1";

beforeAll(async () => {
  await initBackend("wasm");
});

const tinyNet = () =>
  buildResNet({ blocks: [1, 1, 1, 1], widths: [8, 16, 32, 64], numClasses: 10, imageSize: 32, seed: 1 });

describe("createTrainStep", () => {
  it("overfits one batch of 32 images: loss falls, accuracy reaches 1.0", async () => {
    const net = tinyNet();
    applyFreeze(net, "full", "train");
    const step = createTrainStep(net, { optimizer: "adam", lr: 1e-2, momentum: 0.9, weightDecay: 0 });
    const xs = tf.randomNormal([32, 32, 32, 3], 0, 1, "float32", 5) as tf.Tensor4D;
    const labels = tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 10),
      "int32",
    );
    const first = await step.run(xs, labels);
    let last = first;
    for (let i = 0; i < 80 && last.accuracy < 1; i++) last = await step.run(xs, labels);
    expect(last.accuracy).toBe(1);
    expect(last.loss).toBeLessThan(first.loss * 0.5);
    tf.dispose([xs, labels]);
    step.dispose();
    disposeResNet(net);
  });

  it("leaks no tensor across steps", async () => {
    const net = tinyNet();
    applyFreeze(net, "final_block", "eval");
    const step = createTrainStep(net, { optimizer: "sgd", lr: 1e-2, momentum: 0.9, weightDecay: 5e-4 });
    const xs = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 6) as tf.Tensor4D;
    const labels = tf.tensor1d([1, 2, 3, 4], "int32");
    await step.run(xs, labels); // creates the momentum buffers
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) await step.run(xs, labels);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([xs, labels]);
    step.dispose();
    disposeResNet(net);
  });

  it("adds L2 weight decay to the gradient as torch.optim.SGD does", async () => {
    const net = tinyNet();
    applyFreeze(net, "head_only", "eval");
    const xs = tf.randomNormal([4, 32, 32, 3], 0, 1, "float32", 8) as tf.Tensor4D;
    const labels = tf.tensor1d([1, 2, 3, 4], "int32");
    const fc = net.model.getLayer("fc");
    const [k0, b0] = fc.getWeights().map((w) => w.clone());
    const w0 = k0!.dataSync().slice();
    // Gradient at w0 of the loss alone, taken on the same (frozen-BN) forward.
    const probe = createTrainStep(net, { optimizer: "sgd", lr: 1, momentum: 0, weightDecay: 0 });
    await probe.run(xs, labels);
    const g = w0.map((v, i) => v - fc.getWeights()[0]!.dataSync()[i]!);
    fc.setWeights([k0!, b0!]);
    const decayed = createTrainStep(net, { optimizer: "sgd", lr: 0.1, momentum: 0, weightDecay: 0.5 });
    await decayed.run(xs, labels);
    const w1 = fc.getWeights()[0]!.dataSync();
    let maxErr = 0;
    w0.forEach((v, i) => {
      maxErr = Math.max(maxErr, Math.abs(w1[i]! - (v - 0.1 * (g[i]! + 0.5 * v))));
    });
    expect(maxErr).toBeLessThan(1e-6);
    tf.dispose([xs, labels, k0!, b0!]);
    probe.dispose();
    decayed.dispose();
    disposeResNet(net);
  });
});

describe.skipIf(slow)("createTrainStep on the real ResNet-152", () => {
  it("runs one full fine-tuning step at batch 2", async () => {
    const net = buildResNet({ arch: "resnet152", numClasses: 10, imageSize: 32, seed: 42 });
    applyFreeze(net, "full", "train");
    const step = createTrainStep(net, { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 });
    const xs = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 9) as tf.Tensor4D;
    const labels = tf.tensor1d([3, 7], "int32");
    const conv1 = net.model.getLayer("conv1").getWeights()[0]!.dataSync().slice();
    const { loss, accuracy } = await step.run(xs, labels);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
    expect([0, 0.5, 1]).toContain(accuracy);
    const changed = net.model.getLayer("conv1").getWeights()[0]!.dataSync();
    expect(changed.some((v, i) => v !== conv1[i])).toBe(true);
    tf.dispose([xs, labels]);
    step.dispose();
    disposeResNet(net);
  }, 300_000);
});

/** The step as tfjs's autodiff would take it over the whole model at once: the reference. */
async function referenceStep(net: ReturnType<typeof tinyNet>, xs: tf.Tensor, labels: tf.Tensor1D, lr: number) {
  const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = net.model.apply(xs, { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
    }, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
    return value;
  });
  const l = (await loss.data())[0]!;
  loss.dispose();
  return l;
}

/** Every weight of the net (trainable, frozen, BN running stats) as flat arrays, by name. */
const snapshot = (net: ReturnType<typeof tinyNet>) =>
  new Map(net.model.weights.map((w) => [w.originalName, w.read().dataSync().slice()] as const));

function maxDiff(a: Map<string, Float32Array | Int32Array | Uint8Array>, b: typeof a) {
  let worst = 0;
  for (const [name, va] of a) {
    const vb = b.get(name)!;
    for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs(Number(va[i]) - Number(vb[i])));
  }
  return worst;
}

/**
 * One SGD step of a fresh tiny net per layout equals the reference step: its loss within `lossTol`,
 * every weight and BatchNorm statistic within 1e-6.
 */
async function expectLayoutsMatchReference(
  mode: "full" | "final_block" | "head_only",
  bnFrozen: "train" | "eval",
  layouts: StepLayout[],
  lossTol: number,
) {
  const xs = tf.randomNormal([8, 32, 32, 3], 0, 1, "float32", 11) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
  const ref = tinyNet();
  applyFreeze(ref, mode, bnFrozen);
  const refLoss = await referenceStep(ref, xs, labels, layoutSgd.lr);
  for (const layout of layouts) {
    const net = tinyNet();
    applyFreeze(net, mode, bnFrozen);
    const step = createTrainStep(net, layoutSgd, layout);
    const r = await step.run(xs, labels);
    expect(Math.abs(r.loss - refLoss), JSON.stringify(layout)).toBeLessThan(lossTol);
    expect(maxDiff(snapshot(net), snapshot(ref)), JSON.stringify(layout)).toBeLessThan(1e-6);
    step.dispose();
    disposeResNet(net);
  }
  disposeResNet(ref);
  tf.dispose([xs, labels]);
}

const layoutSgd = { optimizer: "sgd", lr: 0.05, momentum: 0, weightDecay: 0 } as const;

describe("createTrainStep memory layouts (recompute, micro-batches, from a cut)", () => {
  const sgd = layoutSgd;
  const data = () => ({
    xs: tf.randomNormal([8, 32, 32, 3], 0, 1, "float32", 11) as tf.Tensor4D,
    labels: tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"),
  });

  for (const [mode, bnFrozen] of [
    ["full", "train"],
    ["final_block", "train"],
    ["head_only", "train"],
    ["final_block", "eval"],
  ] as const) {
    it(`${mode}/${bnFrozen}: recomputing per block equals tfjs's whole-model step (weights and BN stats)`, async () => {
      await expectLayoutsMatchReference(mode, bnFrozen, [{ recompute: false }, { recompute: true }], 1e-6);
    });
  }

  it("micro-batches sum to the whole batch's gradient where no BatchNorm uses batch statistics", async () => {
    const layouts = [1, 3, 4].map((microBatchSize) => ({ microBatchSize, recompute: true }));
    await expectLayoutsMatchReference("head_only", "eval", layouts, 1e-5);
  });

  it("leaks no tensor across recomputed, micro-batched steps", async () => {
    const { xs, labels } = data();
    const net = tinyNet();
    applyFreeze(net, "full", "train");
    const step = createTrainStep(net, { ...sgd, momentum: 0.9 }, { recompute: true, microBatchSize: 3 });
    await step.run(xs, labels); // creates the momentum buffers
    const { numTensors, numBytes } = tf.memory();
    for (let i = 0; i < 2; i++) await step.run(xs, labels);
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(tf.memory().numBytes).toBe(numBytes);
    step.dispose();
    disposeResNet(net);
    tf.dispose([xs, labels]);
  });

  it("micro-batches change train-mode BatchNorm (statistics per slice, one blend per slice)", async () => {
    const { xs, labels } = data();
    const whole = tinyNet();
    applyFreeze(whole, "full", "train");
    const split = tinyNet();
    applyFreeze(split, "full", "train");
    const a = createTrainStep(whole, sgd);
    const b = createTrainStep(split, sgd, { microBatchSize: 4 });
    const [ra, rb] = [await a.run(xs, labels), await b.run(xs, labels)];
    expect(Number.isFinite(rb.loss)).toBe(true);
    expect(Math.abs(ra.loss - rb.loss)).toBeGreaterThan(1e-4);
    const mean = (net: ReturnType<typeof tinyNet>) => net.model.getLayer("bn1").getWeights()[2]!.dataSync();
    expect(mean(whole).some((v, i) => Math.abs(v - mean(split)[i]!) > 1e-6)).toBe(true);
    a.dispose();
    b.dispose();
    disposeResNet(whole);
    disposeResNet(split);
    tf.dispose([xs, labels]);
  });

  it("trains only the chain after a cut, on that layer's outputs", async () => {
    const { xs, labels } = data();
    const ref = tinyNet();
    applyFreeze(ref, "final_block", "eval");
    await referenceStep(ref, xs, labels, sgd.lr);
    const net = tinyNet();
    applyFreeze(net, "final_block", "eval");
    const cut = "layer3.0.relu3";
    const prefix = tf.model({
      inputs: net.model.inputs,
      outputs: net.model.getLayer(cut).getOutputAt(0) as tf.SymbolicTensor,
    });
    const features = prefix.predict(xs) as tf.Tensor;
    // layer4's BatchNorm trains (batch statistics): no micro-batches here, they would change it
    const step = createTrainStep(net, sgd, { from: cut, recompute: true });
    await step.run(features, labels);
    expect(maxDiff(snapshot(net), snapshot(ref))).toBeLessThan(1e-6);
    step.dispose();
    disposeResNet(net);
    disposeResNet(ref);
    tf.dispose([xs, labels, features]);
  });
});
