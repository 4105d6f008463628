import type { DatasetId } from "../../run-config";
import { formatPct, formatPts, formatPtsAbs } from "../format";
import type { ReportOptions } from "../types";

export interface SectionContext {
  dataset: DatasetId;
  options: ReportOptions;
}

/**
 * "A beats B by 7.69 pts (78.40 % vs 70.71 %)", "A trails B by …" or "A and B are about equal (…)":
 * differences below the noise floor are not called wins.
 */
export function compareAcc(aName: string, a: number, bName: string, b: number, noiseFloor: number): string {
  const d = a - b;
  const values = `(${formatPct(a)} vs ${formatPct(b)})`;
  if (Math.abs(d) < noiseFloor) return `${aName} and ${bName} are about equal ${values}, ${formatPts(d)}`;
  return `${aName} ${d > 0 ? "beats" : "trails"} ${bName} by ${formatPtsAbs(Math.abs(d))} ${values}`;
}

export function signOf(delta: number, noiseFloor: number): 1 | 0 | -1 {
  return delta >= noiseFloor ? 1 : delta <= -noiseFloor ? -1 : 0;
}
