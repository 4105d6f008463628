// tfjs-backend-wasm 4.22's `Conv2DBackpropInput` is a plain scalar loop: it was 53 % of a ResNet-152
// full training step on one thread (5.8 of 10.9 s at 32 px), five times its forward convolutions.
// This kernel computes dx with the backend's XNNPACK kernels instead (SIMD, threaded when wasm
// threads are on), one of two ways, whichever moves less memory (planInputGrad):
// - gemm, where the filter outweighs the activations (deep layers, small maps): dx by tap is
//   W · dyᵀ, one matmul whose left operand is the filter as it lies ([KH·KW·Ci, Co] is HWIO's memory),
//   so nothing filter-sized is transposed or packed; each tap's block is then shifted (and, for a
//   stride, spread) to where it lands and the taps summed.
// - phases, elsewhere: for stride s, the dx rows p ≡ r (mod s) only receive taps kh ≡ r + pt
//   (mod s), so each of the s×s phases is a stride-1 convolution of dy with that phase's taps,
//   spatially flipped and with in/out channels swapped:
//     dx_r[u] = Σ_m dy[u + q − m] · W[c + s·m]ᵀ,   c = (r + pt) mod s,  q = ⌊(r + pt) / s⌋
//   and dx interleaves the phases (one pad each into its slot of a [B, U, s, U, s, Ci] view,
//   summed). Stride 1 is the single phase r = 0: one convolution.
// Either way every product computed is one the gradient needs (a zero-inserted dy would do s² times
// the work), over the taps that ever read real input (tapWindow). NCHW (never used by the agent)
// stays on tfjs's kernel.
import * as tf from "@tensorflow/tfjs";
import {
  type ConvGradAttrs,
  gatherTaps,
  type Kernel,
  padAttrs,
  range,
  type TensorInfo,
  tapWindow,
  type WasmBackend,
  wasmKernel,
  wrapWasmKernel,
} from "./wasm-kernel-util";

interface Attrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

interface Args {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Attrs;
}

/** One phase along one axis: which dx rows, which taps, and the stride-1 padding of dy. */
interface Phase {
  r: number;
  /** dx rows in this phase: r, r + s, … below the axis size */
  rows: number;
  /** first tap and tap count (taps first, first + s, …) */
  first: number;
  taps: number;
  /** padding of dy before / after for the stride-1 correlation (negative: cut) */
  before: number;
  after: number;
}

function phases(size: number, out: number, k: number, s: number, pad: number): Phase[] {
  const list: Phase[] = [];
  for (let r = 0; r < s && r < size; r++) {
    const rows = Math.ceil((size - r) / s);
    const first = (r + pad) % s;
    const q = Math.floor((r + pad) / s);
    const taps = first < k ? Math.ceil((k - first) / s) : 0;
    // dx_r[u] = Σ_m′ dy[u + q − (taps − 1) + m′] · F[m′]: rows u ∈ [0, rows) read dy[q − taps + 1, rows + q)
    list.push({ r, rows, first, taps, before: taps - 1 - q, after: rows + q - out });
  }
  return list;
}

/** A convolution's shapes, with the filter already cut to the taps that read real input. */
interface Geometry {
  B: number;
  H: number;
  W: number;
  Ci: number;
  Co: number;
  OH: number;
  OW: number;
  sh: number;
  sw: number;
  /** the tap window: its size, where it starts in the filter, and the padding it leaves */
  KH: number;
  KW: number;
  h0: number;
  w0: number;
  pt: number;
  pl: number;
}

function conv2DBackpropInputWasm(original: Kernel, args: Args): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  if (attrs.dataFormat && attrs.dataFormat !== "NHWC") return original(args);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  if (info.padInfo.top > info.filterHeight - 1 || info.padInfo.left > info.filterWidth - 1) {
    return original(args); // padding wider than the filter: not a ResNet conv
  }
  const { g, path, cropped } = planInputGrad(info);
  return path === "gemm" ? viaGemm(backend, dy, filter, cropped, g) : viaPhases(backend, dy, filter, g);
}

/**
 * The geometry of dx's computation and the way to compute it. Which costs less: moving the filter
 * (every new filter is transposed and packed for XNNPACK, ~3 passes over it: the phases) or moving
 * activations (dy, the per-tap products and their sums: the gemm). Deep layers at small images have
 * big filters and small maps, early layers the other way round.
 */
