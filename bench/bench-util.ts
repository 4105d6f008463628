// What every benchmark needs: its flags, a timer that discards the warm-up and keeps the median, and
// the rounding and ratio helpers of their tables. Light to import: bench/anchor.ts holds what loads
// TF.js or spawns PyTorch.

const args = process.argv.slice(2);

/** Whether `--name` was passed. */
export const flag = (name: string): boolean => args.includes(`--${name}`);

/** The value after `--name`, or `fallback`. */
export function opt(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
}

export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

/**
 * Median wall time of `reps` calls, in ms, after one warm-up call (kernel setup, XNNPACK operator caches,
 * shader compilation); `afterWarmUp` runs between the two (a memory baseline).
 */
export async function timeIt(
  reps: number,
  fn: () => Promise<void>,
  afterWarmUp: () => void = () => undefined,
): Promise<number> {
  await fn();
  afterWarmUp();
  const walls: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
  }
  return median(walls);
}

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** agent ÷ anchor, or null without an anchor */
export const ratio = (agent: number, anchor: number | null | undefined) => (anchor ? r3(agent / anchor) : null);
export const pad = (s: string | number | null, w: number) => `${s ?? "—"}`.padStart(w);
