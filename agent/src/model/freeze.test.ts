import type { BnFrozen, FreezeMode } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { createTrainStep } from "../train/train-step";
import { isTorchBatchNorm } from "./batch-norm";
import { applyFreeze, isTrainableLayer } from "./freeze";
import { buildResNet, disposeResNet, type ResNet, weightedLayers } from "./resnet";

beforeAll(async () => {
  await initBackend("wasm");
});

/** Every weight of every layer, the unused projection's included, as plain arrays. */
function snapshot(net: ResNet): Map<string, Float32Array[]> {
  return new Map(weightedLayers(net).map((l) => [l.name, l.getWeights().map((w) => w.dataSync() as Float32Array)]));
}
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("isTrainableLayer", () => {
  it("trains fc, then layer4, then everything", () => {
    expect(isTrainableLayer("fc", "head_only")).toBe(true);
    expect(isTrainableLayer("layer4.2.conv3", "head_only")).toBe(false);
    expect(isTrainableLayer("layer4.2.conv3", "final_block")).toBe(true);
    expect(isTrainableLayer("layer4.0.downsample.1", "final_block")).toBe(true);
    expect(isTrainableLayer("layer3.35.bn2", "final_block")).toBe(false);
    expect(isTrainableLayer("conv1", "full")).toBe(true);
  });
});

const modes: [FreezeMode, BnFrozen][] = ["head_only", "final_block", "full"].flatMap((m) =>
  (["train", "eval"] as const).map((b): [FreezeMode, BnFrozen] => [m as FreezeMode, b]),
);

describe("applyFreeze after real training steps", () => {
  it.each(modes)("%s with bnFrozen=%s changes exactly what the rule allows", async (mode, bnFrozen) => {
    const net = buildResNet({
      blocks: [1, 1, 1, 1],
      widths: [4, 8, 8, 16],
      numClasses: 10,
      imageSize: 32,
      disabledSkips: ["layer3.0"],
      seed: 7,
    });
    applyFreeze(net, mode, bnFrozen);
    const before = snapshot(net);
    const step = createTrainStep(net, { optimizer: "adam", lr: 1e-2, momentum: 0.9, weightDecay: 0 });
    const xs = tf.randomNormal([8, 32, 32, 3], 0.5, 1.5, "float32", 3) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
    for (let i = 0; i < 2; i++) await step.run(xs, labels);
    const after = snapshot(net);
    for (const layer of weightedLayers(net)) {
      const [b, a] = [before.get(layer.name)!, after.get(layer.name)!];
      const trainable = isTrainableLayer(layer.name, mode);
      const unused = net.unusedLayers.includes(layer);
      const isBn = isTorchBatchNorm(layer);
      // [kernel] / [kernel, bias] / [gamma, beta, moving_mean, moving_variance]
      const params = isBn ? [0, 1] : b.map((_, i) => i);
      for (const i of params) {
        const label = `${layer.name} weight ${i} (${mode}, bn ${bnFrozen})`;
        if (trainable && !unused) expect(same(b[i]!, a[i]!), label).toBe(false);
        else expect(same(b[i]!, a[i]!), label).toBe(true);
      }
      if (isBn) {
        const statsMoved = !same(b[2]!, a[2]!) && !same(b[3]!, a[3]!);
        const shouldMove = !unused && (trainable || bnFrozen === "train");
        expect(statsMoved, `${layer.name} running stats (${mode}, bn ${bnFrozen})`).toBe(shouldMove);
        if (!shouldMove) expect(same(b[2]!, a[2]!) && same(b[3]!, a[3]!)).toBe(true);
      }
    }
    tf.dispose([xs, labels]);
    step.dispose();
    disposeResNet(net);
  });
});
