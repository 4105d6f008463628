// Pure pieces of the compare page: the summary table, the config diff, the chart series and the
// exports. Shared by the signed-in compare page and the public share page.
import {
  type ComparisonInput,
  type ComparisonRun,
  defaultReportOptions,
  runConfigSchema,
  smoothEma,
  summarizeRun,
} from "@ai623/shared";
import { configValue } from "./format";

/** Ten colours that stay apart on white and on slate-950. */
export const runColours = [
  "#4f46e5",
  "#f59e0b",
  "#10b981",
  "#ef4444",
  "#0ea5e9",
  "#a855f7",
  "#84cc16",
  "#ec4899",
  "#14b8a6",
  "#f97316",
];
export const colourOf = (index: number) => runColours[index % runColours.length] as string;

export interface SummaryRow {
  id: string;
  name: string;
  status: ComparisonRun["status"];
  epochs: number;
  bestValAcc: number | null;
  bestEpoch: number | null;
  finalValAcc: number | null;
  finalTrainAcc: number | null;
  totalParams: number | null;
  trainableParams: number | null;
  /** trainable ÷ total */
  trainableShare: number | null;
  flops: number | null;
  wallSeconds: number | null;
  imagesPerSec: number | null;
  /** the study's score: best val acc ÷ trainable params in millions */
  efficiency: number | null;
  /** forward FLOPs per image × images processed (Σ images/s × epoch seconds): machine-independent compute */
  computeFlops: number | null;
}

export function summaryRows(runs: ComparisonInput): SummaryRow[] {
  return runs.map((run) => {
    const s = summarizeRun(run, defaultReportOptions.convergenceFraction);
    const total = run.analysis?.totalParams ?? null;
    const trainable = run.analysis?.trainableParams ?? null;
    const images = run.metrics.reduce((n, m) => n + m.imagesPerSec * m.epochSeconds, 0);
    return {
      id: run.id,
      name: run.name,
      status: run.status,
      epochs: run.metrics.length,
      bestValAcc: s?.bestValAcc ?? null,
      bestEpoch: s?.bestEpoch ?? null,
      finalValAcc: s?.finalValAcc ?? null,
      finalTrainAcc: s?.finalTrainAcc ?? null,
      totalParams: total,
      trainableParams: trainable,
      trainableShare: total && trainable !== null ? trainable / total : null,
      flops: run.analysis?.flops ?? null,
      wallSeconds: s?.wallSeconds ?? null,
      imagesPerSec: s?.meanImagesPerSec ?? null,
      efficiency: s?.efficiency ?? null,
      computeFlops: run.analysis && images > 0 ? run.analysis.flops * images : null,
    };
  });
}

export interface ConfigDiffRow {
  field: string;
  /** One per run, in the runs' order. */
  values: string[];
}

/** Only the config fields whose values are not all equal, in the schema's order. */
export function configDiff(runs: ComparisonInput): ConfigDiffRow[] {
  const fields = Object.keys(runConfigSchema.shape) as (keyof ComparisonRun["config"])[];
  return fields
    .map((field) => ({ field, values: runs.map((r) => configValue(field, r.config[field])) }))
    .filter((row) => new Set(row.values).size > 1);
}

export const curveMetrics = {
  valAcc: { label: "Validation accuracy", percent: true },
  trainAcc: { label: "Training accuracy", percent: true },
  valLoss: { label: "Validation loss", percent: false },
  trainLoss: { label: "Training loss", percent: false },
} as const;
export type CurveMetric = keyof typeof curveMetrics;

/** A run's curve, raw and EMA-smoothed with `weight` (0 = raw only). */
export function curve(run: ComparisonRun, metric: CurveMetric, weight: number) {
  const rows = [...run.metrics].sort((a, b) => a.epoch - b.epoch);
  const raw = rows.map((m) => ({ x: m.epoch, y: m[metric] }));
  const smooth = smoothEma(
    raw.map((p) => p.y),
    weight,
  ).map((y, i) => ({ x: raw[i]!.x, y }));
  return { raw, smooth };
}

const csvCell = (v: string | number | null) => {
  const text = v === null ? "" : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const metricColumns = [
  "epoch",
  "trainLoss",
  "trainAcc",
  "valLoss",
  "valAcc",
  "lr",
  "epochSeconds",
  "imagesPerSec",
  "peakMemoryMb",
] as const;

/** Every epoch of every run, one row each: what a spreadsheet or pandas wants. */
export function metricsCsv(runs: ComparisonInput): string {
  const header = ["runId", "runName", ...metricColumns].join(",");
  const lines = runs.flatMap((run) =>
    [...run.metrics]
      .sort((a, b) => a.epoch - b.epoch)
      .map((m) => [run.id, run.name, ...metricColumns.map((c) => m[c])].map(csvCell).join(",")),
  );
  return `${[header, ...lines].join("\n")}\n`;
}

/** The runs with their config, analysis and epochs, as JSON. */
export function metricsJson(runs: ComparisonInput): string {
  return `${JSON.stringify(
    runs.map(({ id, name, status, config, analysis, metrics }) => ({ id, name, status, config, analysis, metrics })),
    null,
    2,
  )}\n`;
}

/** A file name from a title: "Pretrained vs random" → "pretrained-vs-random". */
export function fileStem(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "comparison"
  );
}

/** Tick values for a log axis over `values`: the powers of ten, with 2× and 5× when few decades are spanned. */
export function logTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return [];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  if (hi - lo > 3) return decades;
  return decades.flatMap((d) => [d, 2 * d, 5 * d]).filter((t) => t <= 10 ** hi);
}
