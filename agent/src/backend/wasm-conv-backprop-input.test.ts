import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, randomFloats } from "./against-cpu";
import { initBackend } from "./init";
import { planInputGrad } from "./wasm-conv-backprop-input";

type Pad = "valid" | "same" | number;
type Case = [batch: number, side: number, cin: number, cout: number, k: number, stride: number, pad: Pad];

// Input gradient of sum(conv2d(x, w) · r): the composed kernel on wasm, tfjs's own on cpu.
function inputGrad(x: Float32Array, w: Float32Array, r: Float32Array, c: Case): Float32Array {
  return tf.tidy(() => {
    const [b, s, cin, cout, k, stride, pad] = c;
    const wt = tf.tensor4d(w, [k, k, cin, cout]);
    const f = (xt: tf.Tensor) => {
      const y = tf.conv2d(xt as tf.Tensor4D, wt, stride, padOf(pad));
      return tf.sum(tf.mul(y, tf.reshape(tf.tensor(r.subarray(0, y.size)), y.shape)));
    };
    return tf
      .grad(f)(tf.tensor4d(x, [b, s, s, cin]))
      .dataSync() as Float32Array;
  });
}

// Every conv shape ResNet-152 has at 32 and 224 px, scaled down, plus the odd sizes and "same".
const cases: Case[] = [
  [2, 8, 4, 6, 1, 1, 0], // bottleneck conv1/conv3
  [2, 8, 4, 6, 1, 2, "valid"], // downsample, even side
  [2, 7, 4, 6, 1, 2, 0], // downsample, odd side
  [2, 1, 5, 3, 1, 1, 0], // layer4 at 32 px: 1×1 spatial
  [2, 9, 3, 5, 3, 1, 1], // bottleneck conv2
  [2, 8, 3, 5, 3, 2, 1], // conv2 of a layer's first block, even side
  [2, 9, 3, 5, 3, 2, 1], // … odd side
  [2, 2, 4, 4, 3, 2, 1], // layer4.0 conv2 at 32 px: 2 → 1
  [2, 1, 4, 4, 3, 1, 1], // layer4 conv2 at 32 px: 1 × 1 with padding
  [2, 9, 3, 5, 3, 2, "valid"],
  [2, 9, 3, 5, 3, 1, "same"],
  [2, 10, 3, 4, 3, 2, "same"],
  [1, 16, 3, 8, 7, 2, 3], // the stem
  [1, 15, 3, 4, 7, 1, "same"],
  // wide channels on small maps (layer3/layer4 at 32 px): the filter-as-operand matmul
  [2, 2, 64, 64, 3, 1, 1],
  [2, 3, 48, 40, 3, 2, 1],
  [2, 4, 48, 40, 1, 2, 0],
  [2, 1, 64, 48, 3, 1, 1],
  [2, 2, 64, 32, 1, 1, 0],
  [2, 5, 32, 48, 3, 2, "same"],
  [1, 2, 16, 32, 7, 2, 3],
];

const padOf = (pad: Pad): "valid" | "same" | tf.backend_util.ExplicitPadding =>
  typeof pad === "number"
    ? [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]
    : pad;

describe("wasm Conv2DBackpropInput", () => {
  beforeAll(async () => {
    await initBackend("wasm");
    // the composed kernel is the one the gradients reach, not tfjs's scalar loop
    const registered = tf.getKernel("Conv2DBackpropInput", "wasm")?.kernelFunc as { wrapped?: boolean };
    expect(registered.wrapped).toBe(true);
  });

  it("covers both ways of computing dx", () => {
    const paths = cases.map(([b, s, cin, cout, k, stride, pad]) => {
      const info = tf.backend_util.computeConv2DInfo([b, s, s, cin], [k, k, cin, cout], stride, 1, padOf(pad));
      return planInputGrad(info).path;
    });
    expect(paths.filter((p) => p === "gemm").length).toBeGreaterThanOrEqual(7);
    expect(paths.filter((p) => p === "phases").length).toBeGreaterThanOrEqual(7);
  });

  it.each(cases)("agrees with the cpu backend: batch %i, %i px, %i→%i ch, %i×k, stride %i, pad %s", async (...c) => {
    const [b, s, cin, cout, k] = c;
    const x = randomFloats(b * s * s * cin, 1);
    const w = randomFloats(k * k * cin * cout, 2);
    const r = randomFloats(b * s * s * cout, 3); // at least the output's size
    await expectWasmMatchesCpu(() => inputGrad(x, w, r, c), { length: b * s * s * cin, minRef: 0.5 });
  });
});
