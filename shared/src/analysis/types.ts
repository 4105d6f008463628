import type { DatasetId } from "../run-config";
import type { RunStatus } from "../run-status";

/**
 * The comparison report as data. The web renders it as a page, `renderReportMarkdown` as Markdown:
 * both show the same sentences and tables, and every finding keeps the numbers it was computed from.
 */
export interface ComparisonReport {
  title: string;
  /** One or two sentences: the best run of each dataset. */
  headline: string;
  /** Runs passed in, including excluded ones. */
  runCount: number;
  /** Runs are only compared within their dataset. */
  datasets: DatasetReport[];
  caveats: Caveat[];
  excluded: ExcludedRun[];
  options: ReportOptions;
}

export interface DatasetReport {
  dataset: DatasetId;
  title: string;
  runIds: string[];
  sections: ReportSection[];
}

export const sectionIds = ["ranking", "init", "strategies", "efficiency", "dynamics", "skips", "transfer"] as const;
export type SectionId = (typeof sectionIds)[number];

export interface ReportSection {
  id: SectionId;
  title: string;
  headline: string;
  findings: Finding[];
  tables: ReportTable[];
}

export interface Finding {
  /** Stable kind of finding, e.g. `init-gain.head_only`, for tests and page anchors. */
  id: string;
  text: string;
  /** The inputs and results behind the sentence (accuracies as fractions, params as counts). */
  numbers: Record<string, number | null>;
  runIds: string[];
}

export interface Caveat extends Finding {
  severity: "warning" | "info";
  /** null when it concerns the comparison as a whole. */
  dataset: DatasetId | null;
}

export type CellValue = number | string | boolean | null;
export interface ReportCell {
  text: string;
  /** The raw value, for sorting and charts; `text` is what Markdown shows. */
  value: CellValue;
}
export interface ReportColumn {
  key: string;
  label: string;
  numeric: boolean;
}
export interface ReportTable {
  id: string;
  title: string;
  columns: ReportColumn[];
  rows: { runId: string | null; cells: ReportCell[] }[];
}

export interface ExcludedRun {
  id: string;
  name: string;
  status: RunStatus;
  reason: string;
}

export interface ReportOptions {
  /** Accuracy differences below this (absolute, 0.01 = 1 point) are called "about equal". */
  noiseFloor: number;
  /** The trade-off pick considers runs within this many points (absolute) of the best accuracy. */
  tradeOffTolerance: number;
  /** Convergence: first epoch reaching this fraction of the run's best val acc. */
  convergenceFraction: number;
  /** Runs with fewer epochs than this are flagged as too short to judge. */
  minEpochs: number;
}

export const defaultReportOptions: ReportOptions = {
  noiseFloor: 0.01,
  tradeOffTolerance: 0.02,
  convergenceFraction: 0.95,
  minEpochs: 5,
};
