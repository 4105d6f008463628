// What every benchmark needs: its flags, and a timer that discards the warm-up and keeps the median.

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

/** Median wall time of `reps` calls, in ms, after one warm-up call (kernel setup, XNNPACK operator caches). */
export async function timeIt(reps: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const walls: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
  }
  return median(walls);
}
