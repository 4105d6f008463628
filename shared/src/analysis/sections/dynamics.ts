import { runLabel } from "../cohorts";
import { cell, formatDuration, formatInt, formatPct, formatPts, formatPtsAbs, joinList, numCell } from "../format";
import type { RunSummary } from "../stats";
import type { Finding, ReportSection } from "../types";
import type { SectionContext } from "./context";

/** A train − val gap at least this large (5 points) is called overfitting. */
export const OVERFIT_GAP = 0.05;

/** Convergence (epochs to 95 % of best), overfitting (final train − val), and curves that peaked early or late. */
export function buildDynamicsSection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection {
  const pctLabel = `${Math.round(options.convergenceFraction * 100)} %`;
  const findings: Finding[] = [];
  const byConvergence = [...runs].sort(
    (a, b) =>
      a.convergenceEpoch / a.epochsDone - b.convergenceEpoch / b.epochsDone || a.convergenceEpoch - b.convergenceEpoch,
  );
  const fastest = byConvergence[0]!;
  const slowest = byConvergence.at(-1)!;
  const reach = (r: RunSummary) => `epoch ${r.convergenceEpoch} of ${r.epochsDone}`;
  const sameShare = fastest.convergenceEpoch / fastest.epochsDone === slowest.convergenceEpoch / slowest.epochsDone;
  findings.push({
    id: "dynamics.convergence",
    text:
      runs.length === 1
        ? `${runLabel(fastest)} reaches ${pctLabel} of its best val acc at ${reach(fastest)}.`
        : sameShare
          ? `${runs.length === 2 ? "Both" : `All ${runs.length}`} runs reach ${pctLabel} of their best val acc at the same share of their epochs (${reach(fastest)}).`
          : `${runLabel(fastest)} converges fastest, reaching ${pctLabel} of its best val acc at ${reach(fastest)}; ${runLabel(slowest)} is slowest, at ${reach(slowest)}.`,
    numbers: {
      fastestEpoch: fastest.convergenceEpoch,
      fastestEpochs: fastest.epochsDone,
      slowestEpoch: slowest.convergenceEpoch,
      slowestEpochs: slowest.epochsDone,
    },
    runIds: [fastest.id, slowest.id],
  });

  const byGap = [...runs].sort((a, b) => b.overfitGap - a.overfitGap);
  const widest = byGap[0]!;
  const overfitting = byGap.filter((r) => r.overfitGap >= OVERFIT_GAP);
  const gapOf = (r: RunSummary) =>
    `${runLabel(r)}: train ${formatPct(r.finalTrainAcc)} vs val ${formatPct(r.finalValAcc)}, ${formatPts(r.overfitGap)}`;
  findings.push({
    id: "dynamics.overfitting",
    text:
      overfitting.length > 0
        ? `Overfitting (final train − val acc ≥ ${formatPtsAbs(OVERFIT_GAP)}) in ${overfitting.length} of ${runs.length}: ${overfitting.map(gapOf).join("; ")}.`
        : `No run overfits: the widest final train − val gap is ${formatPts(widest.overfitGap)} (${runLabel(widest)}), under ${formatPtsAbs(OVERFIT_GAP)}.`,
    numbers: { widestGap: widest.overfitGap, overfittingRuns: overfitting.length, threshold: OVERFIT_GAP },
    runIds: (overfitting.length > 0 ? overfitting : [widest]).map((r) => r.id),
  });
  const underfit = runs.filter((r) => r.overfitGap <= -options.noiseFloor);
  if (underfit.length > 0) {
    findings.push({
      id: "dynamics.val-above-train",
      text: `Val acc ends above train acc for ${joinList(underfit.map(runLabel))}: train accuracy is averaged over an epoch while the weights still move, so the model has not yet fit its training data.`,
      numbers: { runs: underfit.length, lowestGap: Math.min(...underfit.map((r) => r.overfitGap)) },
      runIds: underfit.map((r) => r.id),
    });
  }

  const stillRising = runs.filter((r) => r.epochsDone > 1 && r.bestEpoch === r.epochsDone);
  if (stillRising.length > 0) {
    findings.push({
      id: "dynamics.still-improving",
      text: `${joinList(stillRising.map(runLabel))} peaked at ${stillRising.length === 1 ? "its" : "their"} last epoch: more epochs may still help.`,
      numbers: { runs: stillRising.length },
      runIds: stillRising.map((r) => r.id),
    });
  }
  const declined = runs.filter((r) => r.bestValAcc - r.finalValAcc >= options.noiseFloor);
  if (declined.length > 0) {
    findings.push({
      id: "dynamics.declined",
      text: `Ended below the best epoch: ${declined.map((r) => `${runLabel(r)} ${formatPts(r.finalValAcc - r.bestValAcc)} (best at epoch ${r.bestEpoch})`).join("; ")}. Later epochs hurt validation accuracy; the best checkpoint is the one to keep.`,
      numbers: { runs: declined.length, largestDrop: Math.max(...declined.map((r) => r.bestValAcc - r.finalValAcc)) },
      runIds: declined.map((r) => r.id),
    });
  }

  return {
    id: "dynamics",
    title: "Convergence and overfitting",
    headline: `${
      runs.length === 1
        ? `Reaches ${pctLabel} of its best at ${reach(fastest)}.`
        : sameShare
          ? `Every run reaches ${pctLabel} of its best at the same point (${reach(fastest)}).`
          : `Fastest to ${pctLabel} of best: ${runLabel(fastest)} (${reach(fastest)}).`
    } ${overfitting.length > 0 ? `${overfitting.length === 1 ? "One run overfits" : `${overfitting.length} runs overfit`}, the worst ${runLabel(widest)} (${formatPts(widest.overfitGap)}).` : "No run overfits."}`,
    findings,
    tables: [
      {
        id: "dynamics",
        title: `Convergence (first epoch at ${pctLabel} of best) and final train − val gap`,
        columns: [
          { key: "run", label: "Run", numeric: false },
          { key: "convergenceEpoch", label: `Epoch to ${pctLabel}`, numeric: true },
          { key: "bestEpoch", label: "Best epoch", numeric: true },
          { key: "finalTrainAcc", label: "Final train acc", numeric: true },
          { key: "finalValAcc", label: "Final val acc", numeric: true },
          { key: "overfitGap", label: "Train − val", numeric: true },
          { key: "wallSeconds", label: "Wall time", numeric: true },
          { key: "imagesPerSec", label: "Images/s", numeric: true },
        ],
        rows: runs.map((r) => ({
          runId: r.id,
          cells: [
            cell(r.name, r.name),
            cell(`${r.convergenceEpoch}/${r.epochsDone}`, r.convergenceEpoch),
            cell(String(r.bestEpoch), r.bestEpoch),
            numCell(r.finalTrainAcc, formatPct),
            numCell(r.finalValAcc, formatPct),
            numCell(r.overfitGap, formatPts),
            numCell(r.wallSeconds, formatDuration),
            numCell(r.meanImagesPerSec, formatInt),
          ],
        })),
      },
    ],
  };
}
