import type { EpochMetrics } from "../metrics";
import type { ModelAnalysisRecord } from "../model-analysis";
import type { MemoryPlan } from "../protocol";

export { makeMemoryPlan } from "../testing";

import { numClasses, parseRunConfig, type RunConfigInput } from "../run-config";
import type { RunStatus } from "../run-status";
import type { ComparisonRun } from "./input";

// Fixtures for the analysis tests: plausible runs built from a few headline numbers.

export interface CurveSpec {
  best: number;
  epochs: number;
  /** Epoch where val acc peaks (default: the last but one, or the last for short runs). */
  bestEpoch?: number;
  /** Final train acc − val acc. */
  finalGap?: number;
  /** Val acc lost per epoch after the peak. */
  decay?: number;
  epochSeconds?: number;
}

/** A rising val-acc curve that hits exactly `best` at `bestEpoch`, then slowly decays. */
export function makeCurve({
  best,
  epochs,
  bestEpoch,
  finalGap = 0.03,
  decay = 0.001,
  epochSeconds = 60,
}: CurveSpec): EpochMetrics[] {
  const peak = bestEpoch ?? Math.max(1, epochs - (epochs > 3 ? 1 : 0));
  return Array.from({ length: epochs }, (_, i) => {
    const epoch = i + 1;
    const valAcc =
      epoch <= peak
        ? peak === 1
          ? best
          : best * (1 - 0.35 * (1 - (epoch - 1) / (peak - 1)) ** 2)
        : best - decay * (epoch - peak);
    const trainAcc = Math.min(1, Math.max(0, valAcc + finalGap * (epoch / epochs)));
    return {
      epoch,
      trainLoss: -Math.log(Math.max(trainAcc, 0.01)),
      trainAcc,
      valLoss: -Math.log(Math.max(valAcc, 0.01)),
      valAcc,
      lr: 1e-3,
      epochSeconds,
      imagesPerSec: 50_000 / epochSeconds,
      peakMemoryMb: null,
    };
  });
}

/** Torchvision ResNet-152 counts (reference/tfjs/resnet.js): fc = 2048·k + k. */
const totals = { 10: 58_164_298, 100: 58_348_708 } as const;
const trainable = {
  10: { head_only: 20_490, final_block: 14_985_226, full: 58_164_298 },
  100: { head_only: 204_900, final_block: 15_169_636, full: 58_348_708 },
} as const;
/** layer3.0's projection (1×1 conv 512→1024 + BN), unused once that block's skip is off. */
export const LAYER3_0_DOWNSAMPLE_PARAMS = 524_288 + 2_048;
export const BASE_MACS = 11_514_740_736;
export const BASE_FLOPS = 23_089_094_656;
/** The projection conv at 14×14 output: 1024·512·14·14 MACs. */
export const DOWNSAMPLE_MACS = 102_760_448;

export function makeAnalysis(config: ComparisonRun["config"]): ModelAnalysisRecord {
  const k = numClasses(config.dataset) as 10 | 100;
  const total = totals[k];
  const train = trainable[k][config.freezeMode];
  const skipsOff = config.disabledSkips.includes("layer3.0");
  return {
    arch: config.arch,
    numClasses: k,
    imageSize: config.imageSize,
    totalParams: total,
    trainableParams: train,
    frozenParams: total - train,
    sizeMb: (total * 4) / 2 ** 20,
    macs: skipsOff ? BASE_MACS - DOWNSAMPLE_MACS : BASE_MACS,
    flops: skipsOff ? BASE_FLOPS - 2 * DOWNSAMPLE_MACS : BASE_FLOPS,
    withUnusedRemoved:
      config.disabledSkips.length > 0
        ? {
            totalParams: total - (skipsOff ? LAYER3_0_DOWNSAMPLE_PARAMS : 0),
            frozenParams: total - train - (skipsOff ? LAYER3_0_DOWNSAMPLE_PARAMS : 0),
            sizeMb: ((total - (skipsOff ? LAYER3_0_DOWNSAMPLE_PARAMS : 0)) * 4) / 2 ** 20,
            unusedParams: skipsOff ? LAYER3_0_DOWNSAMPLE_PARAMS : 0,
          }
        : null,
  };
}

export interface RunSpec extends Partial<Omit<CurveSpec, "epochs">> {
  id: string;
  best: number;
  config: RunConfigInput;
  name?: string;
  status?: RunStatus;
  /** Epochs reported so far (default: all planned). */
  epochsDone?: number;
  withAnalysis?: boolean;
  prefixCached?: boolean;
  memoryPlan?: MemoryPlan;
}

export function makeRun(spec: RunSpec): ComparisonRun {
  const config = parseRunConfig(spec.config);
  // More trainable layers, slower epochs (a backward pass through them).
  const epochSeconds = { head_only: 60, final_block: 150, full: 400 }[config.freezeMode];
  const full = makeCurve({ epochSeconds, ...spec, epochs: config.epochs, best: spec.best });
  const metrics = spec.epochsDone == null ? full : full.slice(0, spec.epochsDone);
  return {
    id: spec.id,
    name: spec.name ?? spec.id,
    status: spec.status ?? "succeeded",
    config,
    analysis: spec.withAnalysis === false ? null : makeAnalysis(config),
    metrics,
    wallSeconds: null,
    prefixCached: spec.prefixCached ?? null,
    memoryPlan: spec.memoryPlan ?? null,
    error: null,
  };
}

const cifar100 = (init: "pretrained" | "random", freezeMode: "head_only" | "final_block" | "full") => ({
  dataset: "cifar100" as const,
  init,
  freezeMode,
  epochs: 30,
  imageSize: 224,
  ...(freezeMode === "full" ? { lr: 1e-4 } : {}),
});

/** The study's five published results (DESIGN.md), as runs with plausible curves. */
export function makeStudyRuns(): ComparisonRun[] {
  return [
    makeRun({
      id: "c10-baseline",
      name: "CIFAR-10 baseline",
      best: 0.857,
      config: { dataset: "cifar10", epochs: 10, imageSize: 224 },
    }),
    makeRun({
      id: "c10-skips",
      name: "CIFAR-10 skips off",
      best: 0.497,
      config: { dataset: "cifar10", epochs: 10, imageSize: 224, disabledSkips: ["layer3.0", "layer4.1"] },
    }),
    makeRun({
      id: "c100-pre-head",
      name: "pretrained head_only",
      best: 0.7071,
      config: cifar100("pretrained", "head_only"),
    }),
    makeRun({
      id: "c100-rnd-head",
      name: "random head_only",
      best: 0.042,
      config: cifar100("random", "head_only"),
      finalGap: 0.004,
    }),
    makeRun({
      id: "c100-rnd-final",
      name: "random final_block",
      best: 0.234,
      config: cifar100("random", "final_block"),
      finalGap: 0.25,
    }),
  ];
}

/** The full 2 × 3 CIFAR-100 grid from six best accuracies. */
export function makeGridRuns(best: {
  pretrained: Record<"head_only" | "final_block" | "full", number>;
  random: Record<"head_only" | "final_block" | "full", number>;
}): ComparisonRun[] {
  return (["pretrained", "random"] as const).flatMap((init) =>
    (["head_only", "final_block", "full"] as const).map((mode) =>
      makeRun({ id: `${init}-${mode}`, name: `${init} ${mode}`, best: best[init][mode], config: cifar100(init, mode) }),
    ),
  );
}
