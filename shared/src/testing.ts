// Test fixtures the other workspaces share (`@ai623/shared/testing`); never imported by product code.
import type { MemoryPlan } from "./protocol";

/**
 * What an agent's pre-flight reports: `batchSize` split into micro-batches of `microBatchSize`
 * (the last one smaller when it does not divide), BatchNorm with batch statistics unless told;
 * any other field as given.
 */
export function makeMemoryPlan({
  batchSize = 128,
  microBatchSize,
  ...over
}: Partial<MemoryPlan> & { microBatchSize: number }): MemoryPlan {
  return {
    batchSize,
    microBatchSize,
    microBatches: Math.ceil(batchSize / microBatchSize),
    recompute: microBatchSize < batchSize,
    batchStatistics: true,
    estimatedPeakMb: 3_100,
    limitMb: 3_891,
    limitSource: "wasm heap (4 GiB)",
    ...over,
  };
}
