import { type FreezeMode, freezeModes, type Init } from "../../run-config";
import { buildStrategyGrids, type Cohort, cohortIds, makeCohort, runLabel, type StrategyGrid } from "../cohorts";
import { cell, formatEfficiency, formatInt, formatLr, formatPct, formatRatio, joinList, numCell } from "../format";
import { mean, type RunSummary } from "../stats";
import type { Finding, ReportSection } from "../types";
import { compareAcc, type SectionContext } from "./context";

const trainedPart: Record<FreezeMode, string> = {
  head_only: "the fc head",
  final_block: "layer4 and the head",
  full: "every layer",
};

function lrsOf(c: Cohort): string {
  return [...new Set(c.runs.map((r) => formatLr(r.config.lr)))].join("/");
}

/** "Under pretrained init, final_block beats head_only by …; full beats final_block by …." */
function describeLadder(init: Init, grid: StrategyGrid, noiseFloor: number): Finding | null {
  const present = freezeModes.filter((m) => grid.cells[init][m] != null);
  if (present.length < 2) return null;
  const steps: string[] = [];
  const numbers: Record<string, number | null> = {};
  for (const [i, mode] of present.entries()) {
    const c = grid.cells[init][mode]!;
    numbers[mode] = c.meanBest;
    const prev = present[i - 1];
    if (prev) steps.push(compareAcc(mode, c.meanBest, prev, grid.cells[init][prev]!.meanBest, noiseFloor));
  }
  const best = present.reduce((b, m) => (grid.cells[init][m]!.meanBest > grid.cells[init][b]!.meanBest ? m : b));
  const lrs = present.map((m) => `${m} ${lrsOf(grid.cells[init][m]!)}`);
  const lrNote =
    new Set(present.map((m) => lrsOf(grid.cells[init][m]!))).size > 1 ? ` Learning rates: ${lrs.join(", ")}.` : "";
  return {
    id: `strategy-ladder.${init}`,
    text: `Under ${init} init, ${steps.join("; ")}. Best: ${best}, training ${trainedPart[best]}.${lrNote}`,
    numbers,
    runIds: cohortIds(...present.map((m) => grid.cells[init][m])),
  };
}

function paramsOf(runs: readonly RunSummary[]): number[] {
  return [...new Set(runs.flatMap((r) => (r.trainableParams == null ? [] : [r.trainableParams])))].sort(
    (a, b) => a - b,
  );
}

/** head_only vs final_block vs full: per-strategy means (the study's averages) and per-init ladders. */
export function buildStrategiesSection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection | null {
  const byMode = freezeModes
    .map((mode) => ({ mode, runs: runs.filter((r) => r.config.freezeMode === mode) }))
    .filter((s) => s.runs.length > 0)
    .map((s) => {
      const cohort = makeCohort(s.runs);
      const best = s.runs.reduce((b, r) => (r.bestValAcc > b.bestValAcc ? r : b));
      const effs = s.runs.flatMap((r) => (r.efficiency == null ? [] : [r.efficiency]));
      const inits = [...new Set(s.runs.map((r) => r.config.init))].sort();
      return { ...s, cohort, best, params: paramsOf(s.runs), meanEfficiency: effs.length ? mean(effs) : null, inits };
    });
  if (byMode.length < 2) return null;

  const byMean = [...byMode].sort((a, b) => b.cohort.meanBest - a.cohort.meanBest);
  const topBest = byMode.reduce((b, s) => (s.best.bestValAcc > b.best.bestValAcc ? s : b));
  const headline = `${topBest.mode} reaches the highest accuracy, ${formatPct(topBest.best.bestValAcc)} (${runLabel(topBest.best)}). By mean best val acc: ${byMean.map((s) => `${s.mode} ${formatPct(s.cohort.meanBest)}`).join(", ")}.`;

  const findings: Finding[] = [];
  const grids = buildStrategyGrids(runs);
  for (const init of ["pretrained", "random"] as const) {
    for (const grid of grids) {
      const f = describeLadder(init, grid, options.noiseFloor);
      if (f) findings.push(grids.length > 1 ? { ...f, id: `${f.id}.${grids.indexOf(grid)}` } : f);
    }
  }

  const initMixes = new Set(byMode.map((s) => s.inits.join("+")));
  if (initMixes.size > 1) {
    findings.push({
      id: "strategy.uneven-mix",
      text: `The means mix inits unevenly (${byMode.map((s) => `${s.mode}: ${s.inits.join(" and ")}`).join("; ")}), so compare the per-init lines rather than the means.`,
      numbers: {},
      runIds: runs.map((r) => r.id),
    });
  }

  const single = byMode.filter((s) => s.params.length === 1);
  if (single.length >= 2) {
    const base = single[0]!;
    findings.push({
      id: "strategy.params",
      text: `Trainable parameters: ${joinList(single.map((s) => `${s.mode} ${formatInt(s.params[0]!)}${s === base ? "" : ` (${formatRatio(s.params[0]! / base.params[0]!)} ${base.mode})`}`))}.`,
      numbers: Object.fromEntries(single.map((s) => [s.mode, s.params[0]!])),
      runIds: single.flatMap((s) => s.runs.map((r) => r.id)),
    });
  }

  return {
    id: "strategies",
    title: "head_only vs final_block vs full",
    headline,
    findings,
    tables: [
      {
        id: "strategies",
        title: "Per freeze mode",
        columns: [
          { key: "freezeMode", label: "Trained", numeric: false },
          { key: "runs", label: "Runs", numeric: true },
          { key: "inits", label: "Inits", numeric: false },
          { key: "meanBest", label: "Mean best val acc", numeric: true },
          { key: "best", label: "Best val acc", numeric: true },
          { key: "bestRun", label: "Best run", numeric: false },
          { key: "trainableParams", label: "Trainable params", numeric: true },
          { key: "meanEfficiency", label: "Mean efficiency", numeric: true },
        ],
        rows: byMode.map((s) => ({
          runId: null,
          cells: [
            cell(s.mode, s.mode),
            cell(String(s.runs.length), s.runs.length),
            cell(s.inits.join(", "), s.inits.join(",")),
            numCell(s.cohort.meanBest, formatPct),
            numCell(s.best.bestValAcc, formatPct),
            cell(s.best.name, s.best.name),
            s.params.length === 0
              ? cell("—", null)
              : s.params.length === 1
                ? cell(formatInt(s.params[0]!), s.params[0]!)
                : cell(`${formatInt(s.params[0]!)} – ${formatInt(s.params.at(-1)!)}`, null),
            numCell(s.meanEfficiency, formatEfficiency),
          ],
        })),
      },
    ],
  };
}
