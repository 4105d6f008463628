// Seeded randomness for everything data-related: the same seed gives the same subsets, order,
// augmentation and synthetic images on every machine (no Math.random anywhere in the pipeline).

/** A uniform [0, 1) generator; mulberry32: tiny, fast, and good enough for shuffling and noise. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed for one purpose, e.g. `deriveSeed(seed, "shuffle", epoch)`, so streams used for
 * different things (or different epochs) never overlap and do not depend on the order they run in.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  const mix = (v: number) => {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  };
  for (const part of parts) {
    if (typeof part === "number") mix(part >>> 0);
    else for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    mix(0x2f); // separator: ("ab", "c") and ("a", "bc") must differ
  }
  return h;
}

/** An integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(arr: T, rng: Rng): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}

/** A standard normal sample (Box–Muller). */
export function randomNormal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
