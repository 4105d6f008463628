import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, it } from "vitest";
import { expectWasmMatchesCpu, randomFloats } from "./against-cpu";
import { initBackend } from "./init";

// Filter gradient of sum(conv2d(x, w) · r): the kernel under test on wasm, tfjs's own on cpu.
function filterGrad(x: Float32Array, w: Float32Array, r: Float32Array, shape: Case): Float32Array {
  return tf.tidy(() => {
    const [b, s, cin, cout, k, stride, pad] = shape;
    const xs = tf.tensor4d(x, [b, s, s, cin]);
    const rt = tf.tensor(r);
    const f = (wt: tf.Tensor) => {
      const y = tf.conv2d(xs, wt as tf.Tensor4D, stride, pad);
      return tf.sum(tf.mul(y, tf.reshape(rt, y.shape)));
    };
    return tf
      .grad(f)(tf.tensor4d(w, [k, k, cin, cout]))
      .dataSync() as Float32Array;
  });
}

type Case = [batch: number, side: number, cin: number, cout: number, k: number, stride: number, pad: "valid" | "same"];
const cases: Case[] = [
  [2, 8, 4, 6, 1, 1, "valid"],
  [2, 8, 4, 6, 1, 2, "valid"],
  [2, 9, 3, 5, 3, 1, "same"],
  [2, 9, 3, 5, 3, 2, "valid"],
  [1, 16, 3, 8, 7, 2, "valid"],
  [1, 15, 3, 4, 7, 1, "same"],
  [2, 1, 4, 6, 3, 1, "same"], // a 1×1 map: only the centre tap has a gradient
  [2, 2, 4, 6, 3, 2, "same"], // 2×2, stride 2: the top-left taps read only padding
];

describe("wasm Conv2DBackpropFilter", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it.each(cases)("agrees with the cpu backend: batch %i, %i px, %i→%i ch, %i×k, stride %i, %s", async (...c) => {
    const [b, s, cin, cout, k, stride, pad] = c;
    const outSide = pad === "same" ? Math.ceil(s / stride) : Math.floor((s - k) / stride) + 1;
    const x = randomFloats(b * s * s * cin, 1);
    const w = randomFloats(k * k * cin * cout, 2);
    const r = randomFloats(b * outSide * outSide * cout, 3);
    await expectWasmMatchesCpu(() => filterGrad(x, w, r, c), { length: k * k * cin * cout, minRef: 1 });
  });
});
