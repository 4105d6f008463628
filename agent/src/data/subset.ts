// Which records a run uses and in what order: seeded, stratified, reproducible.
import { AgentError } from "../errors";
import { createRng, deriveSeed, shuffleInPlace } from "../util/rng";

/**
 * Indices of a class-stratified subset of `size` records (all records when `size` is null),
 * sorted ascending. Each class keeps its share of the split (largest-remainder rounding), and
 * which records of a class are kept depends only on `seed`.
 */
export function selectStratifiedSubset(
  labels: Uint8Array,
  numClasses: number,
  size: number | null,
  seed: number,
  what = "subset",
): Int32Array {
  const total = labels.length;
  if (size === null || size === total) return Int32Array.from({ length: total }, (_, i) => i);
  if (size > total || size < 1) {
    throw new AgentError(
      "SUBSET_TOO_LARGE",
      `${what} ${size} is outside 1…${total}, the number of records in the split: lower it or leave it unset.`,
    );
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < total; i++) byClass[labels[i]!]?.push(i);
  const exact = byClass.map((members) => (members.length * size) / total);
  const take = exact.map(Math.floor);
  let left = size - take.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the lower class id so the result is deterministic.
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (take[c]! < byClass[c]!.length) {
      take[c]! += 1;
      left--;
    }
  }
  const picked: number[] = [];
  byClass.forEach((members, c) => {
    const shuffled = shuffleInPlace([...members], createRng(deriveSeed(seed, what, c)));
    picked.push(...shuffled.slice(0, take[c]));
  });
  return Int32Array.from(picked).sort();
}

/** The order of `indices` for one epoch; a different permutation per (seed, epoch). */
export function shuffleForEpoch(indices: Int32Array, seed: number, epoch: number): Int32Array {
  return shuffleInPlace(Int32Array.from(indices), createRng(deriveSeed(seed, "shuffle", epoch)));
}
