import type { FreezeMode, Init, RunConfig } from "../run-config";
import { formatPct, joinList } from "./format";
import { mean, type RunSummary } from "./stats";

/**
 * Runs whose configs are equal except for the fields being compared (and the seed, which is noise,
 * not a treatment). Several seeds of one configuration are averaged; `n` says how many.
 */
export interface Cohort {
  runs: RunSummary[];
  meanBest: number;
  n: number;
}

/** A stable key of a config without the given fields; the order of disabled skips does not matter. */
export function configKey(config: RunConfig, ignore: readonly (keyof RunConfig)[]): string {
  const entries = Object.entries(config)
    .filter(([k]) => !ignore.includes(k as keyof RunConfig))
    .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(entries);
}

export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export function makeCohort(runs: RunSummary[]): Cohort {
  return { runs, meanBest: mean(runs.map((r) => r.bestValAcc)), n: runs.length };
}

/** A run's name as sentences use it, saying when its numbers are partial. */
export function runLabel(run: RunSummary): string {
  if (run.complete) return `"${run.name}"`;
  const state = run.run.status === "running" || run.run.status === "claimed" ? "still running" : run.run.status;
  return `"${run.name}" (${state}, ${run.epochsDone} of ${run.config.epochs} epochs)`;
}

/** Several runs' names as a sentence lists them: "a", "b" and "c". */
export function runsLabel(runs: readonly RunSummary[]): string {
  return joinList(runs.map(runLabel));
}

export function cohortLabel(c: Cohort): string {
  return runsLabel(c.runs);
}

/** "70.71 %" for one run, "70.71 % (mean of 3 seeds)" for several. */
export function cohortAcc(c: Cohort): string {
  return c.n === 1 ? formatPct(c.meanBest) : `${formatPct(c.meanBest)} (mean of ${c.n} seeds)`;
}

export function cohortIds(...cohorts: (Cohort | undefined)[]): string[] {
  return cohorts.flatMap((c) => c?.runs.map((r) => r.id) ?? []);
}

/**
 * Runs that differ only in init and freeze mode (lr may differ too: the study trained `full` at 1e-4),
 * laid out as the study's 2 × 3 grid. Each cell averages its seeds.
 */
export interface StrategyGrid {
  runs: RunSummary[];
  cells: Record<Init, Partial<Record<FreezeMode, Cohort>>>;
}

export function buildStrategyGrids(runs: readonly RunSummary[]): StrategyGrid[] {
  const groups = groupBy(runs, (r) => configKey(r.config, ["init", "pretrainedWeights", "freezeMode", "lr", "seed"]));
  return [...groups.values()].map((group) => {
    const cells: StrategyGrid["cells"] = { pretrained: {}, random: {} };
    const byCell = groupBy(group, (r) => `${r.config.init}|${r.config.freezeMode}`);
    for (const members of byCell.values()) {
      const { init, freezeMode } = members[0]!.config;
      cells[init][freezeMode] = makeCohort(members);
    }
    return { runs: group, cells };
  });
}
