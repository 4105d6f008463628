// @tensorflow/tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so every conv-filter gradient
// fails on wasm ("Kernel 'Conv2DBackpropFilter' not registered"). This kernel is composed of kernels
// the wasm backend does have (PadV2, StridedSlice, Concat, Reshape, Transpose, BatchMatMul):
//   dW[kh,kw,ci,co] = Σ_{b,i,j} xpad[b, i·sh+kh, j·sw+kw, ci] · dy[b,i,j,co]
// as one matmul of the transposed im2col matrix (im2colT) with dy, over the taps that ever read real
// input (tapWindow); the others are zero.
import * as tf from "@tensorflow/tfjs";
import {
  type ConvGradAttrs,
  im2colT,
  padAttrs,
  type TensorInfo,
  tapWindow,
  type WasmBackend,
  wasmKernel,
} from "./wasm-kernel-util";

interface Attrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const k = wasmKernel;
  if (attrs.dataFormat && attrs.dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${attrs.dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const Ci = x.shape[3]!;
  const { outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  // taps that only ever see padding get a zero gradient: compute the others (tapWindow)
  const win = tapWindow(info);
  const KH = win.h[1] - win.h[0] + 1;
  const KW = win.w[1] - win.w[0] + 1;
  const N = info.batchSize * OH * OW;
  const colsT = im2colT(backend, x, info, win);
  const a = k("Reshape")({ inputs: { x: colsT }, backend, attrs: { shape: [1, KH * KW * Ci, N] } });
  free(colsT);
  const b = k("Reshape")({ inputs: { x: dy }, backend, attrs: { shape: [1, N, Co] } });
  const m = k("BatchMatMul")({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  free(a);
  free(b);
  const out = k("Reshape")({ inputs: { x: m }, backend, attrs: { shape: [KH, KW, Ci, Co] } });
  free(m);
  if (!win.cropped) return out;
  const paddings = [
    [win.h[0], info.filterHeight - 1 - win.h[1]],
    [win.w[0], info.filterWidth - 1 - win.w[1]],
    [0, 0],
    [0, 0],
  ];
  const full = k("PadV2")({ inputs: { x: out }, backend, attrs: padAttrs(paddings) });
  free(out);
  return full;
}

/** Registers the kernel once; a no-op when the wasm backend (or a later tfjs) already has one. */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return false;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
  });
  return true;
}
