// The synthetic twin of CIFAR: seeded images whose class decides a shape, a colour and a position
// (plus per-image jitter, a random background and pixel noise), so a small model can learn it and a
// run on it exercises exactly the code paths a run on the real archives does.
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRng, deriveSeed, type Rng, randomNormal, shuffleInPlace } from "../util/rng";
import {
  type CifarFamily,
  type CifarSplit,
  cifar100CoarseClasses,
  imageSide,
  layoutOf,
  pixelBytes,
  syntheticManifestFile,
} from "./cifar-layout";
import { writeCifarFolder } from "./cifar-write";

const shapeNames = ["disc", "square", "triangle", "cross", "ring", "diamond", "hbars", "vbars", "saltire", "half_disc"];
const colourNames = ["red", "green", "blue", "yellow", "magenta", "cyan", "orange", "white", "purple", "brown"];
const palette: [number, number, number][] = [
  [220, 40, 40],
  [40, 200, 60],
  [50, 80, 230],
  [230, 220, 40],
  [210, 50, 210],
  [40, 210, 220],
  [240, 140, 30],
  [235, 235, 235],
  [120, 50, 180],
  [140, 90, 40],
];

/** Whether (dx, dy), in units of the shape's radius, lies inside shape `s`. */
function insideShape(s: number, dx: number, dy: number): boolean {
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  const inBox = ax <= 1 && ay <= 1;
  switch (s) {
    case 0:
      return dx * dx + dy * dy <= 1;
    case 1:
      return ax <= 0.8 && ay <= 0.8;
    case 2:
      return dy >= -0.9 && dy <= 0.9 && ax <= (dy + 0.9) * 0.55;
    case 3:
      return inBox && (ax <= 0.3 || ay <= 0.3);
    case 4: {
      const r2 = dx * dx + dy * dy;
      return r2 <= 1 && r2 >= 0.35;
    }
    case 5:
      return ax + ay <= 1;
    case 6:
      return inBox && Math.floor((dy + 1) * 2.5) % 2 === 0;
    case 7:
      return inBox && Math.floor((dx + 1) * 2.5) % 2 === 0;
    case 8:
      return inBox && Math.abs(ax - ay) <= 0.3;
    default:
      return dx * dx + dy * dy <= 1 && dy >= 0;
  }
}

interface ClassLook {
  shape: number;
  colour: number;
  /** Where the class tends to sit, relative to the image centre, in pixels. */
  offsetX: number;
  offsetY: number;
}

function classLook(family: CifarFamily, c: number): ClassLook {
  const shape = c % 10;
  const colour = family === "cifar10" ? c : Math.floor(c / 10);
  const angle = (family === "cifar10" ? c * 36 : (c * 37) % 360) * (Math.PI / 180);
  return { shape, colour, offsetX: 4 * Math.cos(angle), offsetY: 4 * Math.sin(angle) };
}

export function syntheticClassNames(family: CifarFamily): { fine: string[]; coarse?: string[] } {
  const n = layoutOf(family).numClasses;
  const fine = Array.from({ length: n }, (_, c) => {
    const look = classLook(family, c);
    return `${colourNames[look.colour]}_${shapeNames[look.shape]}`;
  });
  if (family === "cifar10") return { fine };
  // Five fine classes per superclass, as in CIFAR-100: one colour, shapes 0–4 or 5–9.
  const coarse = Array.from(
    { length: cifar100CoarseClasses },
    (_, k) => `${colourNames[Math.floor(k / 2)]}_${k % 2 === 0 ? "solid" : "outline"}_shapes`,
  );
  return { fine, coarse };
}

const noiseTableSize = 1 << 16;

/**
 * Gaussian pixel noise drawn from a seeded table at a random start and odd stride per image:
 * a normal sample per pixel (184 M for the full-size twin) made generation ~10× slower.
 */
function createNoiseTable(rng: Rng): Float32Array {
  const table = new Float32Array(noiseTableSize);
  for (let i = 0; i < noiseTableSize; i++) table[i] = randomNormal(rng) * 12;
  return table;
}

