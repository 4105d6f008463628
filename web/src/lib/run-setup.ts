// How an agent set a run up, in words: the WebGPU adapter it trains on and the memory plan its
// pre-flight chose. The run page and the runs list both read these, so they say the same thing.
import { type GpuAdapter, type MemoryPlan, microBatchesChangeBatchNorm, runConfigSchema } from "@ai623/shared";
import { bytes, mebibytes } from "./format";

/** The study's batch (the config's default): what train-mode BatchNorm normalised over there. */
const studyBatchSize = runConfigSchema.parse({}).batchSize;

export interface AdapterView {
  /** "nvidia · ampere" (either may be empty in what Dawn reports) */
  name: string;
  description: string | null;
  maxBuffer: string;
  maxStorageBinding: string;
  memoryBudget: string;
  /** Set for a software rasteriser: why the run is slow. */
  softwareNote: string | null;
}

export function describeAdapter(a: GpuAdapter): AdapterView {
  const swiftShader = /swiftshader/i.test(`${a.vendor} ${a.architecture} ${a.description}`);
  return {
    name: [a.vendor, a.architecture].filter((s) => s.trim()).join(" · ") || a.device || "unnamed adapter",
    description: a.description.trim() || null,
    maxBuffer: bytes(a.maxBufferSize),
    maxStorageBinding: bytes(a.maxStorageBufferBindingSize),
    memoryBudget: mebibytes(a.memoryBudgetMb),
    softwareNote: a.software ? `Software adapter${swiftShader ? " (SwiftShader)" : ""}: correct but slow` : null,
  };
}

/** "4 micro-batches of 32", "3 micro-batches of at most 48" (the last one smaller). */
function microBatchesText(plan: MemoryPlan): string {
  const uneven = plan.batchSize % plan.microBatchSize !== 0;
  return `${plan.microBatches} micro-batches of ${uneven ? "at most " : ""}${plan.microBatchSize}`;
}

export interface MemoryPlanView {
  batch: string;
  recompute: string | null;
  peak: string;
  /** Set when train-mode BatchNorm saw micro-batches: the run deviates from the study. */
  batchNormDeviation: string | null;
}

export function describeMemoryPlan(plan: MemoryPlan): MemoryPlanView {
  const split = plan.microBatches > 1;
  // both in GiB with one decimal, so "3.0 of 3.8 GiB" compares at a glance
  const gib = (mb: number) => (mb / 1024).toFixed(1);
  const peak =
    plan.estimatedPeakMb >= 1024 && plan.limitMb >= 1024
      ? `${gib(plan.estimatedPeakMb)} of ${gib(plan.limitMb)} GiB`
      : `${mebibytes(plan.estimatedPeakMb)} of ${mebibytes(plan.limitMb)}`;
  const whole =
    plan.batchSize === studyBatchSize
      ? `the batch of ${plan.batchSize} the study used`
      : `the whole batch of ${plan.batchSize} (the study normalised over batches of ${studyBatchSize})`;
  return {
    batch: split
      ? `Batch ${plan.batchSize} as ${microBatchesText(plan)} (gradients summed)`
      : `Batch ${plan.batchSize} in one pass`,
    recompute: plan.recompute ? "Activations recomputed per block" : null,
    peak: `Estimated peak ${peak} (${plan.limitSource})`,
    batchNormDeviation: microBatchesChangeBatchNorm(plan)
      ? `BatchNorm normalised over micro-batches of ${plan.microBatchSize}, not ${whole}.`
      : null,
  };
}

/** The runs list's compact marker for a run whose plan split the batch; null when it did not. */
export function microBatchMarker(
  plan: MemoryPlan | null | undefined,
): { text: string; label: string; deviation: boolean } | null {
  if (!plan || plan.microBatches <= 1) return null;
  const deviation = microBatchesChangeBatchNorm(plan);
  return {
    text: `${plan.microBatches}×${plan.microBatchSize}`,
    label: `Batch of ${plan.batchSize} split into ${microBatchesText(plan)}${deviation ? "; BatchNorm saw the micro-batches, a deviation from the study" : ""}`,
    deviation,
  };
}
