import { describe, expect, it } from "vitest";
import { AnalysisInputError, comparisonInputSchema, parseComparisonInput } from "./input";
import { makeMemoryPlan, makeRun } from "./test-fixtures";

describe("comparison input", () => {
  it("accepts a snapshot of runs and fills config defaults", () => {
    const run = makeRun({ id: "a", best: 0.5, config: {} });
    const parsed = parseComparisonInput([{ ...run, config: { dataset: "cifar100" }, wallSeconds: undefined }]);
    expect(parsed[0]!.config).toMatchObject({ dataset: "cifar100", lr: 1e-3, seed: 42 });
  });

  it("takes a run's memory plan, absent for older agents, and names a malformed one", () => {
    const run = makeRun({ id: "a", best: 0.5, config: {} });
    const plan = makeMemoryPlan({ microBatchSize: 32 });
    expect(parseComparisonInput([{ ...run, memoryPlan: plan }])[0]!.memoryPlan).toEqual(plan);
    const { memoryPlan: _absent, ...older } = run;
    expect(parseComparisonInput([older])[0]!.memoryPlan).toBeUndefined();
    expect(() => parseComparisonInput([{ ...run, memoryPlan: { ...plan, microBatches: 0 } }])).toThrow(
      /0\.memoryPlan\.microBatches/,
    );
  });

  it("rejects a repeated epoch and a repeated run id, naming them", () => {
    const run = makeRun({ id: "a", best: 0.5, config: {} });
    const twice = { ...run, metrics: [...run.metrics, run.metrics[0]!] };
    expect(() => parseComparisonInput([twice])).toThrow(/reports epoch 1 twice/);
    expect(comparisonInputSchema.safeParse([run, run]).error?.issues[0]?.message).toContain('Run id "a" appears twice');
  });

  it("throws an error with a stable code and the field path", () => {
    const run = makeRun({ id: "a", best: 0.5, config: {} });
    try {
      parseComparisonInput([{ ...run, status: "done" }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AnalysisInputError);
      expect((e as AnalysisInputError).code).toBe("ANALYSIS_INVALID_INPUT");
      expect((e as Error).message).toContain("0.status");
    }
  });
});
