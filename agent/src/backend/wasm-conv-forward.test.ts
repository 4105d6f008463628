import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, randomFloats } from "./against-cpu";
import { initBackend } from "./init";
import { useGemm } from "./wasm-conv-forward";
import { tapWindow } from "./wasm-kernel-util";

type Pad = "valid" | "same" | tf.backend_util.ExplicitPadding;
type Case = [label: string, x: [number, number, number, number], k: number, cout: number, stride: number, pad: Pad];
const p = (t: number, b: number, l: number, r: number): tf.backend_util.ExplicitPadding => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

const cases: Case[] = [
  ["layer4 conv2 at 32 px: 1×1 map, 3×3, pad 1", [2, 1, 1, 6], 3, 5, 1, p(1, 1, 1, 1)],
  ["layer4.0 conv2 at 32 px: 2×2 map, stride 2, pad 1", [2, 2, 2, 6], 3, 5, 2, p(1, 1, 1, 1)],
  ["'same' on a 1×1 map", [2, 1, 1, 4], 3, 3, 1, "same"],
  ["2×1 map, asymmetric padding", [1, 2, 1, 4], 3, 3, 1, p(2, 0, 1, 1)],
  ["7×7 stem on a 2×2 image", [1, 2, 2, 3], 7, 4, 2, p(3, 3, 3, 3)],
  ["no crop: 4×4 map, 3×3, pad 1", [2, 4, 4, 3], 3, 4, 1, p(1, 1, 1, 1)],
  // wide channels on small maps (layer3/layer4 at 32 px): the transposed-filter matmul
  ["gemm: 1×1 on a 1×1 map", [2, 1, 1, 64], 1, 96, 1, "valid"],
  ["gemm: 3×3 on a 2×2 map", [2, 2, 2, 64], 3, 64, 1, p(1, 1, 1, 1)],
  ["gemm: 3×3 stride 2 on a padded 4×4 map", [2, 4, 4, 64], 3, 48, 2, "valid"],
  ["gemm: 1×1 stride 2", [2, 4, 4, 128], 1, 128, 2, "valid"],
  ["gemm: cropped 3×3 on a 1×1 map", [2, 1, 1, 64], 3, 64, 1, p(1, 1, 1, 1)],
  ["gemm: 3×3 'same' stride 2 on 3×3", [2, 3, 3, 64], 3, 128, 2, "same"],
];

function run(x: Float32Array, w: Float32Array, bias: Float32Array, c: Case, fused: boolean): Float32Array {
  return tf.tidy(() => {
    const [, xs, k, cout, stride, pad] = c;
    const xt = tf.tensor4d(x, xs);
    const wt = tf.tensor4d(w, [k, k, xs[3], cout]);
    const y = fused
      ? tf.fused.conv2d({ x: xt, filter: wt, strides: stride, pad, bias: tf.tensor1d(bias), activation: "relu" })
      : tf.conv2d(xt, wt, stride, pad);
    return y.dataSync() as Float32Array;
  });
}

describe("wasm forward convolutions (tap window, transposed-filter matmul)", () => {
  beforeAll(async () => {
    await initBackend("wasm");
    const registered = tf.getKernel("FusedConv2D", "wasm")?.kernelFunc as { wrapped?: boolean };
    expect(registered.wrapped).toBe(true);
  });

  it("keeps only the centre tap of a padded 3×3 on a 1×1 map, and every tap where the map is larger", () => {
    const info = (h: number, k: number, s: number, pad: number) =>
      tf.backend_util.computeConv2DInfo([1, h, h, 1], [k, k, 1, 1], s, 1, p(pad, pad, pad, pad));
    expect(tapWindow(info(1, 3, 1, 1))).toEqual({ h: [1, 1], w: [1, 1], cropped: true });
    expect(tapWindow(info(2, 3, 2, 1))).toEqual({ h: [1, 2], w: [1, 2], cropped: true });
    expect(tapWindow(info(2, 3, 1, 1))).toEqual({ h: [0, 2], w: [0, 2], cropped: false });
    expect(tapWindow(info(8, 7, 2, 3))).toEqual({ h: [0, 6], w: [0, 6], cropped: false });
  });

  it("takes the matmul where the filter outweighs the activations, and only there", () => {
    for (const [label, xs, k, cout, stride, pad] of cases) {
      const info = tf.backend_util.computeConv2DInfo(xs, [k, k, xs[3], cout], stride, 1, pad);
      if (label.startsWith("gemm")) expect(useGemm(info, tapWindow(info)), label).toBe(true);
      if (label.startsWith("no crop")) expect(useGemm(info, tapWindow(info)), label).toBe(false);
    }
    // ResNet-152 at 32 px: layer4 (1×1 map, 2048 channels) is all matmul, layer1 (8×8, 64) convolves
    const at = (h: number, ci: number, co: number, k: number) => {
      const info = tf.backend_util.computeConv2DInfo([32, h, h, ci], [k, k, ci, co], 1, 1, "same");
      return useGemm(info, tapWindow(info));
    };
    expect(at(1, 2048, 512, 1)).toBe(true);
    expect(at(8, 64, 64, 3)).toBe(false);
  });

  for (const fused of [false, true]) {
    it.each(cases)(
      `${fused ? "fused conv2d + bias + relu" : "conv2d"} agrees with the cpu backend: %s`,
      async (...c) => {
        const [, xs, k, cout] = c;
        const x = randomFloats(
          xs.reduce((a, b) => a * b, 1),
          1,
        );
        const w = randomFloats(k * k * xs[3] * cout, 2);
        const bias = randomFloats(cout, 3);
        const info = tf.backend_util.computeConv2DInfo(xs, [k, k, xs[3], cout], c[4], 1, c[5]);
        await expectWasmMatchesCpu(() => run(x, w, bias, c, fused), {
          length: info.outShape.reduce((a, b) => a * b, 1),
          minRef: 0.5,
        });
      },
    );
  }
});
