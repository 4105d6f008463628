// The memory pre-flight: before a run loads anything, price its training step on this backend and
// decide how it fits, or fail the run with a cause that names the fix, instead of aborting mid-step.
//
// A step's peak = weights (+ the copies a backend keeps) + gradients and optimiser slots of the
// trained parameters + a transient for the update + per image × micro-batch: the activations the
// gradient tape keeps. With recomputation (train-step.ts) the tape keeps the trained blocks' inputs
// and one block's internals at a time; without it, every trained layer's internals. The constants
// were fitted to the wasm heap's high-water mark for ResNet-152 at 224 px in every freeze mode, with
// and without recomputation (agent README, "Memory"): they over-estimate it by 9–33 %, never under.
import os from "node:os";
import { type BackendId, type GpuAdapter, type MemoryPlan, type RunConfig, usesBatchStatistics } from "@ai623/shared";
import { resolveGpuMemoryBudget } from "../backend/webgpu-adapter";
import { AgentError } from "../errors";
import { type SegmentShape, segmentShapes, segmentsAfter } from "../model/segment-shapes";

/**
 * Bytes the tape keeps per element of a trained layer's output (saved inputs, BatchNorm's x̂,
 * gradients in flight): one block at a time when it is recomputed, the whole trained part otherwise,
 * where many more gradients are alive at once.
 */
export const tapeFactor = { block: 2.5, whole: 4 } as const;
/** Bytes, per element of a layer output, alive while a frozen segment runs tape-free. */
export const forwardFactor = 1;
/** tfjs-backend-wasm's heap cannot grow past 4 GiB (wasm32). */
export const wasmHeapMb = 4096;
const mb = 2 ** 20;

export interface MemoryBudget {
  limitMb: number;
  /** what set the limit, for the plan and the error */
  source: string;
  /** the largest single tensor the backend can hold, bytes (WebGPU's storage-binding limit) */
  maxTensorBytes: number | null;
  /** wasm: XNNPACK keeps a packed copy of every convolution filter it has run */
  packedWeights: boolean;
}

export interface BudgetSettings {
  /** webgpu: the adapter, which carries its memory budget and buffer limits */
  adapter?: GpuAdapter | null;
  /** tensorflow-gpu: --gpu-memory / AI623_GPU_MEMORY_MB, already validated (run.ts) */
  gpuMemoryMb?: number | null;
  /** read for AI623_MEMORY_MB */
  env?: NodeJS.ProcessEnv;
}

/** The budget a backend trains in. WebGPU reports no memory size: the adapter carries the setting. */
export function memoryBudgetFor(backend: BackendId, settings: BudgetSettings = {}): MemoryBudget {
  const { adapter = null, gpuMemoryMb = null, env = process.env } = settings;
  const hostMb = Math.floor((os.totalmem() / mb) * 0.8);
  const override = env.AI623_MEMORY_MB;
  if (override !== undefined && override !== "") {
    const n = Number(override);
    if (!Number.isFinite(n) || n < 64) {
      throw new AgentError(
        "INVALID_ARGUMENT",
        `AI623_MEMORY_MB must be a number of megabytes ≥ 64, got "${override}"; unset it to use the backend's own limit`,
        2,
      );
    }
    return {
      limitMb: n,
      source: "AI623_MEMORY_MB",
      maxTensorBytes: adapter ? Math.min(adapter.maxStorageBufferBindingSize, adapter.maxBufferSize) : null,
      packedWeights: backend === "wasm",
    };
  }
  if (backend === "wasm") {
    const limitMb = Math.min(wasmHeapMb, hostMb);
    const source = limitMb === wasmHeapMb ? "the wasm heap (4 GiB)" : "80 % of host memory";
    return { limitMb, source, maxTensorBytes: null, packedWeights: true };
  }
  if (backend === "webgpu" && adapter) {
    return {
      limitMb: adapter.memoryBudgetMb,
      source: `the GPU memory budget of ${adapter.description || adapter.device || "the WebGPU adapter"} (--gpu-memory / AI623_GPU_MEMORY_MB)`,
      maxTensorBytes: Math.min(adapter.maxStorageBufferBindingSize, adapter.maxBufferSize),
      packedWeights: false,
    };
  }
  if (backend === "tensorflow-gpu") {
    // libtensorflow's CUDA device: the same budget rule as WebGPU on an NVIDIA card
    const gpu = resolveGpuMemoryBudget(
      { vendor: "nvidia", description: "", software: false },
      { settingMb: gpuMemoryMb },
    );
    return {
      limitMb: gpu.mb,
      source: `the GPU memory budget: ${gpu.source}`,
      maxTensorBytes: null,
      packedWeights: false,
    };
  }
  return { limitMb: hostMb, source: "80 % of host memory", maxTensorBytes: null, packedWeights: false };
}

