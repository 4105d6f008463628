// What the composed wasm conv kernels (wasm-conv-*.ts) share: calling another wasm kernel directly,
// inside a kernel, without going through the engine (no tape, no tensor bookkeeping); the tap window;
// filter taps by block copy; the transposed im2col matrix.
import * as tf from "@tensorflow/tfjs";

export type TensorInfo = tf.TensorInfo;

export interface WasmBackend {
  disposeData(dataId: object): boolean | undefined;
  /** a view of a tensor's bytes in the wasm heap; stale after any allocation that grows the heap */
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

export type Kernel = (args: {
  inputs: Record<string, TensorInfo> | TensorInfo[];
  backend: unknown;
  attrs: object;
}) => TensorInfo;

/**
 * Replaces the wasm backend's kernel `name` with `wrap(original)`, keeping its setup. Idempotent: a
 * kernel already wrapped (marked `wrapped`) is left alone. Returns whether it replaced anything.
 */
export function wrapWasmKernel(name: string, wrap: (original: Kernel) => (args: never) => TensorInfo): boolean {
  const current = tf.getKernel(name, "wasm");
  if (!current || (current.kernelFunc as { wrapped?: boolean }).wrapped) return false;
  const kernelFunc = Object.assign(wrap(current.kernelFunc as unknown as Kernel), { wrapped: true });
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    setupFunc: current.setupFunc,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
  return true;
}

/** Buffers the active backend holds (engine tensors and kernel scratch alike): for leak tests. */
export function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/** The wasm backend's own kernel `name`; throws when this tfjs lacks it. */
export function wasmKernel(name: string): Kernel {
  const cfg = tf.getKernel(name, "wasm");
  if (!cfg) throw new Error(`The wasm backend lacks the ${name} kernel the agent's conv kernels are built from`);
  return cfg.kernelFunc as unknown as Kernel;
}

/** Attributes of both conv-gradient kernels (tfjs-core's Conv2DBackpropFilterAttrs / InputAttrs). */
export interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** PadV2 attrs for a rank-n tensor, zero padding. */
export function padAttrs(paddings: number[][]): object {
  return { paddings, constantValue: 0 };
}

/** The filter taps a convolution's output ever reads from real (non-padding) input, per axis. */
export interface TapWindow {
  /** first and last tap along height and width, inclusive */
  h: [number, number];
  w: [number, number];
  /** whether this is smaller than the filter */
  cropped: boolean;
}

function taps(size: number, out: number, stride: number, padBefore: number, k: number): [number, number] {
  // tap t reads input row i·stride + t − padBefore for output rows i ∈ [0, out)
  return [Math.max(0, padBefore - (out - 1) * stride), Math.min(k - 1, size - 1 + padBefore)];
}

/**
 * A filter tap that only ever lands on padding contributes zeros to the output, nothing to the input
 * gradient and a zero filter gradient. On a 1×1 map (layer4 at 32 px) a padded 3×3 convolution only
 * uses its centre tap, so the three conv kernels crop the filter to this window first: 9× less
 * filter to transpose and pack, exactly the same result.
 */
export function tapWindow(info: tf.backend_util.Conv2DInfo): TapWindow {
  const h = taps(info.inHeight, info.outHeight, info.strideHeight, info.padInfo.top, info.filterHeight);
  const w = taps(info.inWidth, info.outWidth, info.strideWidth, info.padInfo.left, info.filterWidth);
  const cropped = h[0] > 0 || w[0] > 0 || h[1] < info.filterHeight - 1 || w[1] < info.filterWidth - 1;
  return { h, w, cropped };
}

/**
 * A new [rows.length, cols.length, Ci, Co] filter of the taps (rows[i], cols[j]) of `filter`
 * [KH, KW, Ci, Co], by block copies: each tap is a contiguous Ci·Co block. (wasm's StridedSlice and
 * Reverse move one element at a time: 100 ms for a 3×3×512×512 filter, against 1 ms here.)
 */
export function gatherTaps(backend: WasmBackend, filter: TensorInfo, rows: number[], cols: number[]): TensorInfo {
  const [, KW, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([rows.length, cols.length, ci, co], "float32");
  // views after the allocation: it may have grown (and so detached) the heap
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const block = ci * co;
  let at = 0;
  for (const r of rows) {
    for (const c of cols) {
      const from = (r * KW + c) * block;
      dst.set(src.subarray(from, from + block), at);
      at += block;
    }
  }
  return out;
}

export const range = (from: number, to: number, step = 1): number[] => {
  const out: number[] = [];
  for (let i = from; step > 0 ? i <= to : i >= to; i += step) out.push(i);
  return out;
};

/** `filter` [KH, KW, Ci, Co] cut to the window's taps (a new tensor). */
export function cropFilter(backend: WasmBackend, filter: TensorInfo, win: TapWindow): TensorInfo {
  return gatherTaps(backend, filter, range(win.h[0], win.h[1]), range(win.w[0], win.w[1]));
}

/** Explicit NHWC padding of the cropped convolution: the same output positions as the original. */
export function croppedPadding(info: tf.backend_util.Conv2DInfo, win: TapWindow): tf.backend_util.ExplicitPadding {
  const { top, bottom, left, right } = info.padInfo;
  return [
    [0, 0],
    [top - win.h[0], bottom - (info.filterHeight - 1 - win.h[1])],
    [left - win.w[0], right - (info.filterWidth - 1 - win.w[1])],
    [0, 0],
  ];
}

/**
 * The transposed im2col matrix of `x` [B, H, W, Ci] for a convolution over the window's taps:
 * [KH·KW·Ci, B·OH·OW], row (tap, ci), column (b, i, j) = xpad[b, i·sh + kh, j·sw + kw, ci]. Built as
 * KH·KW strided slices concatenated on channels, then one transpose (wasm's BatchMatMul with
 * transposeA is a slow path, 4–7× slower, so the matrix is transposed explicitly).
 */
export function im2colT(
  backend: WasmBackend,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  win: TapWindow,
): TensorInfo {
  const k = wasmKernel;
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const [B, H, W, Ci] = x.shape as [number, number, number, number];
  const { strideHeight: sh, strideWidth: sw, outHeight: OH, outWidth: OW } = info;
  const KH = win.h[1] - win.h[0] + 1;
  const KW = win.w[1] - win.w[0] + 1;
  const top = info.padInfo.top - win.h[0];
  const left = info.padInfo.left - win.w[0];
  const bottom = Math.max(0, (OH - 1) * sh + KH - H - top);
  const right = Math.max(0, (OW - 1) * sw + KW - W - left);
  let xp = x;
  if (top || left || bottom || right) {
    const paddings = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    xp = k("PadV2")({ inputs: { x }, backend, attrs: padAttrs(paddings) });
  }
  let cols = xp;
  if (!(KH === 1 && KW === 1 && sh === 1 && sw === 1 && xp.shape[1] === OH && xp.shape[2] === OW)) {
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
    cols = slices.length === 1 ? slices[0]! : k("Concat")({ inputs: slices, backend, attrs: { axis: 3 } });
    if (slices.length > 1) for (const sl of slices) free(sl);
    if (xp !== x) free(xp);
  }
  const c2 = k("Reshape")({ inputs: { x: cols }, backend, attrs: { shape: [B * OH * OW, KH * KW * Ci] } });
  if (cols !== x) free(cols);
  const out = k("Transpose")({ inputs: { x: c2 }, backend, attrs: { perm: [1, 0] } });
  free(c2);
  return out;
}
