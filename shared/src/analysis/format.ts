import type { DatasetId } from "../run-config";
import type { ReportCell } from "./types";

// Number formats shared by the sentences and the tables, so a figure reads the same everywhere.

const MINUS = "\u2212";

/** 0.7071 → "70.71 %" */
export function formatPct(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

/** A difference of accuracies in percentage points, always signed: 0.6651 → "+66.51 pts". */
export function formatPts(delta: number): string {
  const abs = Math.abs(delta * 100).toFixed(2);
  if (abs === "0.00") return "±0.00 pts";
  return `${delta < 0 ? MINUS : "+"}${abs} pts`;
}

/** A relative change, signed: 15.836 → "+1583.6 %". */
export function formatRelative(ratio: number): string {
  const abs = Math.abs(ratio * 100).toFixed(1);
  if (abs === "0.0") return "±0.0 %";
  return `${ratio < 0 ? MINUS : "+"}${abs} %`;
}

/** Efficiency is printed as the study printed it: four decimals. */
export function formatEfficiency(score: number): string {
  return score.toFixed(4);
}

/** 204900 → "204,900" (no locale dependence). */
export function formatInt(n: number): string {
  const sign = n < 0 ? MINUS : "";
  return (
    sign +
    Math.round(Math.abs(n))
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  );
}

/** A signed count: −526,336 / +0. */
export function formatSignedInt(n: number): string {
  return n > 0 ? `+${formatInt(n)}` : n === 0 ? "±0" : formatInt(n);
}

/** 14985226 → "14.99 M"; below a million keep four significant digits: 204900 → "0.2049 M". */
export function formatMillions(n: number): string {
  const m = n / 1e6;
  return `${Math.abs(m) >= 1 ? m.toFixed(2) : Number(m.toPrecision(4)).toString()} M`;
}

/** 0.001 → "1e-3", 0.00025 → "2.5e-4" */
export function formatLr(lr: number): string {
  return lr.toExponential().replace("e+0", "").replace("e+", "e");
}

/** 23113000000 → "23.11 G" */
export function formatGiga(n: number): string {
  return `${(n / 1e9).toFixed(2)} G`;
}

export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function datasetLabel(dataset: DatasetId): string {
  const labels: Record<DatasetId, string> = {
    cifar10: "CIFAR-10",
    cifar100: "CIFAR-100",
    "synthetic-cifar10": "Synthetic CIFAR-10",
    "synthetic-cifar100": "Synthetic CIFAR-100",
  };
  return labels[dataset];
}

/** "a", "a and b", "a, b and c" */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function cell(text: string, value: ReportCell["value"]): ReportCell {
  return { text, value };
}

/** A table cell for a number that may be missing: shows "—". */
export function numCell(value: number | null | undefined, format: (n: number) => string): ReportCell {
  return value == null ? { text: "—", value: null } : { text: format(value), value };
}

/** An unsigned distance in percentage points: "7.69 pts". */
export function formatPtsAbs(delta: number): string {
  return `${Math.abs(delta * 100).toFixed(2)} pts`;
}
