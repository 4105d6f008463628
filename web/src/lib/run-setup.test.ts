import type { GpuAdapter, MemoryPlan } from "@ai623/shared";
import { makeMemoryPlan } from "@ai623/shared/testing";
import { describe, expect, it } from "vitest";
import { describeAdapter, describeMemoryPlan, microBatchMarker } from "./run-setup";

const swiftShader: GpuAdapter = {
  vendor: "google",
  architecture: "swiftshader",
  device: "0xc0de",
  description: "SwiftShader Device (Subzero) (0x0000C0DE)",
  software: true,
  maxBufferSize: 2 ** 32,
  maxStorageBufferBindingSize: 2 ** 31 - 4,
  memoryBudgetMb: 4096,
};

const plan = (over: Partial<MemoryPlan> = {}): MemoryPlan =>
  makeMemoryPlan({ microBatchSize: 32, limitSource: "wasm heap", ...over });

describe("run setup in words", () => {
  it("names the adapter, its limits and budget, and says when it is a software rasteriser", () => {
    expect(describeAdapter(swiftShader)).toEqual({
      name: "google · swiftshader",
      description: "SwiftShader Device (Subzero) (0x0000C0DE)",
      maxBuffer: "4 GiB",
      maxStorageBinding: "2 GiB",
      memoryBudget: "4 GiB",
      softwareNote: "Software adapter (SwiftShader): correct but slow",
    });
    const gpu = describeAdapter({
      ...swiftShader,
      vendor: "nvidia",
      architecture: "",
      description: "",
      software: false,
      maxStorageBufferBindingSize: 2 ** 27,
    });
    expect(gpu).toMatchObject({ name: "nvidia", description: null, maxStorageBinding: "128 MiB", softwareNote: null });
    expect(describeAdapter({ ...swiftShader, vendor: "", architecture: "", device: "" }).name).toBe("unnamed adapter");
  });

  it("says how a split batch fits, and that BatchNorm saw micro-batches", () => {
    expect(describeMemoryPlan(plan())).toEqual({
      batch: "Batch 128 as 4 micro-batches of 32 (gradients summed)",
      recompute: "Activations recomputed per block",
      peak: "Estimated peak 3.0 of 3.8 GiB (wasm heap)",
      batchNormDeviation: "BatchNorm normalised over micro-batches of 32, not the batch of 128 the study used.",
    });
    const uneven = describeMemoryPlan(plan({ batchSize: 100, microBatchSize: 48, microBatches: 3 }));
    expect(uneven.batch).toBe("Batch 100 as 3 micro-batches of at most 48 (gradients summed)");
    expect(uneven.batchNormDeviation).toBe(
      "BatchNorm normalised over micro-batches of 48, not the whole batch of 100 (the study normalised over batches of 128).",
    );
  });

  it("raises no deviation where BatchNorm does not see the micro-batches, or the batch was not split", () => {
    const noStats = describeMemoryPlan(plan({ batchStatistics: false, recompute: false }));
    expect(noStats.batchNormDeviation).toBeNull();
    expect(noStats.recompute).toBeNull();
    const whole = describeMemoryPlan(
      plan({
        microBatchSize: 128,
        microBatches: 1,
        estimatedPeakMb: 700,
        limitMb: 3891,
        limitSource: "AI623_GPU_MEMORY_MB",
      }),
    );
    expect(whole).toMatchObject({ batch: "Batch 128 in one pass", batchNormDeviation: null });
    expect(whole.peak).toBe("Estimated peak 700 MiB of 3.8 GiB (AI623_GPU_MEMORY_MB)");
  });

  it("marks split batches in the runs list, saying whether BatchNorm saw them", () => {
    expect(microBatchMarker(plan())).toEqual({
      text: "4×32",
      label:
        "Batch of 128 split into 4 micro-batches of 32; BatchNorm saw the micro-batches, a deviation from the study",
      deviation: true,
    });
    expect(microBatchMarker(plan({ batchStatistics: false }))).toMatchObject({
      label: "Batch of 128 split into 4 micro-batches of 32",
      deviation: false,
    });
    expect(microBatchMarker(plan({ microBatches: 1, microBatchSize: 128 }))).toBeNull();
    expect(microBatchMarker(null)).toBeNull();
  });
});