export function planInputGrad(info: tf.backend_util.Conv2DInfo): {
  g: Geometry;
  path: "gemm" | "phases";
  cropped: boolean;
} {
  // taps that only ever see padding add nothing to dx: drop them first (tapWindow)
  const win = tapWindow(info);
  const g: Geometry = {
    B: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    Ci: info.inChannels,
    Co: info.outChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    KH: win.h[1] - win.h[0] + 1,
    KW: win.w[1] - win.w[0] + 1,
    h0: win.h[0],
    w0: win.w[0],
    pt: info.padInfo.top - win.h[0],
    pl: info.padInfo.left - win.w[0],
  };
  const taps = g.KH * g.KW;
  const N = g.B * g.OH * g.OW;
  const activationCost = N * (g.Co + 3 * taps * g.Ci);
  const filterCost = 3 * taps * g.Ci * g.Co;
  return { g, path: activationCost < filterCost ? "gemm" : "phases", cropped: win.cropped };
}

/**
 * dxᵀ-by-tap = W · dyᵀ as one matmul in which the filter is the left operand, read as it lies
 * ([KH·KW·Ci, Co] is HWIO's memory), so nothing filter-sized is transposed or packed; then each tap's
 * [B, OH, OW, Ci] block is shifted (and, for a stride, spread) to where it lands and the taps summed.
 */
function viaGemm(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, cropped: boolean, g: Geometry): TensorInfo {
  const k = wasmKernel;
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const { B, H, W, Ci, Co, OH, OW, sh, sw, KH, KW, pt, pl } = g;
  const T = KH * KW;
  const N = B * OH * OW;
  const f = cropped ? gatherTaps(backend, filter, range(g.h0, g.h0 + KH - 1), range(g.w0, g.w0 + KW - 1)) : filter;
  const a = k("Reshape")({ inputs: { x: f }, backend, attrs: { shape: [1, T * Ci, Co] } });
  if (f !== filter) free(f);
  const dy2 = k("Reshape")({ inputs: { x: dy }, backend, attrs: { shape: [N, Co] } });
  const dyT = k("Transpose")({ inputs: { x: dy2 }, backend, attrs: { perm: [1, 0] } });
  free(dy2);
  const b = k("Reshape")({ inputs: { x: dyT }, backend, attrs: { shape: [1, Co, N] } });
  free(dyT);
  const m = k("BatchMatMul")({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  free(a);
  free(b);
  // [T, Ci, N] → [T, N, Ci]: tap t's block is dx's contribution [B, OH, OW, Ci], contiguous
  const m3 = k("Reshape")({ inputs: { x: m }, backend, attrs: { shape: [T, Ci, N] } });
  free(m);
  const byTap = k("Transpose")({ inputs: { x: m3 }, backend, attrs: { perm: [0, 2, 1] } });
  free(m3);
  if (T === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && OH === H && OW === W) {
    const out = k("Reshape")({ inputs: { x: byTap }, backend, attrs: { shape: [B, H, W, Ci] } });
    free(byTap);
    return out;
  }
  // spread by the stride: tap products at rows i·sh (zeros between), [T·B, OH·sh, OW·sw, Ci]
  let spread: TensorInfo;
  if (sh === 1 && sw === 1) {
    spread = k("Reshape")({ inputs: { x: byTap }, backend, attrs: { shape: [T * B, OH, OW, Ci] } });
    free(byTap);
  } else {
    const t6 = k("Reshape")({ inputs: { x: byTap }, backend, attrs: { shape: [T * B, OH, 1, OW, 1, Ci] } });
    free(byTap);
    const dilation = [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ];
    const p6 = k("PadV2")({ inputs: { x: t6 }, backend, attrs: padAttrs(dilation) });
    free(t6);
    spread = k("Reshape")({ inputs: { x: p6 }, backend, attrs: { shape: [T * B, OH * sh, OW * sw, Ci] } });
    free(p6);
  }
  const rows = OH * sh;
  const cols = OW * sw;
  // the padded input grid every tap lands in: row i·sh + kh of the padded input
  const Hp = Math.max(H + pt, rows + KH - 1);
  const Wp = Math.max(W + pl, cols + KW - 1);
  const parts: TensorInfo[] = [];
  try {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const t = kh * KW + kw;
        const block =
          T === 1
            ? spread
            : k("Slice")({
                inputs: { x: spread },
                backend,
                attrs: { begin: [t * B, 0, 0, 0], size: [B, rows, cols, Ci] },
              });
        const shift = [
          [0, 0],
          [kh, Hp - kh - rows],
          [kw, Wp - kw - cols],
          [0, 0],
        ];
        parts.push(k("PadV2")({ inputs: { x: block }, backend, attrs: padAttrs(shift) }));
        if (block !== spread) free(block);
      }
    }
    const sum = parts.length === 1 ? parts[0]! : k("AddN")({ inputs: parts, backend, attrs: {} });
    const out = k("Slice")({ inputs: { x: sum }, backend, attrs: { begin: [0, pt, pl, 0], size: [B, H, W, Ci] } });
    if (sum !== parts[0]) free(sum);
    return out;
  } finally {
    free(spread);
    for (const p of parts) free(p);
  }
}

