/**
 * The report generator: runs + metrics → a structured comparison report.
 *
 * Pure and deterministic. Every sentence is built from the numbers of the runs passed in, so other
 * data gives other conclusions. Runs are compared within their dataset only; pairwise comparisons
 * (pretrained vs random, skips off vs on) pair only runs whose configs are otherwise equal.
 * The web renders the result as a page; `renderReportMarkdown` (markdown.ts) renders it as text.
 */
import { type DatasetId, datasetIds } from "../run-config";
import { detectCaveats } from "./caveats";
import { runLabel } from "./cohorts";
import { datasetLabel, formatPct, joinList, plural } from "./format";
import { AnalysisInputError, type ComparisonInput, type ComparisonRun } from "./input";
import type { SectionContext } from "./sections/context";
import { buildDynamicsSection } from "./sections/dynamics";
import { buildEfficiencySection } from "./sections/efficiency";
import { buildInitSection } from "./sections/init";
import { buildRankingSection } from "./sections/ranking";
import { buildSkipsSection } from "./sections/skips";
import { buildStrategiesSection } from "./sections/strategies";
import { buildTransferSection } from "./sections/transfer";
import { type RunSummary, summarizeRun } from "./stats";
import {
  type ComparisonReport,
  type DatasetReport,
  defaultReportOptions,
  type ExcludedRun,
  type ReportOptions,
  type ReportSection,
  reportOptionsSchema,
} from "./types";

type SectionBuilder = (runs: readonly RunSummary[], ctx: SectionContext) => ReportSection | null;

/** In reading order: what the study's report covered first, then what it did not. */
const sectionBuilders: SectionBuilder[] = [
  buildRankingSection,
  buildInitSection,
  buildStrategiesSection,
  buildEfficiencySection,
  buildTransferSection,
  buildSkipsSection,
  buildDynamicsSection,
];

function parseReportOptions(options: Partial<ReportOptions>): ReportOptions {
  const parsed = reportOptionsSchema.safeParse({ ...defaultReportOptions, ...options });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new AnalysisInputError(`Invalid report options: ${problems.join("; ")}`);
}

function excludeReason(run: ComparisonRun): string {
  if (run.status === "failed")
    return run.error ? `failed before its first epoch: ${run.error}` : "failed before its first epoch";
  if (run.status === "cancelled") return "cancelled before its first epoch";
  return `${run.status}, no epoch reported yet`;
}

export function generateComparisonReport(
  runs: ComparisonInput,
  options: Partial<ReportOptions> = {},
): ComparisonReport {
  const opts = parseReportOptions(options);
  const excluded: ExcludedRun[] = [];
  const byDataset = new Map<DatasetId, RunSummary[]>();
  for (const run of runs) {
    const summary = summarizeRun(run, opts.convergenceFraction);
    if (!summary) {
      excluded.push({ id: run.id, name: run.name, status: run.status, reason: excludeReason(run) });
      continue;
    }
    const group = byDataset.get(run.config.dataset) ?? [];
    group.push(summary);
    byDataset.set(run.config.dataset, group);
  }
  const ordered = new Map([...byDataset].sort(([a], [b]) => datasetIds.indexOf(a) - datasetIds.indexOf(b)));

  const datasets: DatasetReport[] = [...ordered].map(([dataset, group]) => {
    const ctx: SectionContext = { dataset, options: opts };
    return {
      dataset,
      title: `${datasetLabel(dataset)} (${plural(group.length, "run")})`,
      runIds: group.map((r) => r.id),
      sections: sectionBuilders
        .map((build) => build(group, ctx))
        .filter((s): s is ReportSection => s != null)
        .map((s) => markProvisional(s, group)),
    };
  });

  return {
    title: `Comparison of ${plural(runs.length, "run")}`,
    headline: describeLeaders(ordered, excluded.length),
    runCount: runs.length,
    datasets,
    caveats: detectCaveats(ordered, excluded, opts),
    excluded,
    options: opts,
  };
}

/** Sections that draw conclusions across runs; ranking and dynamics already label each run's state. */
const conclusionSections = new Set(["init", "strategies", "efficiency", "transfer", "skips"]);

/** A conclusion resting on an unfinished run says so in its headline: that run's numbers may still rise. */
function markProvisional(section: ReportSection, runs: readonly RunSummary[]): ReportSection {
  if (!conclusionSections.has(section.id)) return section;
  const used = new Set(section.findings.flatMap((f) => f.runIds));
  const partial = runs.filter((r) => !r.complete && used.has(r.id));
  if (partial.length === 0) return section;
  const list = joinList(partial.map((r) => `"${r.name}"`));
  return {
    ...section,
    headline: `${section.headline} Provisional: it rests in part on ${partial.length === 1 ? "an unfinished run" : `${partial.length} unfinished runs`}, ${list}.`,
  };
}

function describeLeaders(byDataset: ReadonlyMap<DatasetId, RunSummary[]>, excludedCount: number): string {
  if (byDataset.size === 0) {
    return excludedCount === 0
      ? "No runs to compare."
      : `No run has reported an epoch yet, so there is nothing to compare (${plural(excludedCount, "run")} waiting).`;
  }
  const parts = [...byDataset].map(([dataset, group]) => {
    const best = Math.max(...group.map((r) => r.bestValAcc));
    const leaders = group.filter((r) => r.bestValAcc === best);
    const data = datasetLabel(dataset);
    if (group.length === 1) return `On ${data}, ${runLabel(leaders[0]!)} reaches ${formatPct(best)} best val acc.`;
    const who =
      leaders.length === 1
        ? `${runLabel(leaders[0]!)} leads`
        : `${joinList(leaders.map(runLabel))} tie for the lead of`;
    return `On ${data}, ${who} ${group.length} runs with ${formatPct(best)} best val acc.`;
  });
  return parts.join(" ");
}