export interface StepLayoutChoice {
  microBatchSize: number;
  recompute: boolean;
}

export interface StepEstimate {
  peakMb: number;
  fixedMb: number;
  perImageMb: number;
  /** per image of an inference pass (validation), which keeps no tape */
  inferencePerImageMb: number;
  /** the largest single activation tensor of one micro-batch, bytes */
  largestTensorBytes: number;
}

const sum = (a: readonly number[]) => a.reduce((x, y) => x + y, 0);

/** The step's peak for a layout; `segs` from the first segment the step runs (a prefix cache's cut). */
export function estimateStep(
  segs: readonly SegmentShape[],
  layout: StepLayoutChoice,
  optimizer: RunConfig["optimizer"],
  budget: Pick<MemoryBudget, "packedWeights">,
  allWeightElems = sum(segs.map((s) => s.weightElems)),
): StepEstimate {
  const first = segs.findIndex((s) => s.trainable);
  const trained = first < 0 ? [] : segs.slice(first);
  const frozen = first < 0 ? segs : segs.slice(0, first);
  const trainedParams = sum(segs.map((s) => s.trainedParams));
  const slots = optimizer === "adam" ? 2 : 1;
  const largestTrainedLayer = Math.max(0, ...trained.map((s) => s.trainedParams));
  // weights (wasm: and XNNPACK's packed copies), the gradients and optimiser slots, the update's
  // temporaries (≈ 6 tensors of the largest variable) and the runtime's own (wasm: module, scratch)
  const fixedBytes =
    4 * allWeightElems * (budget.packedWeights ? 2 : 1) +
    4 * trainedParams * (1 + slots) +
    4 * 6 * largestTrainedLayer +
    (budget.packedWeights ? 128 : 64) * mb;
  const taped = layout.recompute
    ? sum(trained.map((s) => s.inputElems)) + tapeFactor.block * Math.max(0, ...trained.map((s) => sum(s.layerElems)))
    : (trained[0]?.inputElems ?? 0) + tapeFactor.whole * sum(trained.map((s) => sum(s.layerElems)));
  const forward = forwardFactor * Math.max(0, ...frozen.map((s) => sum(s.layerElems)));
  const perImageBytes = 4 * (Math.max(taped, forward) + (segs[0]?.inputElems ?? 0));
  const largestLayer = Math.max(...segs.flatMap((s) => s.layerElems));
  const inferenceBytes =
    4 * (forwardFactor * Math.max(...segs.map((s) => sum(s.layerElems))) + (segs[0]?.inputElems ?? 0));
  return {
    fixedMb: fixedBytes / mb,
    inferencePerImageMb: inferenceBytes / mb,
    perImageMb: perImageBytes / mb,
    peakMb: (fixedBytes + perImageBytes * layout.microBatchSize) / mb,
    largestTensorBytes: 4 * largestLayer * layout.microBatchSize,
  };
}

export type PlanConfig = Pick<
  RunConfig,
  "arch" | "imageSize" | "freezeMode" | "disabledSkips" | "batchSize" | "microBatchSize" | "optimizer" | "bnFrozen"
>;

export interface PlanOptions {
  numClasses: number;
  budget: MemoryBudget;
  /** a prefix cache's cut: the step trains only what follows it */
  cut?: string | null;
  blocks?: readonly number[];
  widths?: readonly number[];
}

export interface StepMemoryPlan extends MemoryPlan {
  /** images per inference pass (validation, the prefix cache's build) */
  inferenceBatchSize: number;
}

const fmt = (x: number) => (x >= 10_240 ? `${(x / 1024).toFixed(1)} GB` : `${Math.round(x)} MB`);

