import { type FreezeMode, freezeModes } from "../../run-config";
import { buildStrategyGrids, cohortIds, type StrategyGrid } from "../cohorts";
import { datasetLabel, formatPct, formatPts, formatPtsAbs } from "../format";
import type { RunSummary } from "../stats";
import type { Finding, ReportSection } from "../types";
import { type SectionContext, signOf } from "./context";

/**
 * Which layers transfer, reasoned from the study's 2 × 3 grid:
 * head_only → final_block is the effect of training layer4, final_block → full that of training
 * conv1–layer3; the same steps under random init show what those layers must learn from scratch.
 */
interface Grid {
  p: Partial<Record<FreezeMode, number>>;
  r: Partial<Record<FreezeMode, number>>;
  epochs: number;
  runIds: string[];
}

function toGrid(g: StrategyGrid): Grid {
  const pick = (init: "pretrained" | "random") =>
    Object.fromEntries(freezeModes.flatMap((m) => (g.cells[init][m] ? [[m, g.cells[init][m].meanBest]] : [])));
  return {
    p: pick("pretrained"),
    r: pick("random"),
    epochs: g.runs[0]!.config.epochs,
    runIds: cohortIds(...freezeModes.flatMap((m) => [g.cells.pretrained[m], g.cells.random[m]])),
  };
}

const step = (a: number | undefined, b: number | undefined) => (a != null && b != null ? b - a : null);
/** "adds 7.69 pts", "costs 3.00 pts" or "changes accuracy by +0.20 pts" (below the noise floor). */
const movesBy = (d: number, n: number) =>
  ({ 1: `adds ${formatPtsAbs(d)}`, 0: `changes accuracy by ${formatPts(d)}`, [-1]: `costs ${formatPtsAbs(d)}` })[
    signOf(d, n)
  ];

