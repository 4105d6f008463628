// Per-image work of a batch, on typed arrays: augmentation, ImageNet normalisation and bilinear
// upsampling. Plain TypeScript rather than tf ops: bench/data-pipeline.ts measures both, and this
// keeps the data path off the backend the training step runs on (and free of tensors to leak).
import { imageChannels, imageSide } from "./cifar-layout";

/** torchvision's ImageNet statistics, applied after scaling pixels to [0, 1]. */
export const imagenetMean = [0.485, 0.456, 0.406] as const;
export const imagenetStd = [0.229, 0.224, 0.225] as const;
/** The random crop's zero padding on each side, in pixels (torchvision RandomCrop(32, padding=4)). */
export const cropPadding = 4;

/** `lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]`: normalisation as one lookup per byte. */
export function createNormalizeLut(): Float32Array {
  const lut = new Float32Array(imageChannels * 256);
  for (let c = 0; c < imageChannels; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - imagenetMean[c]!) / imagenetStd[c]!;
  }
  return lut;
}

/** Source taps and weights along one axis for every output coordinate. */
export interface ResizeAxis {
  lo: Int32Array;
  hi: Int32Array;
  /** Weight of `hi`; `lo` gets `1 - w`. */
  w: Float32Array;
}

/**
 * Bilinear sampling with half-pixel centres, exactly PyTorch's
 * `F.interpolate(x, size, mode="bilinear", align_corners=False)` (and TF's `half_pixel_centers`):
 * `src = max(0, (dst + 0.5) · in/out − 0.5)`, `lo = floor(src)`, `hi = min(lo + 1, in − 1)`.
 * No antialiasing, as in F.interpolate's default.
 */
export function createResizeAxis(inSize: number, outSize: number): ResizeAxis {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, (d + 0.5) * scale - 0.5);
    const l = Math.min(Math.floor(src), inSize - 1);
    lo[d] = l;
    hi[d] = Math.min(l + 1, inSize - 1);
    w[d] = src - l;
  }
  return { lo, hi, w };
}

/** One image's augmentation: crop offset into the 40×40 zero-padded image, then an optional mirror. */
export interface Augmentation {
  /** 0 … 2·padding; `padding` means no shift. */
  cropX: number;
  cropY: number;
  flip: boolean;
}

export const noAugmentation: Augmentation = { cropX: cropPadding, cropY: cropPadding, flip: false };

/** Reusable buffers and tables for one output size. */
export interface ImageTransform {
  outSize: number;
  lut: Float32Array;
  axis: ResizeAxis | null;
  /** 32×32×3 normalised source after augmentation. */
  src: Float32Array;
  /** 32 rows × outSize × 3 after the horizontal pass. */
  rows: Float32Array;
}

export function createImageTransform(outSize: number): ImageTransform {
  return {
    outSize,
    lut: createNormalizeLut(),
    axis: outSize === imageSide ? null : createResizeAxis(imageSide, outSize),
    src: new Float32Array(imageSide * imageSide * imageChannels),
    rows: new Float32Array(imageSide * outSize * imageChannels),
  };
}

/**
 * Writes one normalised `outSize × outSize × 3` image (HWC) into `out` at `outOffset`, from the
 * uint8 HWC image at `images[inOffset]`. Padding pixels are black before normalisation, as
 * torchvision pads the uint8 image. Normalising before resizing equals resizing first: bilinear
 * weights sum to one and the normalisation is affine per channel.
 */
export function transformImage(
  t: ImageTransform,
  images: Uint8Array,
  inOffset: number,
  aug: Augmentation,
  out: Float32Array,
  outOffset: number,
): void {
  const S = imageSide;
  const lut = t.lut;
  const direct = t.axis === null;
  const dst = direct ? out : t.src;
  const base = direct ? outOffset : 0;
  const shiftX = aug.cropX - cropPadding;
  const shiftY = aug.cropY - cropPadding;
  for (let y = 0; y < S; y++) {
    const sy = y + shiftY;
    for (let x = 0; x < S; x++) {
      const sx = (aug.flip ? S - 1 - x : x) + shiftX;
      const o = base + (y * S + x) * 3;
      if (sy < 0 || sy >= S || sx < 0 || sx >= S) {
        dst[o] = lut[0]!;
        dst[o + 1] = lut[256]!;
        dst[o + 2] = lut[512]!;
      } else {
        const i = inOffset + (sy * S + sx) * 3;
        dst[o] = lut[images[i]!]!;
        dst[o + 1] = lut[256 + images[i + 1]!]!;
        dst[o + 2] = lut[512 + images[i + 2]!]!;
      }
    }
  }
  if (t.axis) resizeInto(t.src, S, t.axis, t.rows, t.outSize, out, outOffset);
}

/** Separable bilinear resize of a square HWC float image: rows first, then columns. */
function resizeInto(
  src: Float32Array,
  inSize: number,
  axis: ResizeAxis,
  rows: Float32Array,
  outSize: number,
  out: Float32Array,
  outOffset: number,
): void {
  const { lo, hi, w } = axis;
  for (let y = 0; y < inSize; y++) {
    const srcRow = y * inSize * 3;
    const rowOut = y * outSize * 3;
    for (let X = 0; X < outSize; X++) {
      const a = srcRow + lo[X]! * 3;
      const b = srcRow + hi[X]! * 3;
      const wb = w[X]!;
      const wa = 1 - wb;
      const o = rowOut + X * 3;
      rows[o] = wa * src[a]! + wb * src[b]!;
      rows[o + 1] = wa * src[a + 1]! + wb * src[b + 1]!;
      rows[o + 2] = wa * src[a + 2]! + wb * src[b + 2]!;
    }
  }
  const rowLen = outSize * 3;
  for (let Y = 0; Y < outSize; Y++) {
    const a = lo[Y]! * rowLen;
    const b = hi[Y]! * rowLen;
    const wb = w[Y]!;
    const wa = 1 - wb;
    const o = outOffset + Y * rowLen;
    for (let k = 0; k < rowLen; k++) out[o + k] = wa * rows[a + k]! + wb * rows[b + k]!;
  }
}
