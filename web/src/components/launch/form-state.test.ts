import { getPreset, runConfigSchema } from "@ai623/shared";
import { describe, expect, it } from "vitest";
import { checkState, fieldLabels, stateFromConfig } from "./form-state";

describe("launch form state", () => {
  it("round-trips a preset's config through the form unchanged", () => {
    const preset = getPreset("disabled-skip");
    const checked = checkState(stateFromConfig(preset.config));
    expect(checked.valid).toBe(true);
    expect(runConfigSchema.parse(checked.input.config)).toEqual(runConfigSchema.parse(preset.config));
  });

  it("shows the disabled-skip run's params and FLOPs before it starts, with both counting conventions", () => {
    const base = checkState(stateFromConfig(getPreset("baseline").config)).analysis;
    const skip = checkState(stateFromConfig(getPreset("disabled-skip").config)).analysis;
    expect(base?.totalParams).toBe(58_164_298);
    expect(base?.trainableParams).toBe(20_490);
    expect(skip?.totalParams).toBe(58_164_298);
    expect(skip?.withUnusedRemoved?.unusedParams).toBeGreaterThan(0);
    expect(skip?.withUnusedRemoved?.totalParams).toBe(58_164_298 - (skip?.withUnusedRemoved?.unusedParams ?? 0));
  });

  it("puts each validation message on the field it is about and keeps the analysis where it can", () => {
    const state = stateFromConfig({}, { lr: "fast", epochs: "0", tags: "a, b", imageSize: "500" });
    const checked = checkState(state);
    expect(checked.valid).toBe(false);
    expect(checked.errors.lr).toBe("enter a number");
    expect(checked.errors.epochs).toMatch(/>=\s*1|at least 1|too small/i);
    expect(checked.errors.imageSize).toMatch(/224/);
    expect(checked.analysis).toBeNull();
    expect(checked.input.tags).toEqual(["a", "b"]);

    const fixed = checkState({ ...state, imageSize: "32", lr: "1e-4", epochs: "2" });
    expect(fixed.valid).toBe(true);
    expect(fixed.analysis?.macs).toBe(234_950_656);
  });

  it("names an unknown block in the skip list", () => {
    const checked = checkState(stateFromConfig({}, { disabledSkips: ["layer9.9"] }));
    expect(checked.errors.disabledSkips).toMatch(/Unknown block "layer9.9"/);
  });

  it("leaves empty optional numbers to the schema's defaults", () => {
    const checked = checkState(stateFromConfig({}, { seed: "", trainSubset: "" }));
    expect(checked.valid).toBe(true);
    expect(runConfigSchema.parse(checked.input.config).seed).toBe(42);
    expect(runConfigSchema.parse(checked.input.config).trainSubset).toBeNull();
  });

  it("takes a micro-batch no larger than the batch, blank for automatic, and says so in the field's words", () => {
    const auto = checkState(stateFromConfig({}));
    expect(auto.valid).toBe(true);
    expect(runConfigSchema.parse(auto.input.config).microBatchSize).toBeNull();

    const split = checkState(stateFromConfig({}, { microBatchSize: "32" }));
    expect(split.valid).toBe(true);
    expect(runConfigSchema.parse(split.input.config).microBatchSize).toBe(32);
    expect(stateFromConfig(runConfigSchema.parse(split.input.config)).microBatchSize).toBe("32");

    const tooBig = checkState(stateFromConfig({}, { microBatchSize: "256" }));
    expect(tooBig.valid).toBe(false);
    expect(tooBig.errors.microBatchSize).toBe("Micro-batch must be at most the batch size (128)");
    const smallerBatch = checkState(stateFromConfig({}, { batchSize: "64", microBatchSize: "96" }));
    expect(smallerBatch.errors.microBatchSize).toBe("Micro-batch must be at most the batch size (64)");
    expect(checkState(stateFromConfig({}, { microBatchSize: "0" })).errors.microBatchSize).toMatch(/>=\s*1|too small/i);
    expect(checkState(stateFromConfig({}, { microBatchSize: "a few" })).errors.microBatchSize).toBe("enter a number");
    expect(fieldLabels.microBatchSize).toBe("Micro-batch");
  });
});
