import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { applyFreeze } from "../model/freeze";
import { buildResNet, disposeResNet } from "../model/resnet";
import { createTrainStep } from "./train-step";

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
