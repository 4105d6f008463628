// One run, start to end: data → model (pretrained or seeded) → freeze rule → epochs of train steps
// and validation → metrics and a checkpoint at each epoch end. Stopped by a signal, it checkpoints
// where it is (inside an epoch if need be), so the next attempt loses no step. The agent loop (runner/agent-loop.ts)
// adds the server around it; tests call it directly with a tiny network and synthetic data.
import { type BackendId, type EpochMetrics, type MemoryPlan, numClasses, type RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import type { SyntheticSize } from "../data/load-dataset";
import { prepareRunData } from "../data/run-data";
import { AgentError } from "../errors";
import { applyFreeze, type FreezeSummary } from "../model/freeze";
import { ensurePretrainedWeights } from "../model/pretrained";
import { buildResNet, disposeResNet } from "../model/resnet";
import { loadWeightsFile } from "../model/weights";
import {
  type CheckpointInfo,
  type CheckpointPosition,
  describePosition,
  type PartialEpoch,
  readCheckpoint,
  writeCheckpoint,
} from "./checkpoint";
import { evaluate } from "./evaluate";
import {
  describeMemoryPlan,
  type MemoryBudget,
  memoryBudgetFor,
  planStepMemory,
  type StepMemoryPlan,
} from "./memory-plan";
import { type BatchSource, buildPrefixCache, type PrefixCache, planPrefixCache, type SplitModel } from "./prefix-cache";
import { createTrainStep } from "./train-step";

/** Test-only shrinking of the same code path: a tiny network, a small synthetic dataset. */
export interface ModelOverrides {
  blocks?: readonly number[];
  widths?: readonly number[];
  synthetic?: Partial<SyntheticSize>;
}

export type StopReason = "cancel" | "signal" | "lost" | "token";

export interface StepProgress {
  phase: "train" | "val";
  epoch: number;
  step: number;
  steps: number;
  /** running mean training loss of the epoch so far (train phase) */
  loss: number;
  imagesPerSec: number;
}

export interface TrainRunOptions {
  runId: string;
  config: RunConfig;
  cacheDir: string;
  dataDir?: string;
  /**
   * Continue from this checkpoint (must exist in cacheDir): after its epoch, or inside it after its
   * step. null/undefined = from epoch 1.
   */
  resumeFrom?: CheckpointPosition | null;
  /** Checkpoint every N epochs (the last epoch always); 0 = never. Default 1. */
  checkpointEvery?: number;
  /** Polled between steps; a reason stops the run within one step. */
  shouldStop?: () => StopReason | null;
  /** Called as soon as an epoch ends (after its checkpoint is on disk, if any). */
  onEpoch?: (metrics: EpochMetrics, checkpoint: CheckpointInfo | null) => Promise<void> | void;
  onStep?: (progress: StepProgress) => void;
  /** Once data, model and weights are ready, before the first step. */
  onReady?: (info: ReadyInfo) => Promise<void> | void;
  log?: (message: string) => void;
  overrides?: ModelOverrides;
  /** false forces the uncached path (tests compare both); default true = cache when allowed */
  prefixCache?: boolean;
  /** cache limit in MB; default AI623_PREFIX_CACHE_MB, else 4096 */
  prefixCacheLimitMb?: number;
  /** the memory the step must fit; default: the active TF.js backend's (memory-plan.ts) */
  memoryBudget?: MemoryBudget;
}

export interface ReadyInfo {
  stepsPerEpoch: number;
  valSteps: number;
  trainImages: number;
  valImages: number;
  freeze: FreezeSummary;
  weightsSha256: string | null;
  resumedFrom: CheckpointPosition | null;
  /** whether epochs train on cached frozen-prefix outputs, and why not */
  prefixCache: { cached: boolean; reason: string | null };
  /** micro-batches, recomputation and the estimated peak: how the step fits in memory */
  memoryPlan: MemoryPlan;
}

export interface TrainRunResult {
  outcome: "completed" | "stopped";
  stopReason: StopReason | null;
  /** last epoch fully trained and reported (0 if none) */
  lastEpoch: number;
  /** metrics of every epoch, the ones restored from a checkpoint included */
  history: EpochMetrics[];
  /** the newest checkpoint written by this call */
  lastCheckpoint: CheckpointInfo | null;
  /**
   * Written because a signal stopped the run where no checkpoint was: inside an epoch, or at the end
   * of one that `checkpointEvery` skipped. The caller reports it before handing the run back.
   */
  stopCheckpoint: CheckpointInfo | null;
}

class Stopped extends Error {
  constructor(
    readonly reason: StopReason,
    /** where the epoch stood; null when no training step of it had run */
    readonly partial: PartialEpoch | null,
  ) {
    super(`stopped: ${reason}`);
  }
}

/** Only a graceful stop hands the run to another attempt; cancel, lost and token end it here. */
const checkpointsOnStop = (reason: StopReason) => reason === "signal";

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * The pre-flight: how the run's step fits this backend's memory, decided from the config alone, so a
 * run that cannot fit fails (MEMORY_WONT_FIT, naming the fix) before any download or allocation.
 */
export function planRunMemory(
  config: RunConfig,
  budget: MemoryBudget,
  overrides?: ModelOverrides,
  cut: string | null = null,
): StepMemoryPlan {
  return planStepMemory(config, {
    numClasses: numClasses(config.dataset),
    budget,
    cut,
    ...(overrides?.blocks ? { blocks: overrides.blocks } : {}),
    ...(overrides?.widths ? { widths: overrides.widths } : {}),
  });
}

const stripInference = ({ inferenceBatchSize: _, ...plan }: StepMemoryPlan): MemoryPlan => plan;

export async function trainRun(opt: TrainRunOptions): Promise<TrainRunResult> {
  const { config } = opt;
  const log = opt.log ?? (() => undefined);
  const budget = opt.memoryBudget ?? memoryBudgetFor(tf.getBackend() as BackendId);
  let memory = planRunMemory(config, budget, opt.overrides);
  const { pipeline } = await prepareRunData(config, {
    cacheDir: opt.cacheDir,
    ...(opt.dataDir ? { dataDir: opt.dataDir } : {}),
    ...(opt.overrides?.synthetic ? { load: { synthetic: opt.overrides.synthetic } } : {}),
    log,
  });
  const net = buildResNet({
    arch: config.arch,
    numClasses: pipeline.numClasses,
    imageSize: config.imageSize,
    disabledSkips: config.disabledSkips,
    seed: config.seed,
    ...(opt.overrides?.blocks ? { blocks: opt.overrides.blocks } : {}),
    ...(opt.overrides?.widths ? { widths: opt.overrides.widths } : {}),
  });
  let step: ReturnType<typeof createTrainStep> | null = null;
  let cache: PrefixCache | null = null;
  let split: SplitModel | null = null;
  try {
    let weightsSha256: string | null = null;
    if (config.init === "pretrained") {
      const file = await ensurePretrainedWeights({ weights: config.pretrainedWeights, cacheDir: opt.cacheDir, log });
      await loadWeightsFile(net, file.path);
      weightsSha256 = file.sha256;
    }
    const freeze = applyFreeze(net, config.freezeMode, config.bnFrozen);
    const plan = planPrefixCache(net, config, pipeline, {
      ...(opt.prefixCache !== undefined ? { enabled: opt.prefixCache } : {}),
      ...(opt.prefixCacheLimitMb !== undefined ? { limitMb: opt.prefixCacheLimitMb } : {}),
      log,
    });
    const { decision } = plan;
    split = plan.split;
    // On cached prefix outputs the step trains only what follows the cut: it needs less.
    if (split) memory = planRunMemory(config, budget, opt.overrides, split.cut);
    log(describeMemoryPlan(memory));
    step = createTrainStep(net, config, {
      from: split?.cut ?? null,
      microBatchSize: memory.microBatchSize,
      recompute: memory.recompute,
    });
    let history: EpochMetrics[] = [];
    const resumeFrom = opt.resumeFrom ?? null;
    let partial: PartialEpoch | null = null;
    if (resumeFrom !== null) {
      const state = await readCheckpoint({ ...opt, ...resumeFrom, net, optimizer: step.optimizer });
      partial = state.partial ?? null;
      if (partial && partial.stepsPerEpoch !== pipeline.stepsPerEpoch) {
        throw new AgentError(
          "CHECKPOINT_INVALID",
          `Checkpoint ${describePosition(resumeFrom)} was taken with ${partial.stepsPerEpoch} steps per epoch, the data now gives ${pipeline.stepsPerEpoch}. Delete it to restart the run.`,
        );
      }
      history = state.history.slice(0, partial ? resumeFrom.epoch - 1 : resumeFrom.epoch);
      log(`Resuming ${describePosition(resumeFrom)} from its checkpoint`);
    }
    await opt.onReady?.({
      stepsPerEpoch: pipeline.stepsPerEpoch,
      valSteps: pipeline.valSteps,
      trainImages: pipeline.trainIndices.length,
      valImages: pipeline.valIndices.length,
      freeze,
      weightsSha256,
      resumedFrom: resumeFrom,
      prefixCache: { cached: decision.cached, reason: decision.cached ? null : decision.reason },
      memoryPlan: stripInference(memory),
    });
    // Rebuilt on every attempt (a resumed run too): the features are a pure function of the weights.
    if (split) {
      const built = await buildPrefixCache(
        net,
        pipeline,
        split,
        () => opt.shouldStop?.() ?? null,
        memory.inferenceBatchSize,
      );
      if ("stopped" in built) {
        // Nothing trained since the last checkpoint: the next attempt starts where this one did.
        const at = { lastEpoch: history.length, history, lastCheckpoint: null, stopCheckpoint: null };
        return { outcome: "stopped", stopReason: built.stopped, ...at };
      }
      cache = built;
      log(`Prefix cache built in ${cache.seconds.toFixed(1)} s`);
    }
    const source: BatchSource = cache ?? pipeline;
    const evalModel = split ? split.suffix : net.model;
    // The cache's build time belongs to the first epoch this attempt trains (fair epochSeconds).
    let setupSeconds = cache?.seconds ?? 0;
    let lastCheckpoint: CheckpointInfo | null = null;
    const every = opt.checkpointEvery ?? 1;
    const firstEpoch = resumeFrom === null ? 1 : partial ? resumeFrom.epoch : resumeFrom.epoch + 1;
    for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
      let metrics: EpochMetrics;
      try {
        metrics = await runEpoch(
          opt,
          { step, source, evalModel, setupSeconds, inferenceBatchSize: memory.inferenceBatchSize },
          epoch,
          partial,
        );
        setupSeconds = 0;
      } catch (e) {
        if (!(e instanceof Stopped)) throw e;
        let stopCheckpoint: CheckpointInfo | null = null;
        if (every > 0 && e.partial && checkpointsOnStop(e.reason)) {
          stopCheckpoint = await writeCheckpoint({
            ...opt,
            epoch,
            net,
            optimizer: step.optimizer,
            history,
            partial: e.partial,
          });
          lastCheckpoint = stopCheckpoint;
        }
        const stopped = { outcome: "stopped", stopReason: e.reason, lastEpoch: epoch - 1, history } as const;
        return { ...stopped, lastCheckpoint, stopCheckpoint };
      }
      partial = null;
      history = [...history, metrics];
      let checkpoint: CheckpointInfo | null = null;
      if (every > 0 && (epoch % every === 0 || epoch === config.epochs)) {
        checkpoint = await writeCheckpoint({ ...opt, epoch, net, optimizer: step.optimizer, history });
        lastCheckpoint = checkpoint;
      }
      await opt.onEpoch?.(metrics, checkpoint);
      const reason = opt.shouldStop?.() ?? null;
      if (reason && epoch < config.epochs) {
        let stopCheckpoint: CheckpointInfo | null = null;
        if (every > 0 && !checkpoint && checkpointsOnStop(reason)) {
          stopCheckpoint = await writeCheckpoint({ ...opt, epoch, net, optimizer: step.optimizer, history });
          lastCheckpoint = stopCheckpoint;
        }
        return { outcome: "stopped", stopReason: reason, lastEpoch: epoch, history, lastCheckpoint, stopCheckpoint };
      }
    }
    return {
      outcome: "completed",
      stopReason: null,
      lastEpoch: config.epochs,
      history,
      lastCheckpoint,
      stopCheckpoint: null,
    };
  } finally {
    step?.dispose();
    // The suffix re-applied the ResNet's layers (one more reference each): release it first.
    split?.suffix.dispose();
    disposeResNet(net);
  }
}