/**
 * How this run's step fits `budget`: the whole batch without recomputation if it fits, else with
 * recomputation, else the largest micro-batch that fits (balanced slices). A configured
 * `microBatchSize` is kept as given. Throws MEMORY_WONT_FIT naming the fixes when nothing fits.
 */
export function planStepMemory(config: PlanConfig, o: PlanOptions): StepMemoryPlan {
  const all = segmentShapes({
    arch: config.arch,
    imageSize: config.imageSize,
    numClasses: o.numClasses,
    freezeMode: config.freezeMode,
    disabledSkips: config.disabledSkips,
    ...(o.blocks ? { blocks: o.blocks } : {}),
    ...(o.widths ? { widths: o.widths } : {}),
  });
  const segs = segmentsAfter(all, o.cut ?? null);
  const weights = sum(all.map((s) => s.weightElems));
  const batch = config.batchSize;
  const limit = o.budget.limitMb;
  const maxTensor = o.budget.maxTensorBytes ?? Number.POSITIVE_INFINITY;
  const estimate = (m: number, recompute: boolean) =>
    estimateStep(segs, { microBatchSize: m, recompute }, config.optimizer, o.budget, weights);
  const fits = (m: number, recompute: boolean) => {
    const e = estimate(m, recompute);
    return e.peakMb <= limit && e.largestTensorBytes <= maxTensor;
  };
  const one = estimate(1, true);
  const inferenceBatchSize = Math.max(
    1,
    Math.min(batch, Math.floor((limit - one.fixedMb) / Math.max(one.inferencePerImageMb, 1e-9))),
  );
  const batchStatistics = usesBatchStatistics(config);
  const planFor = (m: number, recompute: boolean): StepMemoryPlan => ({
    batchSize: batch,
    microBatchSize: m,
    microBatches: Math.ceil(batch / m),
    recompute,
    batchStatistics,
    estimatedPeakMb: Math.round(estimate(m, recompute).peakMb),
    limitMb: limit,
    limitSource: o.budget.source,
    inferenceBatchSize,
  });
  const asked = config.microBatchSize;
  if (asked !== null) {
    const m = Math.min(asked, batch);
    if (fits(m, false)) return planFor(m, false);
    if (fits(m, true)) return planFor(m, true);
  } else {
    if (fits(batch, false)) return planFor(batch, false);
    if (fits(batch, true)) return planFor(batch, true);
  }
  let best = 0;
  for (let m = Math.min(batch, asked ?? batch); m >= 1; m--) {
    if (fits(m, true)) {
      best = m;
      break;
    }
  }
  const cause = `A ${config.freezeMode} step of ResNet (${config.arch}) at ${config.imageSize} px needs about ${fmt(one.fixedMb)} plus ${fmt(one.perImageMb)} per image, against ${fmt(limit)}, ${o.budget.source}`;
  if (asked !== null && best > 0) {
    throw new AgentError(
      "MEMORY_WONT_FIT",
      `${cause}: a micro-batch of ${asked} needs ${fmt(estimate(asked, true).peakMb)}. Set the micro-batch to ${best} or less (or leave it empty for automatic), or use a backend with more memory.`,
    );
  }
  if (best === 0) {
    throw new AgentError(
      "MEMORY_WONT_FIT",
      `${cause}: not even one image fits. Use a smaller image size, a lighter freeze mode, or another backend (webgpu or tensorflow-gpu on a GPU box; raise AI623_GPU_MEMORY_MB if the GPU has more memory than the budget says).`,
    );
  }
  const k = Math.ceil(batch / best);
  return planFor(Math.ceil(batch / k), true);
}

/** One line for the log. */
export function describeMemoryPlan(p: StepMemoryPlan): string {
  const slices =
    p.microBatches > 1
      ? `batch ${p.batchSize} as ${p.microBatches} micro-batches of ≤ ${p.microBatchSize}`
      : `batch ${p.batchSize} at once`;
  const bn =
    p.microBatches > 1 && p.batchStatistics
      ? " (BatchNorm sees micro-batch statistics: a deviation from the study)"
      : "";
  return `Memory plan: ${slices}${p.recompute ? ", activations recomputed per block" : ""}; estimated peak ${fmt(p.estimatedPeakMb)} of ${fmt(p.limitMb)} (${p.limitSource})${bn}`;
}