function drawImage(out: Uint8Array, offset: number, look: ClassLook, rng: Rng, noise: Float32Array): void {
  const base = palette[look.colour]!;
  const bgR = rng() * 110;
  const bgG = rng() * 110;
  const bgB = rng() * 110;
  const gx = (rng() - 0.5) * 2;
  const gy = (rng() - 0.5) * 2;
  const fgR = base[0] + (rng() - 0.5) * 50;
  const fgG = base[1] + (rng() - 0.5) * 50;
  const fgB = base[2] + (rng() - 0.5) * 50;
  const cx = 15.5 + look.offsetX + (rng() - 0.5) * 5;
  const cy = 15.5 + look.offsetY + (rng() - 0.5) * 5;
  const inv = 1 / (7 + rng() * 3);
  const mask = noiseTableSize - 1;
  let k = Math.floor(rng() * noiseTableSize);
  const stride = 2 * Math.floor(rng() * 1000) + 1;
  let o = offset;
  for (let y = 0; y < imageSide; y++) {
    const dy = (y - cy) * inv;
    for (let x = 0; x < imageSide; x++) {
      let r: number;
      let g: number;
      let b: number;
      if (insideShape(look.shape, (x - cx) * inv, dy)) {
        r = fgR;
        g = fgG;
        b = fgB;
      } else {
        const shade = gx * (x - 16) + gy * (y - 16);
        r = bgR + shade;
        g = bgG + shade;
        b = bgB + shade;
      }
      // Uint8ClampedArray-style clamping by hand: out is a plain Uint8Array (it wraps, not clamps).
      k = (k + stride) & mask;
      r += noise[k]!;
      k = (k + stride) & mask;
      g += noise[k]!;
      k = (k + stride) & mask;
      b += noise[k]!;
      out[o] = r <= 0 ? 0 : r >= 255 ? 255 : r + 0.5;
      out[o + 1] = g <= 0 ? 0 : g >= 255 ? 255 : g + 0.5;
      out[o + 2] = b <= 0 ? 0 : b >= 255 ? 255 : b + 0.5;
      o += 3;
    }
  }
}

/** `count` images with balanced, shuffled labels; CIFAR-100 gets coarse labels too. */
export function generateSyntheticSplit(family: CifarFamily, count: number, seed: number): CifarSplit {
  const n = layoutOf(family).numClasses;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % n;
  shuffleInPlace(labels, createRng(deriveSeed(seed, "labels")));
  const images = new Uint8Array(count * pixelBytes);
  const rng = createRng(deriveSeed(seed, "pixels"));
  const noise = createNoiseTable(createRng(deriveSeed(seed, "noise")));
  const looks = Array.from({ length: n }, (_, c) => classLook(family, c));
  for (let i = 0; i < count; i++) drawImage(images, i * pixelBytes, looks[labels[i]!]!, rng, noise);
  if (family === "cifar10") return { count, images, labels };
  const coarseLabels = labels.map((l) => Math.floor(l / 5));
  return { count, images, labels, coarseLabels };
}

export interface SyntheticSpec {
  family: CifarFamily;
  train: number;
  test: number;
  seed: number;
}

export interface SyntheticManifest extends SyntheticSpec {
  generator: string;
  records: Record<string, number>;
}

const generatorVersion = "ai623-synthetic-cifar/1";

/**
 * Writes `<outDir>/<official folder name>/` (e.g. `cifar-10-batches-bin`) with the same files as the
 * official archive plus a manifest of record counts. Written under a temporary name and renamed, so
 * an interrupted run never leaves a folder that looks complete. Returns the folder.
 */
export async function writeSyntheticDataset(outDir: string, spec: SyntheticSpec): Promise<string> {
  const layout = layoutOf(spec.family);
  const names = syntheticClassNames(spec.family);
  const final = join(outDir, layout.dirName);
  const tmp = `${final}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const records = await writeCifarFolder(tmp, layout, {
    train: generateSyntheticSplit(spec.family, spec.train, deriveSeed(spec.seed, "train")),
    test: generateSyntheticSplit(spec.family, spec.test, deriveSeed(spec.seed, "test")),
    classNames: names.fine,
    ...(names.coarse ? { coarseClassNames: names.coarse } : {}),
  });
  const manifest: SyntheticManifest = { generator: generatorVersion, ...spec, records };
  await writeFile(join(tmp, syntheticManifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  return final;
}
