import { runLabel } from "../cohorts";
import { cell, formatPct, formatPtsAbs, joinList, numCell, plural } from "../format";
import { type RunSummary, rankByBestValAcc } from "../stats";
import type { Finding, ReportSection } from "../types";
import type { SectionContext } from "./context";

/** The study's first table: runs ordered by best validation accuracy. */
export function buildRankingSection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection {
  const ranked = rankByBestValAcc(runs);
  const top = ranked.filter((r) => r.rank === 1).map((r) => r.run);
  const leader = top[0]!;
  const findings: Finding[] = [];
  let headline: string;

  if (runs.length === 1) {
    headline = `Only ${runLabel(leader)} is here: best val acc ${formatPct(leader.bestValAcc)} at epoch ${leader.bestEpoch}, with nothing to rank it against.`;
  } else if (top.length > 1) {
    headline = `${joinList(top.map(runLabel))} tie for first at ${formatPct(leader.bestValAcc)} best val acc.`;
  } else {
    const second = ranked[1]!.run;
    const margin = leader.bestValAcc - second.bestValAcc;
    headline = `${runLabel(leader)} ranks first at ${formatPct(leader.bestValAcc)} (epoch ${leader.bestEpoch}), ${formatPtsAbs(margin)} ahead of ${runLabel(second)} (${formatPct(second.bestValAcc)}).`;
    if (margin < options.noiseFloor) {
      headline += ` That margin is below ${formatPtsAbs(options.noiseFloor)}, too small to call a winner.`;
    }
  }

  if (runs.length > 1) {
    const last = ranked.at(-1)!.run;
    findings.push({
      id: "ranking.spread",
      text: `The ${plural(runs.length, "run")} span ${formatPct(last.bestValAcc)} (${runLabel(last)}) to ${formatPct(leader.bestValAcc)}: a range of ${formatPtsAbs(leader.bestValAcc - last.bestValAcc)}.`,
      numbers: { best: leader.bestValAcc, worst: last.bestValAcc, range: leader.bestValAcc - last.bestValAcc },
      runIds: [leader.id, last.id],
    });
  }

  return {
    id: "ranking",
    title: "Ranking by best validation accuracy",
    headline,
    findings,
    tables: [
      {
        id: "ranking",
        title: "Runs by best validation accuracy",
        columns: [
          { key: "rank", label: "#", numeric: true },
          { key: "run", label: "Run", numeric: false },
          { key: "init", label: "Init", numeric: false },
          { key: "freezeMode", label: "Trained", numeric: false },
          { key: "bestValAcc", label: "Best val acc", numeric: true },
          { key: "bestEpoch", label: "Best epoch", numeric: true },
          { key: "finalValAcc", label: "Final val acc", numeric: true },
          { key: "epochs", label: "Epochs", numeric: true },
          { key: "status", label: "Status", numeric: false },
        ],
        rows: ranked.map(({ run, rank }) => ({
          runId: run.id,
          cells: [
            cell(String(rank), rank),
            cell(run.name, run.name),
            cell(run.config.init, run.config.init),
            cell(run.config.freezeMode, run.config.freezeMode),
            numCell(run.bestValAcc, formatPct),
            cell(String(run.bestEpoch), run.bestEpoch),
            numCell(run.finalValAcc, formatPct),
            cell(`${run.epochsDone}/${run.config.epochs}`, run.epochsDone),
            cell(run.run.status, run.run.status),
          ],
        })),
      },
    ],
  };
}
