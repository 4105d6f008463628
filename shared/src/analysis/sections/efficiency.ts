import { runLabel } from "../cohorts";
import {
  cell,
  formatDuration,
  formatEfficiency,
  formatInt,
  formatMillions,
  formatPct,
  formatPtsAbs,
  formatRatio,
  joinList,
  numCell,
} from "../format";
import { findParetoFront, type RunSummary } from "../stats";
import type { Finding, ReportOptions, ReportSection } from "../types";
import type { SectionContext } from "./context";

export interface TradeOff {
  pick: RunSummary;
  mostAccurate: RunSummary;
  /** Runs within the tolerance of the most accurate one, with a param count. */
  candidates: RunSummary[];
}

/**
 * The best accuracy/compute trade-off, defined as: among runs whose best val acc is within
 * `tradeOffTolerance` (absolute) of the most accurate run, the one with the highest efficiency.
 * Pure efficiency would always crown the run with the fewest trainable params, however poor its accuracy.
 */
export function findTradeOff(runs: readonly RunSummary[], options: ReportOptions): TradeOff | null {
  const known = runs.filter((r) => r.efficiency != null);
  if (known.length === 0) return null;
  const mostAccurate = known.reduce((b, r) => (r.bestValAcc > b.bestValAcc ? r : b));
  const candidates = known.filter((r) => mostAccurate.bestValAcc - r.bestValAcc <= options.tradeOffTolerance + 1e-12);
  const pick = candidates.reduce((b, r) => (r.efficiency! > b.efficiency! ? r : b));
  return { pick, mostAccurate, candidates };
}

function describeTradeOff(t: TradeOff, options: ReportOptions): string {
  const { pick, mostAccurate } = t;
  const rule = `the highest efficiency among runs within ${formatPtsAbs(options.tradeOffTolerance)} of the best accuracy`;
  const base = `Best accuracy/compute trade-off: ${runLabel(pick)}, ${formatPct(pick.bestValAcc)} with ${formatInt(pick.trainableParams!)} trainable params (efficiency ${formatEfficiency(pick.efficiency!)}), ${rule}`;
  if (pick === mostAccurate) {
    return t.candidates.length === 1
      ? `${base}; no other run comes that close, so the most accurate run is the pick.`
      : `${base}; it is also the most accurate of the ${t.candidates.length} runs in that band.`;
  }
  const time =
    pick.wallSeconds != null &&
    mostAccurate.wallSeconds != null &&
    pick.run.prefixCached === mostAccurate.run.prefixCached
      ? ` Wall time: ${formatDuration(pick.wallSeconds)} against ${formatDuration(mostAccurate.wallSeconds)}.`
      : "";
  return `${base}. It gives up ${formatPtsAbs(mostAccurate.bestValAcc - pick.bestValAcc)} to ${runLabel(mostAccurate)} (${formatPct(mostAccurate.bestValAcc)}) for ${formatRatio(mostAccurate.trainableParams! / pick.trainableParams!)} fewer trainable params.${time}`;
}

/** The study's efficiency score (best val acc ÷ trainable params in millions) and the trade-off pick. */
export function buildEfficiencySection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection | null {
  const tradeOff = findTradeOff(runs, options);
  if (!tradeOff) return null;
  const known = runs.filter((r) => r.efficiency != null);
  const front = new Set(findParetoFront(runs));
  const findings: Finding[] = [];

  const mostEfficient = known.reduce((b, r) => (r.efficiency! > b.efficiency! ? r : b));
  findings.push({
    id: "efficiency.highest",
    text: `Highest efficiency: ${runLabel(mostEfficient)}, ${formatEfficiency(mostEfficient.efficiency!)} (${formatPct(mostEfficient.bestValAcc)} ÷ ${formatMillions(mostEfficient.trainableParams!)} trainable params).`,
    numbers: {
      efficiency: mostEfficient.efficiency,
      bestValAcc: mostEfficient.bestValAcc,
      trainableParams: mostEfficient.trainableParams,
    },
    runIds: [mostEfficient.id],
  });
  findings.push({
    id: "efficiency.trade-off",
    text: describeTradeOff(tradeOff, options),
    numbers: {
      bestValAcc: tradeOff.pick.bestValAcc,
      trainableParams: tradeOff.pick.trainableParams,
      efficiency: tradeOff.pick.efficiency,
      mostAccurateBestValAcc: tradeOff.mostAccurate.bestValAcc,
      tolerance: options.tradeOffTolerance,
    },
    runIds: [tradeOff.pick.id, tradeOff.mostAccurate.id],
  });
  if (known.length > 1) {
    const off = known.filter((r) => !front.has(r));
    findings.push({
      id: "efficiency.pareto",
      text: `Pareto front of accuracy vs trainable params (no other run is at least as accurate with at most as many trainable params): ${joinList([...front].map(runLabel))}.${off.length > 0 ? ` ${joinList(off.map(runLabel))} ${off.length === 1 ? "is" : "are"} dominated: another run is as accurate or better with no more trainable params.` : ""}`,
      numbers: { frontSize: front.size, dominated: off.length },
      runIds: [...front].map((r) => r.id),
    });
  }
  const missing = runs.filter((r) => r.efficiency == null);
  if (missing.length > 0) {
    findings.push({
      id: "efficiency.missing",
      text: `No efficiency for ${joinList(missing.map(runLabel))}: no model analysis (trainable params) is stored.`,
      numbers: { missing: missing.length },
      runIds: missing.map((r) => r.id),
    });
  }

  const rows = [...known].sort((a, b) => b.efficiency! - a.efficiency!);
  return {
    id: "efficiency",
    title: "Efficiency and the accuracy/compute trade-off",
    headline: `Best trade-off: ${runLabel(tradeOff.pick)} (${formatPct(tradeOff.pick.bestValAcc)}, ${formatInt(tradeOff.pick.trainableParams!)} trainable params, efficiency ${formatEfficiency(tradeOff.pick.efficiency!)}).`,
    findings,
    tables: [
      {
        id: "efficiency",
        title: "Efficiency = best val acc ÷ trainable params in millions",
        columns: [
          { key: "run", label: "Run", numeric: false },
          { key: "bestValAcc", label: "Best val acc", numeric: true },
          { key: "trainableParams", label: "Trainable params", numeric: true },
          { key: "trainableShare", label: "Trainable %", numeric: true },
          { key: "efficiency", label: "Efficiency", numeric: true },
          { key: "pareto", label: "Pareto front", numeric: false },
        ],
        rows: rows.map((r) => ({
          runId: r.id,
          cells: [
            cell(r.name, r.name),
            numCell(r.bestValAcc, formatPct),
            numCell(r.trainableParams, formatInt),
            numCell(r.totalParams ? r.trainableParams! / r.totalParams : null, formatPct),
            numCell(r.efficiency, formatEfficiency),
            cell(front.has(r) ? (r === tradeOff.pick ? "yes (pick)" : "yes") : "no", front.has(r)),
          ],
        })),
      },
    ],
  };
}
