import type { FreezeMode } from "../../run-config";
import { freezeModes } from "../../run-config";
import { type Cohort, cohortAcc, cohortIds, configKey, groupBy, makeCohort, runLabel } from "../cohorts";
import {
  cell,
  formatPct,
  formatPts,
  formatPtsAbs,
  formatRatio,
  formatRelative,
  joinList,
  numCell,
  plural,
} from "../format";
import type { RunSummary } from "../stats";
import type { Finding, ReportSection } from "../types";
import { type SectionContext, signOf } from "./context";

/** A pretrained and a random cohort whose configs are otherwise equal (seed aside). */
export interface InitPair {
  freezeMode: FreezeMode;
  pretrained: Cohort;
  random: Cohort;
  /** pretrained − random, in accuracy (0.6651 = 66.51 points) */
  absoluteGain: number;
  /** absoluteGain ÷ random; null when random is 0 */
  relativeGain: number | null;
}

export function findInitPairs(runs: readonly RunSummary[]): InitPair[] {
  const groups = groupBy(runs, (r) => configKey(r.config, ["init", "pretrainedWeights", "seed"]));
  const pairs: InitPair[] = [];
  for (const group of groups.values()) {
    const pre = group.filter((r) => r.config.init === "pretrained");
    const rnd = group.filter((r) => r.config.init === "random");
    if (pre.length === 0 || rnd.length === 0) continue;
    const pretrained = makeCohort(pre);
    const random = makeCohort(rnd);
    const absoluteGain = pretrained.meanBest - random.meanBest;
    pairs.push({
      freezeMode: group[0]!.config.freezeMode,
      pretrained,
      random,
      absoluteGain,
      relativeGain: random.meanBest > 0 ? absoluteGain / random.meanBest : null,
    });
  }
  return pairs.sort((a, b) => freezeModes.indexOf(a.freezeMode) - freezeModes.indexOf(b.freezeMode));
}

function describePair(p: InitPair, noiseFloor: number): string {
  const rel =
    p.relativeGain == null
      ? ""
      : `, ${formatRelative(p.relativeGain)} relative, ${formatRatio(p.pretrained.meanBest / p.random.meanBest)} the random accuracy`;
  const values = `pretrained ${cohortAcc(p.pretrained)} vs random ${cohortAcc(p.random)}`;
  switch (signOf(p.absoluteGain, noiseFloor)) {
    case 1:
      return `${p.freezeMode}: pretrained weights win, ${values} (${formatPts(p.absoluteGain)}${rel}).`;
    case -1:
      return `${p.freezeMode}: random initialisation beats pretrained weights, ${values} (${formatPts(p.absoluteGain)}${rel}).`;
    default:
      return `${p.freezeMode}: pretrained and random are about equal, ${values} (${formatPts(p.absoluteGain)}).`;
  }
}

function describeRange(pairs: InitPair[]): string {
  const gaps = pairs.map((p) => Math.abs(p.absoluteGain));
  const lo = Math.min(...gaps);
  const hi = Math.max(...gaps);
  return pairs.length === 1 || lo === hi ? `by ${formatPtsAbs(hi)}` : `by ${formatPtsAbs(lo)} to ${formatPtsAbs(hi)}`;
}

/** Pretrained vs random, pairwise per freeze mode: the study's "pretrained-vs-random gains". */
export function buildInitSection(runs: readonly RunSummary[], { options }: SectionContext): ReportSection | null {
  const inits = new Set(runs.map((r) => r.config.init));
  if (inits.size < 2) return null;
  const pairs = findInitPairs(runs);
  const title = "Pretrained vs random initialisation";

  if (pairs.length === 0) {
    return {
      id: "init",
      title,
      headline:
        "Both inits are present, but no pretrained run shares its config with a random one (seed aside), so init is not compared pairwise.",
      findings: [
        {
          id: "init.unpaired",
          text: `To compare, add the other init for ${joinList(runs.map(runLabel))} with everything else equal.`,
          numbers: {},
          runIds: runs.map((r) => r.id),
        },
      ],
      tables: [],
    };
  }

  const wins = pairs.filter((p) => signOf(p.absoluteGain, options.noiseFloor) === 1);
  const losses = pairs.filter((p) => signOf(p.absoluteGain, options.noiseFloor) === -1);
  const ties = pairs.filter((p) => signOf(p.absoluteGain, options.noiseFloor) === 0);
  const modes = (ps: InitPair[]) => joinList(ps.map((p) => p.freezeMode));
  let headline: string;
  if (wins.length === pairs.length) {
    headline = `Pretrained weights beat random initialisation in ${pairs.length === 1 ? "the one freeze mode" : `all ${pairs.length} freeze modes`} compared (${modes(pairs)}), ${describeRange(pairs)}.`;
  } else if (losses.length === pairs.length) {
    headline = `Random initialisation beats pretrained weights in ${pairs.length === 1 ? "the one freeze mode" : `all ${pairs.length} freeze modes`} compared (${modes(pairs)}), ${describeRange(pairs)}: the ImageNet weights do not help here.`;
  } else if (ties.length === pairs.length) {
    headline = `Pretrained and random initialisation end about equal in ${plural(pairs.length, "freeze mode")} (${modes(pairs)}): differences under ${formatPtsAbs(options.noiseFloor)}.`;
  } else {
    const parts = [
      wins.length > 0 ? `pretrained wins in ${modes(wins)}` : null,
      losses.length > 0 ? `random wins in ${modes(losses)}` : null,
      ties.length > 0 ? `they are about equal in ${modes(ties)}` : null,
    ].filter((p): p is string => p != null);
    headline = `Mixed result: ${joinList(parts)}.`;
  }

  const findings: Finding[] = pairs.map((p, i) => ({
    id: `init-gain.${p.freezeMode}${pairs.findIndex((q) => q.freezeMode === p.freezeMode) === i ? "" : `.${i}`}`,
    text: describePair(p, options.noiseFloor),
    numbers: {
      pretrainedBest: p.pretrained.meanBest,
      randomBest: p.random.meanBest,
      absoluteGain: p.absoluteGain,
      relativeGain: p.relativeGain,
    },
    runIds: cohortIds(p.pretrained, p.random),
  }));

  return {
    id: "init",
    title,
    headline,
    findings,
    tables: [
      {
        id: "init-pairs",
        title: "Pretrained vs random, otherwise-equal configs",
        columns: [
          { key: "freezeMode", label: "Trained", numeric: false },
          { key: "pretrained", label: "Pretrained", numeric: true },
          { key: "random", label: "Random", numeric: true },
          { key: "absoluteGain", label: "Gain", numeric: true },
          { key: "relativeGain", label: "Relative gain", numeric: true },
        ],
        rows: pairs.map((p) => ({
          runId: null,
          cells: [
            cell(p.freezeMode, p.freezeMode),
            numCell(p.pretrained.meanBest, formatPct),
            numCell(p.random.meanBest, formatPct),
            numCell(p.absoluteGain, formatPts),
            numCell(p.relativeGain, formatRelative),
          ],
        })),
      },
    ],
  };
}
