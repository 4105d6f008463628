import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pixelBytes } from "./cifar-layout";
import {
  createImageTransform,
  createNormalizeLut,
  createResizeAxis,
  imagenetMean,
  imagenetStd,
  noAugmentation,
  transformImage,
} from "./transform";

/** A 32×32×3 HWC uint8 image with a different value in every channel and position. */
function patternImage(): Uint8Array {
  const img = new Uint8Array(pixelBytes);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let c = 0; c < 3; c++) img[(y * 32 + x) * 3 + c] = (x * 7 + y * 13 + c * 50 + ((x * y) % 11)) % 256;
    }
  }
  return img;
}

function run(img: Uint8Array, size: number, aug = noAugmentation): Float32Array {
  const out = new Float32Array(size * size * 3);
  transformImage(createImageTransform(size), img, 0, aug, out, 0);
  return out;
}

describe("normalisation", () => {
  it("uses pixels/255 and the ImageNet mean and std per channel", () => {
    expect(imagenetMean).toEqual([0.485, 0.456, 0.406]);
    expect(imagenetStd).toEqual([0.229, 0.224, 0.225]);
    const lut = createNormalizeLut();
    expect(lut[0]).toBeCloseTo(-0.485 / 0.229, 6);
    expect(lut[256 + 255]).toBeCloseTo((1 - 0.456) / 0.224, 6);
    expect(lut[512 + 128]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 6);
    const img = patternImage();
    const out = run(img, 32);
    for (let i = 0; i < pixelBytes; i++) {
      const c = i % 3;
      expect(out[i]).toBeCloseTo((img[i]! / 255 - imagenetMean[c]!) / imagenetStd[c]!, 5);
    }
  });
});

describe("bilinear resize, half-pixel centres (PyTorch align_corners=False)", () => {
  it("matches hand-computed taps", () => {
    // [0, 10] → 4 samples: PyTorch gives [0, 2.5, 7.5, 10].
    const a = createResizeAxis(2, 4);
    const vals = [0, 10];
    const sampled = [0, 1, 2, 3].map((d) => (1 - a.w[d]!) * vals[a.lo[d]!]! + a.w[d]! * vals[a.hi[d]!]!);
    expect(sampled).toEqual([0, 2.5, 7.5, 10]);
    const b = createResizeAxis(32, 224);
    expect([b.lo[0], b.hi[0], b.w[0]]).toEqual([0, 1, 0]); // src < 0 clamps to 0
    expect(b.lo[4]).toBe(0);
    expect(b.w[4]).toBeCloseTo(4.5 / 7 - 0.5, 6);
    expect([b.lo[223], b.hi[223]]).toEqual([31, 31]); // the last row repeats the edge
  });

  it("upsamples a horizontal ramp to the analytic values", () => {
    const img = new Uint8Array(pixelBytes);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) img.fill(8 * x, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
    const out = run(img, 64);
    for (const X of [0, 1, 2, 31, 62, 63]) {
      const src = Math.min(31, Math.max(0, (X + 0.5) / 2 - 0.5));
      for (const Y of [0, 17, 63]) {
        expect(out[(Y * 64 + X) * 3 + 1]).toBeCloseTo((((8 * src) / 255 - 0.456) / 0.224) as number, 5);
      }
    }
  });

  const torchWorks = spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status === 0;
  it.skipIf(!torchWorks)(
    "equals torch.nn.functional.interpolate(bilinear, align_corners=False) at 224 and 57 px",
    () => {
      const img = patternImage();
      const script = `
import sys, json, torch
import torch.nn.functional as F
img = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float32).reshape(1, 32, 32, 3).permute(0, 3, 1, 2)
mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
x = (img / 255 - mean) / std
out = {}
for s in (224, 57):
    out[s] = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False).permute(0, 2, 3, 1).flatten().tolist()
print(json.dumps(out))`;
      const res = spawnSync("/usr/bin/python3", ["-c", script], {
        input: JSON.stringify([...img]),
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      expect(res.status, res.stderr).toBe(0);
      const want = JSON.parse(res.stdout) as Record<string, number[]>;
      for (const size of [224, 57]) {
        const got = run(img, size);
        const ref = want[size]!;
        expect(ref).toHaveLength(got.length);
        let maxErr = 0;
        for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - ref[i]!));
        // PyTorch computes source coordinates in float32 (error ~2e-6 near x = 31); neighbouring
        // pattern pixels differ by up to ~4 after normalisation, hence ~1e-5 apart at worst.
        expect(maxErr).toBeLessThan(5e-5);
      }
    },
    30_000,
  );
});

describe("augmentation", () => {
  it("a crop shifts the image and fills the padding with black (before normalisation)", () => {
    const img = patternImage();
    const plain = run(img, 32);
    const shifted = run(img, 32, { cropX: 6, cropY: 1, flip: false }); // +2 in x, -3 in y
    const lut = createNormalizeLut();
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const sx = x + 2;
        const sy = y - 3;
        for (let c = 0; c < 3; c++) {
          const got = shifted[(y * 32 + x) * 3 + c];
          if (sx >= 32 || sy < 0) expect(got).toBe(lut[c * 256]);
          else expect(got).toBe(plain[(sy * 32 + sx) * 3 + c]);
        }
      }
    }
  });

  it("a flip mirrors each row", () => {
    const img = patternImage();
    const plain = run(img, 32);
    const flipped = run(img, 32, { cropX: 4, cropY: 4, flip: true });
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        expect(flipped[(y * 32 + x) * 3 + 2]).toBe(plain[(y * 32 + 31 - x) * 3 + 2]);
      }
    }
  });
});
