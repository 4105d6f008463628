import type { EpochMetrics } from "../metrics";
import type { RunConfig } from "../run-config";
import type { ComparisonRun } from "./input";

/** What the report needs of one run, computed once from its epochs and model analysis. */
export interface RunSummary {
  id: string;
  name: string;
  run: ComparisonRun;
  config: RunConfig;
  /** Succeeded: every other status (still running, failed, cancelled, lost) is partial. */
  complete: boolean;
  epochsDone: number;
  bestValAcc: number;
  /** First epoch that reached the best val acc. */
  bestEpoch: number;
  finalValAcc: number;
  finalTrainAcc: number;
  /** Final train acc − final val acc. */
  overfitGap: number;
  /** First epoch reaching `convergenceFraction` of the best val acc. */
  convergenceEpoch: number;
  trainableParams: number | null;
  totalParams: number | null;
  efficiency: number | null;
  wallSeconds: number | null;
  meanImagesPerSec: number | null;
}

/** The study's score: best val acc ÷ trainable params in millions (0.7071 with 204,900 → 3.4510). */
export function computeEfficiency(bestValAcc: number, trainableParams: number): number | null {
  if (trainableParams <= 0) return null;
  return bestValAcc / (trainableParams / 1e6);
}

/** The first epoch whose val acc reaches `fraction` of the run's best (epochs sorted ascending). */
export function findConvergenceEpoch(metrics: readonly EpochMetrics[], fraction: number): number | null {
  if (metrics.length === 0) return null;
  const best = Math.max(...metrics.map((m) => m.valAcc));
  return metrics.find((m) => m.valAcc >= fraction * best)?.epoch ?? null;
}

/**
 * Exponential moving average with TensorBoard's debiasing, so the curve starts at the first value
 * instead of near zero. `weight` 0 returns the input; 0.9 smooths heavily.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (weight < 0 || weight >= 1) throw new RangeError(`EMA weight must be in [0, 1), got ${weight}`);
  let last = 0;
  return values.map((v, i) => {
    last = last * weight + (1 - weight) * v;
    return last / (1 - weight ** (i + 1));
  });
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Null when the run has no epochs yet: such a run cannot be compared. */
export function summarizeRun(run: ComparisonRun, convergenceFraction: number): RunSummary | null {
  const metrics = [...run.metrics].sort((a, b) => a.epoch - b.epoch);
  const last = metrics.at(-1);
  if (!last) return null;
  const best = metrics.reduce((b, m) => (m.valAcc > b.valAcc ? m : b));
  const trainable = run.analysis?.trainableParams ?? null;
  const epochSeconds = metrics.reduce((s, m) => s + m.epochSeconds, 0);
  return {
    id: run.id,
    name: run.name,
    run,
    config: run.config,
    complete: run.status === "succeeded",
    epochsDone: metrics.length,
    bestValAcc: best.valAcc,
    bestEpoch: best.epoch,
    finalValAcc: last.valAcc,
    finalTrainAcc: last.trainAcc,
    overfitGap: last.trainAcc - last.valAcc,
    convergenceEpoch: findConvergenceEpoch(metrics, convergenceFraction) ?? best.epoch,
    trainableParams: trainable,
    totalParams: run.analysis?.totalParams ?? null,
    efficiency: trainable == null ? null : computeEfficiency(best.valAcc, trainable),
    wallSeconds: run.wallSeconds ?? (epochSeconds > 0 ? epochSeconds : null),
    meanImagesPerSec: metrics.some((m) => m.imagesPerSec > 0) ? mean(metrics.map((m) => m.imagesPerSec)) : null,
  };
}

/** Competition ranking ("1, 1, 3") by best val acc, highest first; ties keep input order. */
export function rankByBestValAcc(runs: readonly RunSummary[]): { run: RunSummary; rank: number }[] {
  const sorted = [...runs].sort((a, b) => b.bestValAcc - a.bestValAcc);
  return sorted.map((run) => ({ run, rank: 1 + sorted.filter((o) => o.bestValAcc > run.bestValAcc).length }));
}

/**
 * Runs no other run beats on both axes: higher-or-equal accuracy with fewer-or-equal trainable params,
 * strictly better on one. Runs without a param count are left out.
 */
export function findParetoFront(runs: readonly RunSummary[]): RunSummary[] {
  const known = runs.filter((r) => r.trainableParams != null);
  return known.filter(
    (r) =>
      !known.some(
        (o) =>
          o !== r &&
          o.bestValAcc >= r.bestValAcc &&
          o.trainableParams! <= r.trainableParams! &&
          (o.bestValAcc > r.bestValAcc || o.trainableParams! < r.trainableParams!),
      ),
  );
}