/** A run whose loss is NaN or infinite has diverged: no later step can recover it, so it fails now. */
function nonFiniteLoss(what: string, value: number, lastFinite: number | null): AgentError {
  const before =
    lastFinite === null
      ? "no finite loss before it in this epoch"
      : `the last finite training loss was ${lastFinite.toPrecision(4)}`;
  return new AgentError(
    "NON_FINITE_LOSS",
    `The ${what} is ${value} (${before}): training diverged. Lower the learning rate (or the weight decay) and launch it again.`,
  );
}

interface EpochTools {
  step: ReturnType<typeof createTrainStep>;
  /** image batches, or cached prefix outputs */
  source: BatchSource;
  evalModel: tf.LayersModel;
  /** prefix-cache build time to count in this epoch */
  setupSeconds: number;
  /** images per validation forward pass */
  inferenceBatchSize: number;
}

async function runEpoch(
  opt: TrainRunOptions,
  { step, source: pipeline, evalModel, setupSeconds, inferenceBatchSize }: EpochTools,
  epoch: number,
  resumed: PartialEpoch | null,
): Promise<EpochMetrics> {
  // Seconds of this epoch spent by an earlier attempt (mid-epoch resume) count towards its time.
  const priorSeconds = (resumed?.seconds ?? 0) + setupSeconds;
  const started = performance.now();
  const elapsed = () => priorSeconds + (performance.now() - started) / 1000;
  let seen = resumed?.seen ?? 0;
  let lossSum = resumed?.lossSum ?? 0;
  /** the last finite training loss of a step, for NON_FINITE_LOSS */
  let last: number | null = null;
  let hits = resumed?.hits ?? 0;
  let s = resumed?.step ?? 0;
  let trainSeconds: number | null = null;
  const partial = (): PartialEpoch | null =>
    s === 0
      ? null
      : {
          step: s,
          stepsPerEpoch: pipeline.stepsPerEpoch,
          seen,
          lossSum,
          hits,
          // stopped in validation: only the training time is kept; validation is redone
          seconds: trainSeconds ?? elapsed(),
        };
  const checkStop = () => {
    const reason = opt.shouldStop?.() ?? null;
    if (reason) throw new Stopped(reason, partial());
  };
  for await (const batch of pipeline.trainBatches(epoch, s)) {
    try {
      checkStop();
      const r = await step.run(batch.xs, batch.ys);
      if (!Number.isFinite(r.loss)) throw nonFiniteLoss(`training loss at epoch ${epoch}, step ${s + 1}`, r.loss, last);
      last = r.loss;
      seen += batch.size;
      lossSum += r.loss * batch.size;
      hits += Math.round(r.accuracy * batch.size);
    } finally {
      batch.dispose();
    }
    s++;
    const seconds = elapsed();
    opt.onStep?.({
      phase: "train",
      epoch,
      step: s,
      steps: pipeline.stepsPerEpoch,
      loss: lossSum / seen,
      imagesPerSec: seconds > 0 ? seen / seconds : 0,
    });
  }
  trainSeconds = elapsed();
  const val = await evaluate(opt, evalModel, pipeline, epoch, checkStop, inferenceBatchSize);
  if (!Number.isFinite(val.loss)) throw nonFiniteLoss(`validation loss after epoch ${epoch}`, val.loss, last);
  return {
    epoch,
    trainLoss: lossSum / seen,
    trainAcc: hits / seen,
    valLoss: val.loss,
    valAcc: val.acc,
    lr: opt.config.lr,
    epochSeconds: elapsed(),
    imagesPerSec: trainSeconds > 0 ? seen / trainSeconds : 0,
    peakMemoryMb: Math.round(peakRssMb()),
  };
}
