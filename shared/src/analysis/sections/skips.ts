import { type Cohort, cohortAcc, cohortLabel, configKey, makeCohort, runLabel } from "../cohorts";
import {
  cell,
  formatPct,
  formatPts,
  formatPtsAbs,
  formatRelative,
  formatSignedInt,
  joinList,
  numCell,
} from "../format";
import type { RunSummary } from "../stats";
import type { Finding, ReportSection } from "../types";
import { type SectionContext, signOf } from "./context";

export interface SkipComparison {
  run: RunSummary;
  baseline: Cohort | null;
  deltaAcc: number | null;
  /** Study's count: a block's unused projection (`downsample`) stays in the total. */
  deltaParams: number | null;
  /** With the unused projection parameters removed. */
  deltaParamsUnusedRemoved: number | null;
  deltaFlops: number | null;
  deltaMacs: number | null;
  baselineFlops: number | null;
}

/** Each disabled-skip run against the runs with the same config and every skip on (seed aside). */
export function compareSkipRuns(runs: readonly RunSummary[]): SkipComparison[] {
  const keyOf = (r: RunSummary) => configKey(r.config, ["disabledSkips", "seed"]);
  return runs
    .filter((r) => r.config.disabledSkips.length > 0)
    .map((run) => {
      const base = runs.filter((b) => b.config.disabledSkips.length === 0 && keyOf(b) === keyOf(run));
      const baseline = base.length > 0 ? makeCohort(base) : null;
      const a = run.run.analysis;
      const b = base.find((r) => r.run.analysis != null)?.run.analysis ?? null;
      const both = a != null && b != null;
      return {
        run,
        baseline,
        deltaAcc: baseline ? run.bestValAcc - baseline.meanBest : null,
        deltaParams: both ? a.totalParams - b.totalParams : null,
        deltaParamsUnusedRemoved: both
          ? (a.withUnusedRemoved?.totalParams ?? a.totalParams) - (b.withUnusedRemoved?.totalParams ?? b.totalParams)
          : null,
        deltaFlops: both ? a.flops - b.flops : null,
        deltaMacs: both ? a.macs - b.macs : null,
        baselineFlops: b?.flops ?? null,
      };
    });
}

function describeAccuracy(c: SkipComparison, noiseFloor: number): string {
  const blocks = joinList(c.run.config.disabledSkips);
  if (!c.baseline || c.deltaAcc == null) {
    return `${runLabel(c.run)} (skips off in ${blocks}) has no baseline: no run on this dataset shares its config with every skip on.`;
  }
  const verb = { 1: "raises", 0: "barely changes", [-1]: "drops" }[signOf(c.deltaAcc, noiseFloor)];
  const rel = c.baseline.meanBest > 0 ? `, ${formatRelative(c.deltaAcc / c.baseline.meanBest)} relative` : "";
  return `Disabling the skip connections in ${blocks} ${verb} best val acc from ${cohortAcc(c.baseline)} for ${cohortLabel(c.baseline)} to ${formatPct(c.run.bestValAcc)} for ${runLabel(c.run)}: ${formatPts(c.deltaAcc)}${rel}.`;
}

function describeCost(c: SkipComparison): string | null {
  if (c.deltaParams == null || c.deltaParamsUnusedRemoved == null || c.deltaFlops == null || c.deltaMacs == null) {
    return null;
  }
  const counted =
    c.deltaParams === 0
      ? "unchanged as the study counts them (unused projections stay)"
      : `${formatSignedInt(c.deltaParams)} as the study counts them`;
  const flopsRel = c.baselineFlops ? ` (${formatRelative(c.deltaFlops / c.baselineFlops)})` : "";
  return `Parameters: ${counted}, ${formatSignedInt(c.deltaParamsUnusedRemoved)} with unused projection branches removed. Per image: ${formatSignedInt(c.deltaFlops)} FLOPs${flopsRel} by the study's counter, ${formatSignedInt(c.deltaMacs)} multiply-accumulates.`;
}

/** The disabled-skip runs against their baselines: accuracy, params and FLOPs. */
export function buildSkipsSection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection | null {
  const comparisons = compareSkipRuns(runs);
  if (comparisons.length === 0) return null;
  const findings: Finding[] = comparisons.flatMap((c, i): Finding[] => {
    const suffix = comparisons.length > 1 ? `.${i}` : "";
    const runIds = [c.run.id, ...(c.baseline?.runs.map((r) => r.id) ?? [])];
    const cost = describeCost(c);
    return [
      {
        id: `skips.accuracy${suffix}`,
        text: describeAccuracy(c, options.noiseFloor),
        numbers: {
          bestValAcc: c.run.bestValAcc,
          baselineBestValAcc: c.baseline?.meanBest ?? null,
          deltaAcc: c.deltaAcc,
        },
        runIds,
      },
      ...(cost
        ? [
            {
              id: `skips.cost${suffix}`,
              text: cost,
              numbers: {
                deltaParams: c.deltaParams,
                deltaParamsUnusedRemoved: c.deltaParamsUnusedRemoved,
                deltaFlops: c.deltaFlops,
                deltaMacs: c.deltaMacs,
              },
              runIds,
            },
          ]
        : []),
    ];
  });

  const compared = comparisons.filter((c) => c.deltaAcc != null);
  const worst = compared.reduce<SkipComparison | null>(
    (w, c) => (w == null || c.deltaAcc! < w.deltaAcc! ? c : w),
    null,
  );
  const headline =
    worst == null
      ? `${comparisons.length === 1 ? "The disabled-skip run has no" : `None of the ${comparisons.length} disabled-skip runs has a`} baseline with every skip on, so the effect of the skips cannot be measured.`
      : compared.length === 1
        ? `Without the skips in ${joinList(worst.run.config.disabledSkips)}, best val acc moves ${formatPts(worst.deltaAcc!)} against the baseline.`
        : `Across ${compared.length} disabled-skip runs, accuracy moves between ${formatPts(Math.min(...compared.map((c) => c.deltaAcc!)))} and ${formatPts(Math.max(...compared.map((c) => c.deltaAcc!)))}; the largest loss is ${formatPtsAbs(worst.deltaAcc!)} (${runLabel(worst.run)}).`;

  return {
    id: "skips",
    title: "Disabled skip connections vs baseline",
    headline,
    findings,
    tables: [
      {
        id: "skips",
        title: "Δ against the baseline with every skip on",
        columns: [
          { key: "run", label: "Run", numeric: false },
          { key: "disabledSkips", label: "Skips off", numeric: false },
          { key: "deltaAcc", label: "Δ best val acc", numeric: true },
          { key: "deltaParams", label: "Δ params (study)", numeric: true },
          { key: "deltaParamsUnusedRemoved", label: "Δ params (unused removed)", numeric: true },
          { key: "deltaFlops", label: "Δ FLOPs", numeric: true },
          { key: "deltaMacs", label: "Δ MACs", numeric: true },
        ],
        rows: comparisons.map((c) => ({
          runId: c.run.id,
          cells: [
            cell(c.run.name, c.run.name),
            cell(c.run.config.disabledSkips.join(", "), c.run.config.disabledSkips.join(",")),
            numCell(c.deltaAcc, formatPts),
            numCell(c.deltaParams, formatSignedInt),
            numCell(c.deltaParamsUnusedRemoved, formatSignedInt),
            numCell(c.deltaFlops, formatSignedInt),
            numCell(c.deltaMacs, formatSignedInt),
          ],
        })),
      },
    ],
  };
}
