// Forward convolutions on wasm, for training. tfjs-backend-wasm transposes and packs every new filter
// for XNNPACK before it convolves, and in training every step brings new filters, so on the small
// maps of deep layers (layer3/layer4 at 32 px: 2×2 and 1×1) moving the filter costs more than the
// arithmetic. Two changes, same results:
// - taps that only ever read padding are cut first (tapWindow in wasm-kernel-util.ts): on a 1×1 map
//   a padded 3×3 convolution only uses its centre tap;
// - where the filter outweighs the activations, yᵀ = Wᵀ · im2colᵀ is one matmul with the transposed
//   filter as its left operand, which XNNPACK reads as it lies: one transpose, no packing.
// Other convolutions (and any with a bias or activation fused in) go to the backend's kernel.
import * as tf from "@tensorflow/tfjs";
import {
  cropFilter,
  croppedPadding,
  im2colT,
  type Kernel,
  type TapWindow,
  type TensorInfo,
  tapWindow,
  type WasmBackend,
  wasmKernel,
  wrapWasmKernel,
} from "./wasm-kernel-util";

interface Args {
  inputs: { x: TensorInfo; filter: TensorInfo } & Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dilations?: [number, number] | number;
    dataFormat?: string;
    dimRoundingMode?: "floor" | "round" | "ceil";
  } & Record<string, unknown>;
}

/**
 * Whether the filter outweighs the activations by 4× or more (filter: a transpose and a pack;
 * activations: im2col and two transposes). Measured on ResNet-152 at 32 px: layer4 (1×1 maps, ratio
 * 6–12) gains 12 % of its forward time; layer3 (2×2 maps, ratio 1.2–1.5) gains nothing, so stays.
 */
export function useGemm(info: tf.backend_util.Conv2DInfo, win: TapWindow): boolean {
  const taps = (win.h[1] - win.h[0] + 1) * (win.w[1] - win.w[0] + 1);
  const N = info.batchSize * info.outHeight * info.outWidth;
  const activations = N * (3 * taps * info.inChannels + 2 * info.outChannels);
  return 4 * activations < 2 * taps * info.inChannels * info.outChannels;
}

function viaGemm(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  win: TapWindow,
): TensorInfo {
  const k = wasmKernel;
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const { inChannels: Ci, outChannels: Co } = info;
  const rows = (win.h[1] - win.h[0] + 1) * (win.w[1] - win.w[0] + 1) * Ci;
  const N = info.batchSize * info.outHeight * info.outWidth;
  const f = win.cropped ? cropFilter(backend, filter, win) : filter;
  const w2 = k("Reshape")({ inputs: { x: f }, backend, attrs: { shape: [rows, Co] } });
  if (f !== filter) free(f);
  const wT = k("Transpose")({ inputs: { x: w2 }, backend, attrs: { perm: [1, 0] } });
  free(w2);
  const a = k("Reshape")({ inputs: { x: wT }, backend, attrs: { shape: [1, Co, rows] } });
  free(wT);
  const colsT = im2colT(backend, x, info, win);
  const b = k("Reshape")({ inputs: { x: colsT }, backend, attrs: { shape: [1, rows, N] } });
  free(colsT);
  const yT = k("BatchMatMul")({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  free(a);
  free(b);
  const y2 = k("Reshape")({ inputs: { x: yT }, backend, attrs: { shape: [Co, N] } });
  free(yT);
  const y = k("Transpose")({ inputs: { x: y2 }, backend, attrs: { perm: [1, 0] } });
  free(y2);
  const out = k("Reshape")({ inputs: { x: y }, backend, attrs: { shape: info.outShape } });
  free(y);
  return out;
}

function forwardConv(original: Kernel, args: Args): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dilations = attrs.dilations ?? 1;
  const undilated = dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1));
  if (!undilated || (attrs.dataFormat && attrs.dataFormat !== "NHWC")) return original(args);
  const info = tf.backend_util.computeConv2DInfo(
    inputs.x.shape as [number, number, number, number],
    inputs.filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const win = tapWindow(info);
  const plain = !inputs.bias && !inputs.preluActivationWeights && (!attrs.activation || attrs.activation === "linear");
  if (plain && useGemm(info, win)) return viaGemm(backend, inputs.x, inputs.filter, info, win);
  if (!win.cropped) return original(args);
  const filter = cropFilter(backend, inputs.filter, win);
  try {
    return original({
      inputs: { ...inputs, filter },
      backend,
      attrs: { ...attrs, pad: croppedPadding(info, win), dimRoundingMode: undefined },
    } as Args);
  } finally {
    backend.disposeData(filter.dataId);
  }
}

/** Wraps the wasm backend's Conv2D and FusedConv2D kernels. Idempotent. */
export function registerWasmConvForward(): void {
  for (const name of ["Conv2D", "FusedConv2D"]) {
    wrapWasmKernel(name, (original) => (args: Args) => forwardConv(original, args));
  }
}