function reason(g: Grid, data: string, n: number): { verdict: string | null; findings: Omit<Finding, "runIds">[] } {
  const { p, r } = g;
  const frozen = step(r.head_only, p.head_only);
  const dP1 = step(p.head_only, p.final_block);
  const dR1 = step(r.head_only, r.final_block);
  const dP2 = step(p.final_block, p.full);
  const dR2 = step(r.final_block, r.full);
  const findings: Omit<Finding, "runIds">[] = [];

  if (frozen != null) {
    const vs = `${formatPct(p.head_only!)} vs ${formatPct(r.head_only!)}, ${formatPts(frozen)}`;
    const text = {
      1: `With only the head trained, frozen ImageNet features beat frozen random ones (${vs}): the pretrained conv1–layer4 features transfer to ${data}.`,
      0: `With only the head trained, frozen ImageNet features do no better than frozen random ones (${vs}): they give the head nothing usable on ${data}.`,
      [-1]: `With only the head trained, frozen random features beat frozen ImageNet ones (${vs}): the pretrained features fit ${data} poorly.`,
    }[signOf(frozen, n)];
    findings.push({
      id: "transfer.frozen-features",
      text,
      numbers: { pretrainedHeadOnly: p.head_only!, randomHeadOnly: r.head_only!, gap: frozen },
    });
  }

  if (dP1 != null || dR1 != null) {
    let text: string;
    if (dP1 != null && dR1 != null) {
      const both = `pretrained ${formatPts(dP1)}, random ${formatPts(dR1)}`;
      text = {
        1: `Training layer4 helps pretrained more than random (${both}): ImageNet's layer4 adapts from a good start, while random layers cannot catch up in ${g.epochs} epochs.`,
        0: `Training layer4 helps both inits about equally (${both}).`,
        [-1]:
          frozen != null && frozen < n
            ? `Training layer4 helps random init more than pretrained (${both}): the ImageNet layers below give layer4 no head start here.`
            : `Training layer4 helps random init more than pretrained (${both}): with ImageNet weights, the layers below already supply what layer4 must otherwise learn, so the transferable features sit in the earlier layers.`,
      }[signOf(dP1 - dR1, n)];
    } else if (dP1 != null) {
      text = `On top of frozen pretrained conv1–layer3, training layer4 ${movesBy(dP1, n)} (${formatPct(p.head_only!)} → ${formatPct(p.final_block!)}).`;
    } else {
      text = `From random init, training layer4 ${movesBy(dR1!, n)} (${formatPct(r.head_only!)} → ${formatPct(r.final_block!)}).`;
    }
    findings.push({ id: "transfer.layer4", text, numbers: { pretrainedGain: dP1, randomGain: dR1 } });
  }

  if (dP2 != null || dR2 != null) {
    const parts: string[] = [];
    if (dP2 != null) {
      const meaning = {
        1: `the early layers still gain from adapting to ${data}`,
        0: "the early layers transfer as they are",
        [-1]: "updating the early layers hurts: fine-tuning them erodes what they brought",
      }[signOf(dP2, n)];
      parts.push(
        `From pretrained weights, also training conv1–layer3 (full vs final_block) ${movesBy(dP2, n)} (${formatPct(p.final_block!)} → ${formatPct(p.full!)}): ${meaning}.`,
      );
    }
    if (dR2 != null) parts.push(`From random init the same step ${movesBy(dR2, n)}.`);
    findings.push({
      id: "transfer.early-layers",
      text: parts.join(" "),
      numbers: { pretrainedGain: dP2, randomGain: dR2 },
    });
  }

  const bestRandom = (["full", "final_block"] as const).find((m) => r[m] != null);
  if (bestRandom && p.head_only != null) {
    const d = r[bestRandom]! - p.head_only;
    const what = bestRandom === "full" ? "every layer" : "layer4";
    const text = {
      1: `A random backbone with ${what} trained (${formatPct(r[bestRandom]!)}) beats the frozen pretrained backbone (${formatPct(p.head_only)}) by ${formatPtsAbs(d)}: features learned on ${data} itself outweigh ImageNet's.`,
      0: `A random backbone with ${what} trained (${formatPct(r[bestRandom]!)}) only matches the frozen pretrained backbone (${formatPct(p.head_only)}).`,
      [-1]: `A random backbone with ${what} trained (${formatPct(r[bestRandom]!)}) still trails the frozen pretrained backbone (${formatPct(p.head_only)}) by ${formatPtsAbs(d)}: ${g.epochs} epochs of learning from scratch do not replace the pretrained layers.`,
    }[signOf(d, n)];
    findings.push({
      id: "transfer.random-vs-frozen",
      text,
      numbers: { randomTrained: r[bestRandom]!, pretrainedFrozen: p.head_only, gap: d },
    });
  }

  let verdict: string | null = null;
  if (frozen != null && frozen < n) {
    verdict = `The ImageNet features do not transfer to ${data} here: frozen, they score ${formatPct(p.head_only!)} against ${formatPct(r.head_only!)} for random features.`;
  } else if (dP1 != null && dP1 >= n) {
    verdict =
      dP2 == null
        ? `The top block, layer4, is task-specific: retraining it adds ${formatPtsAbs(dP1)} on top of frozen pretrained conv1–layer3${frozen != null ? `, whose frozen features already beat random ones by ${formatPtsAbs(frozen)}` : ""}.`
        : dP2 >= n
          ? `Transfer fades with depth but no stage is fully general for ${data}: retraining layer4 adds ${formatPtsAbs(dP1)}, fine-tuning conv1–layer3 a further ${formatPtsAbs(dP2)}.`
          : `The early layers (conv1–layer3) transfer as they are (fine-tuning them ${movesBy(dP2, n)}), while layer4 is task-specific: retraining it adds ${formatPtsAbs(dP1)}.`;
  } else if (dP1 != null) {
    verdict =
      dP2 != null && dP2 >= n
        ? `The top block, layer4, transfers as it is (retraining it ${movesBy(dP1, n)}), yet fine-tuning every layer adds ${formatPtsAbs(dP2)}: the early layers need adapting to ${data}.`
        : `The whole pretrained backbone transfers as it is: retraining layer4 ${movesBy(dP1, n)}${dP2 != null ? `; training every layer as well ${movesBy(dP2, n)}` : ""}.`;
  } else if (frozen != null) {
    verdict = `The frozen ImageNet backbone transfers to ${data}: with only the head trained it beats random features by ${formatPtsAbs(frozen)}. A pretrained final_block run would show whether layer4 is task-specific.`;
  }
  return { verdict, findings };
}

function describeCells(g: Grid): string {
  const cells = [...Object.keys(g.p).map((m) => `pretrained ${m}`), ...Object.keys(g.r).map((m) => `random ${m}`)];
  return cells.join(", ");
}

export function buildTransferSection(
  runs: readonly RunSummary[],
  { dataset, options }: SectionContext,
): ReportSection | null {
  const data = datasetLabel(dataset);
  const grids = buildStrategyGrids(runs)
    .map((g) => ({ g: toGrid(g), ...reason(toGrid(g), data, options.noiseFloor) }))
    .filter((x) => x.findings.length > 0)
    .sort((a, b) => b.g.runIds.length - a.g.runIds.length);
  const main = grids[0];
  if (!main) return null;
  const findings = grids.flatMap((x, i) =>
    x.findings.map((f) => ({ ...f, id: grids.length > 1 ? `${f.id}.${i}` : f.id, runIds: x.g.runIds })),
  );
  return {
    id: "transfer",
    title: "Which layers transfer",
    headline:
      main.verdict ??
      `The grid has only ${describeCells(main.g)}: judging which layers transfer needs pretrained head_only next to random head_only or pretrained final_block.`,
    findings,
    tables: [],
  };
}