/** The phase decomposition (see the top of this file): one stride-1 XNNPACK convolution per phase. */
function viaPhases(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, g: Geometry): TensorInfo {
  const k = wasmKernel;
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);
  const { B, H, W, Ci, OH, OW, sh, sw, KH, KW, h0, w0 } = g;
  const rowPhases = phases(H, OH, KH, sh, g.pt);
  const colPhases = phases(W, OW, KW, sw, g.pl);
  const Uh = rowPhases[0]!.rows;
  const Uw = colPhases[0]!.rows;
  const single = sh === 1 && sw === 1;

  const parts: TensorInfo[] = [];
  try {
    for (const ph of rowPhases) {
      for (const pw of colPhases) {
        if (ph.taps === 0 || pw.taps === 0) continue; // rows no tap reaches: zeros
        // this phase's taps, spatially flipped, in/out channels swapped: [th, tw, Co, Ci]
        // (phase taps count from the window's first tap)
        const rows = range(h0 + ph.first + (ph.taps - 1) * sh, h0 + ph.first, -sh);
        const cols = range(w0 + pw.first + (pw.taps - 1) * sw, w0 + pw.first, -sw);
        const sub = gatherTaps(backend, filter, rows, cols);
        const wT = k("Transpose")({ inputs: { x: sub }, backend, attrs: { perm: [0, 1, 3, 2] } });
        free(sub);
        // negative padding: the rows of dy this phase never reads
        let src = dy;
        if (ph.before < 0 || ph.after < 0 || pw.before < 0 || pw.after < 0) {
          const top = Math.max(0, -ph.before);
          const left = Math.max(0, -pw.before);
          const size = [B, OH - top - Math.max(0, -ph.after), OW - left - Math.max(0, -pw.after), g.Co];
          src = k("Slice")({ inputs: { x: dy }, backend, attrs: { begin: [0, top, left, 0], size } });
        }
        const pad = [
          [0, 0],
          [Math.max(0, ph.before), Math.max(0, ph.after)],
          [Math.max(0, pw.before), Math.max(0, pw.after)],
          [0, 0],
        ];
        const part = k("Conv2D")({
          inputs: { x: src, filter: wT },
          backend,
          attrs: { strides: 1, pad, dataFormat: "NHWC", dilations: 1 },
        });
        free(wT);
        if (src !== dy) free(src);
        if (single) return part;
        // into its slot of [B, Uh, sh, Uw, sw, Ci]
        const p6 = k("Reshape")({ inputs: { x: part }, backend, attrs: { shape: [B, ph.rows, 1, pw.rows, 1, Ci] } });
        free(part);
        const slot = [
          [0, 0],
          [0, Uh - ph.rows],
          [ph.r, sh - 1 - ph.r],
          [0, Uw - pw.rows],
          [pw.r, sw - 1 - pw.r],
          [0, 0],
        ];
        parts.push(k("PadV2")({ inputs: { x: p6 }, backend, attrs: padAttrs(slot) }));
        free(p6);
      }
    }
    if (parts.length === 0) throw new Error("Conv2DBackpropInput: no filter tap reaches the input");
    let sum = parts[0]!;
    if (parts.length > 1) sum = k("AddN")({ inputs: parts, backend, attrs: {} });
    const full = k("Reshape")({ inputs: { x: sum }, backend, attrs: { shape: [B, Uh * sh, Uw * sw, Ci] } });
    if (sum !== parts[0]) free(sum);
    if (Uh * sh === H && Uw * sw === W) return full;
    const out = k("Slice")({ inputs: { x: full }, backend, attrs: { begin: [0, 0, 0, 0], size: [B, H, W, Ci] } });
    free(full);
    return out;
  } finally {
    for (const p of parts) free(p);
  }
}

/**
 * Replaces the wasm backend's Conv2DBackpropInput with the XNNPACK-based one above, keeping the
 * original for NCHW. Idempotent.
 */
export function registerWasmConv2DBackpropInput(): boolean {
  return wrapWasmKernel("Conv2DBackpropInput", (original) => (args: Args) => conv2DBackpropInputWasm(original, args));
}
