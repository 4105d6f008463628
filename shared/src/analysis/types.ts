import { z } from "zod";
import { datasetSchema } from "../run-config";
import { runStatusSchema } from "../run-status";

// The comparison report as data. The web renders it as a page, `renderReportMarkdown` as Markdown:
// both show the same sentences and tables, and every finding keeps the numbers it was computed from.
// Schemas (not just types) so a stored share snapshot can be validated when it is read back.

export const reportOptionsSchema = z.object({
  /** Accuracy differences below this (absolute, 0.01 = 1 point) are called "about equal". */
  noiseFloor: z.number().min(0).max(1),
  /** The trade-off pick considers runs within this many points (absolute) of the best accuracy. */
  tradeOffTolerance: z.number().min(0).max(1),
  /** Convergence: first epoch reaching this fraction of the run's best val acc. */
  convergenceFraction: z.number().gt(0).max(1),
  /** Runs with fewer epochs than this are flagged as too short to judge. */
  minEpochs: z.number().int().min(1),
});
export type ReportOptions = z.infer<typeof reportOptionsSchema>;

export const defaultReportOptions: ReportOptions = {
  noiseFloor: 0.01,
  tradeOffTolerance: 0.02,
  convergenceFraction: 0.95,
  minEpochs: 5,
};

export const findingSchema = z.object({
  /** Stable kind of finding, e.g. `init-gain.head_only`, for tests and page anchors. */
  id: z.string(),
  text: z.string(),
  /** The inputs and results behind the sentence (accuracies as fractions, params as counts). */
  numbers: z.record(z.string(), z.number().nullable()),
  runIds: z.array(z.string()),
});
export type Finding = z.infer<typeof findingSchema>;

export const caveatSchema = findingSchema.extend({
  severity: z.enum(["warning", "info"]),
  /** null when it concerns the comparison as a whole. */
  dataset: datasetSchema.nullable(),
});
export type Caveat = z.infer<typeof caveatSchema>;

export const reportCellSchema = z.object({
  /** What Markdown shows. */
  text: z.string(),
  /** The raw value, for sorting and charts. */
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
});
export type ReportCell = z.infer<typeof reportCellSchema>;

export const reportTableSchema = z.object({
  id: z.string(),
  title: z.string(),
  columns: z.array(z.object({ key: z.string(), label: z.string(), numeric: z.boolean() })),
  rows: z.array(z.object({ runId: z.string().nullable(), cells: z.array(reportCellSchema) })),
});
export type ReportTable = z.infer<typeof reportTableSchema>;

export const sectionIds = ["ranking", "init", "strategies", "efficiency", "transfer", "skips", "dynamics"] as const;
export const sectionIdSchema = z.enum(sectionIds);
export type SectionId = z.infer<typeof sectionIdSchema>;

export const reportSectionSchema = z.object({
  id: sectionIdSchema,
  title: z.string(),
  headline: z.string(),
  findings: z.array(findingSchema),
  tables: z.array(reportTableSchema),
});
export type ReportSection = z.infer<typeof reportSectionSchema>;

export const datasetReportSchema = z.object({
  dataset: datasetSchema,
  title: z.string(),
  runIds: z.array(z.string()),
  sections: z.array(reportSectionSchema),
});
export type DatasetReport = z.infer<typeof datasetReportSchema>;

export const excludedRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: runStatusSchema,
  reason: z.string(),
});
export type ExcludedRun = z.infer<typeof excludedRunSchema>;

export const comparisonReportSchema = z.object({
  title: z.string(),
  /** One sentence per dataset: its best run. */
  headline: z.string(),
  /** Runs passed in, including excluded ones. */
  runCount: z.number().int().min(0),
  /** Runs are only compared within their dataset. */
  datasets: z.array(datasetReportSchema),
  caveats: z.array(caveatSchema),
  excluded: z.array(excludedRunSchema),
  options: reportOptionsSchema,
});
export type ComparisonReport = z.infer<typeof comparisonReportSchema>;
