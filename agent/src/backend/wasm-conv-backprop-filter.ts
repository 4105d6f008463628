// @tensorflow/tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so every conv-filter gradient
// fails on wasm ("Kernel 'Conv2DBackpropFilter' not registered"). This kernel is composed of kernels
// the wasm backend does have (PadV2, StridedSlice, Concat, Reshape, Transpose, BatchMatMul):
//   dW[kh,kw,ci,co] = Σ_{b,i,j} xpad[b, i·sh+kh, j·sw+kw, ci] · dy[b,i,j,co]
// as im2col (KH·KW strided slices concatenated on channels) followed by one matmul, over the taps that
// ever read real input (tapWindow); the others are zero.
import * as tf from "@tensorflow/tfjs";
import {
  type ConvGradAttrs,
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
  const [B, H, W, Ci] = x.shape as [number, number, number, number];
  const { strideHeight: sh, strideWidth: sw, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  // taps that only ever see padding get a zero gradient: compute the others (tapWindow)
  const win = tapWindow(info);
  const KH = win.h[1] - win.h[0] + 1;
  const KW = win.w[1] - win.w[0] + 1;
  const padInfo = { top: info.padInfo.top - win.h[0], left: info.padInfo.left - win.w[0] };
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const toFree: TensorInfo[] = [];
  const needH = (OH - 1) * sh + KH;
  const needW = (OW - 1) * sw + KW;
  const padB = Math.max(0, needH - H - padInfo.top);
  const padR = Math.max(0, needW - W - padInfo.left);
  let xp = x;
  if (padInfo.top || padInfo.left || padB || padR) {
    const paddings = [
      [0, 0],
      [padInfo.top, padB],
      [padInfo.left, padR],
      [0, 0],
    ];
    xp = k("PadV2")({ inputs: { x }, backend, attrs: padAttrs(paddings) });
    toFree.push(xp);
  }
  let cols: TensorInfo;
  if (KH === 1 && KW === 1 && sh === 1 && sw === 1 && xp.shape[1] === OH && xp.shape[2] === OW) {
    cols = xp; // 1×1 stride 1: the input already is the im2col matrix
  } else {
    const slices: TensorInfo[] = [];
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const sliceAttrs = {
          begin: [0, kh, kw, 0],
          end: [B, kh + (OH - 1) * sh + 1, kw + (OW - 1) * sw + 1, Ci],
          strides: [1, sh, sw, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        };
        slices.push(k("StridedSlice")({ inputs: { x: xp }, backend, attrs: sliceAttrs }));
      }
    }
    if (slices.length === 1) cols = slices[0]!;
    else {
      cols = k("Concat")({ inputs: slices, backend, attrs: { axis: 3 } });
      for (const s of slices) free(s);
    }
    toFree.push(cols);
  }
  const N = B * OH * OW;
  const a2 = k("Reshape")({ inputs: { x: cols }, backend, attrs: { shape: [N, KH * KW * Ci] } });
  // wasm BatchMatMul with transposeA is a slow path (4–7× slower): transpose explicitly instead.
  const at = k("Transpose")({ inputs: { x: a2 }, backend, attrs: { perm: [1, 0] } });
  free(a2);
  const a = k("Reshape")({ inputs: { x: at }, backend, attrs: { shape: [1, KH * KW * Ci, N] } });
  free(at);
  const b = k("Reshape")({ inputs: { x: dy }, backend, attrs: { shape: [1, N, Co] } });
  const m = k("BatchMatMul")({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  free(a);
  free(b);
  for (const t of toFree) free(t);
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
