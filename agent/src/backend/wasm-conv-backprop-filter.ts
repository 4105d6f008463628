// @tensorflow/tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so every conv-filter gradient
// fails on wasm ("Kernel 'Conv2DBackpropFilter' not registered"). This kernel is composed of kernels
// the wasm backend does have (PadV2, StridedSlice, Concat, Reshape, Transpose, BatchMatMul):
//   dW[kh,kw,ci,co] = Σ_{b,i,j} xpad[b, i·sh+kh, j·sw+kw, ci] · dy[b,i,j,co]
// as im2col (KH·KW strided slices concatenated on channels) followed by one matmul.
import * as tf from "@tensorflow/tfjs";

type TensorInfo = tf.TensorInfo;
interface Backend {
  disposeData(dataId: object): boolean | undefined;
}
type Kernel = (args: {
  inputs: Record<string, TensorInfo> | TensorInfo[];
  backend: unknown;
  attrs: object;
}) => TensorInfo;

function wasmKernel(name: string): Kernel {
  const cfg = tf.getKernel(name, "wasm");
  if (!cfg) throw new Error(`The wasm backend lacks the ${name} kernel this gradient is built from`);
  return cfg.kernelFunc as unknown as Kernel;
}

interface Attrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: Backend;
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
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, outHeight: OH, outWidth: OW } = info;
  const { outChannels: Co, padInfo } = info;
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
    xp = k("PadV2")({ inputs: { x }, backend, attrs: { paddings, constantValue: 0 } });
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
  return out;
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
