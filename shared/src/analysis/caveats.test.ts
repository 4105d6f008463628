import { describe, expect, it } from "vitest";
import { generateComparisonReport } from "./report";
import { makeMemoryPlan, makeRun } from "./test-fixtures";
import type { Caveat } from "./types";

const caveatsOf = (runs: Parameters<typeof generateComparisonReport>[0]) => generateComparisonReport(runs).caveats;
const byId = (caveats: Caveat[], id: string) => caveats.find((c) => c.id === id);

describe("caveat detection", () => {
  it("flags a single seed per configuration, and measures seed spread when there are repeats", () => {
    const single = caveatsOf([
      makeRun({ id: "a", best: 0.6, config: {} }),
      makeRun({ id: "b", best: 0.7, config: { freezeMode: "final_block" } }),
    ]);
    expect(byId(single, "caveat.single-seed")?.text).toContain("ran once (seed 42)");

    const repeated = caveatsOf([
      makeRun({ id: "s1", best: 0.6, config: { seed: 1 } }),
      makeRun({ id: "s2", best: 0.63, config: { seed: 2 } }),
      makeRun({ id: "b", best: 0.7, config: { freezeMode: "final_block" } }),
    ]);
    expect(byId(repeated, "caveat.single-seed")).toBeUndefined();
    const spread = byId(repeated, "caveat.seed-spread")!;
    expect(spread.numbers.spread).toBeCloseTo(0.03, 10);
    expect(spread.text).toContain("up to 3.00 pts");
    expect(spread.severity).toBe("warning");
  });

  it("averages repeated seeds in pairwise comparisons", () => {
    const report = generateComparisonReport([
      makeRun({ id: "p1", best: 0.6, config: { seed: 1 } }),
      makeRun({ id: "p2", best: 0.64, config: { seed: 2 } }),
      makeRun({ id: "r", best: 0.1, config: { init: "random" } }),
    ]);
    const init = report.datasets[0]!.sections.find((s) => s.id === "init")!;
    expect(init.findings[0]!.numbers.pretrainedBest).toBeCloseTo(0.62, 10);
    expect(init.findings[0]!.text).toContain("62.00 % (mean of 2 seeds)");
  });

  it("names subsets with their sizes, grouping runs on the same subset", () => {
    const c = byId(
      caveatsOf([
        makeRun({ id: "sub", best: 0.5, config: { trainSubset: 5000, valSubset: 1000 } }),
        makeRun({ id: "sub2", best: 0.5, config: { trainSubset: 5000, valSubset: 1000, seed: 3 } }),
        makeRun({ id: "small", best: 0.5, config: { trainSubset: 500, seed: 4 } }),
        makeRun({ id: "whole", best: 0.5, config: { seed: 5 } }),
      ]),
      "caveat.subset",
    );
    expect(c?.text).toContain(
      'Subsets in use: "sub" and "sub2" train on 5,000 of 50,000 and validate on 1,000 of 10,000 images; "small" trains on 500 of 50,000 images.',
    );
    expect(c?.runIds).toEqual(["sub", "sub2", "small"]);
  });

  it("flags images below 224 px and differing sizes", () => {
    const caveats = caveatsOf([
      makeRun({ id: "small", best: 0.5, config: { imageSize: 32 } }),
      makeRun({ id: "big", best: 0.8, config: { imageSize: 224, freezeMode: "final_block" } }),
    ]);
    expect(byId(caveats, "caveat.image-size")?.runIds).toEqual(["small"]);
    expect(byId(caveats, "caveat.image-size")?.text).toContain("at 32 px, below the 224 px");
    expect(byId(caveats, "caveat.image-size-differs")?.text).toContain("(32, 224 px)");
    const same = caveatsOf([
      makeRun({ id: "a", best: 0.5, config: {} }),
      makeRun({ id: "b", best: 0.6, config: { seed: 7 } }),
    ]);
    expect(byId(same, "caveat.image-size")).toBeUndefined();
    expect(byId(same, "caveat.image-size-differs")).toBeUndefined();
  });

  it("flags BatchNorm semantics that differ between runs, and all-eval runs against the study", () => {
    const mixed = caveatsOf([
      makeRun({ id: "train", best: 0.5, config: {} }),
      makeRun({ id: "eval", best: 0.6, config: { bnFrozen: "eval" } }),
    ]);
    expect(byId(mixed, "caveat.bn-differs")?.text).toContain('"eval" keeps the frozen layers\' statistics fixed');
    const allEval = caveatsOf([makeRun({ id: "e", best: 0.6, config: { bnFrozen: "eval" } })]);
    expect(byId(allEval, "caveat.bn-eval")?.severity).toBe("info");
    expect(byId(allEval, "caveat.bn-differs")).toBeUndefined();
  });

  it("lists runs whose train-mode BatchNorm saw micro-batches as a deviation from the study", () => {
    const caveats = caveatsOf([
      makeRun({ id: "a", name: "split 32", best: 0.6, config: {}, memoryPlan: makeMemoryPlan({ microBatchSize: 32 }) }),
      makeRun({
        id: "b",
        name: "split 48",
        best: 0.62,
        config: { seed: 2 },
        memoryPlan: makeMemoryPlan({ microBatchSize: 48 }),
      }),
      makeRun({
        id: "c",
        name: "split 32 again",
        best: 0.6,
        config: { seed: 3 },
        memoryPlan: makeMemoryPlan({ microBatchSize: 32 }),
      }),
    ]);
    const c = byId(caveats, "caveat.micro-batch-bn")!;
    expect(c.severity).toBe("warning");
    expect(c.runIds).toEqual(["a", "b", "c"]);
    expect(c.text).toMatch(/^Deviation from the study: /);
    expect(c.text).toContain(
      'as the study did: micro-batches of 32 of a batch of 128 in "split 32" and "split 32 again"; micro-batches of at most 48 of a batch of 128 in "split 48". ',
    );
    expect(c.numbers).toEqual({ runs: 3, smallestMicroBatch: 32 });
    // 32 and 48 are two BatchNorm batch sizes
    expect(byId(caveats, "caveat.micro-batch-differs")?.text).toContain(
      'normalised over 2 batch sizes: micro-batches of 32 in "split 32" and "split 32 again"; micro-batches of at most 48 in "split 48".',
    );
  });

  it("flags runs that differ in micro-batching, naming whole-batch runs too", () => {
    const caveats = caveatsOf([
      makeRun({ id: "whole", best: 0.6, config: {} }),
      makeRun({ id: "split", best: 0.6, config: { seed: 2 }, memoryPlan: makeMemoryPlan({ microBatchSize: 16 }) }),
    ]);
    const differs = byId(caveats, "caveat.micro-batch-differs")!;
    expect(differs.text).toContain(': whole batches of 128 in "whole"; micro-batches of 16 in "split".');
    expect(differs.text).toMatch(
      /^Runs on CIFAR-10 differ in micro-batching, so train-mode BatchNorm normalised over 2 batch sizes: /,
    );
    expect(differs.runIds).toEqual(["whole", "split"]);
    expect(byId(caveats, "caveat.micro-batch-bn")?.text).toContain(
      'micro-batches of 16 of a batch of 128 in "split". The agent split batches',
    );
    // one run alone deviates from the study but differs from nothing
    const alone = caveatsOf([
      makeRun({ id: "s", best: 0.6, config: {}, memoryPlan: makeMemoryPlan({ microBatchSize: 16 }) }),
    ]);
    expect(byId(alone, "caveat.micro-batch-bn")?.runIds).toEqual(["s"]);
    expect(byId(alone, "caveat.micro-batch-differs")).toBeUndefined();
  });

  it("says nothing of micro-batches that BatchNorm does not see", () => {
    const evalBn = { bnFrozen: "eval" as const };
    const caveats = caveatsOf([
      // frozen BatchNorm in eval mode, only the head trained: no batch statistics anywhere
      makeRun({
        id: "split",
        best: 0.6,
        config: evalBn,
        memoryPlan: makeMemoryPlan({ microBatchSize: 16, batchStatistics: false }),
      }),
      makeRun({ id: "whole", best: 0.6, config: { ...evalBn, seed: 2 } }),
      // one micro-batch is the whole batch
      makeRun({
        id: "one",
        best: 0.6,
        config: { ...evalBn, seed: 3 },
        memoryPlan: makeMemoryPlan({ microBatchSize: 128 }),
      }),
    ]);
    expect(caveats.filter((c) => c.id.startsWith("caveat.micro-batch"))).toEqual([]);
  });

  it("marks unfinished runs as partial and leaves out runs with no epochs", () => {
    const report = generateComparisonReport([
      makeRun({ id: "done", best: 0.8, config: {} }),
      makeRun({ id: "live", best: 0.5, config: { freezeMode: "final_block" }, status: "running", epochsDone: 3 }),
      { ...makeRun({ id: "dead", best: 0.5, config: {} }), status: "failed", metrics: [], error: "CUDA out of memory" },
    ]);
    const partial = byId(report.caveats, "caveat.partial")!;
    expect(partial.runIds).toEqual(["live"]);
    expect(partial.text).toContain('"live" (still running, 3 of 10 epochs) did not finish');
    expect(byId(report.caveats, "caveat.few-epochs")?.runIds).toEqual(["live"]);
    expect(byId(report.caveats, "caveat.excluded")?.text).toContain(
      '"dead" (failed before its first epoch: CUDA out of memory)',
    );
    expect(report.excluded.map((e) => e.id)).toEqual(["dead"]);
    expect(report.datasets[0]!.runIds).toEqual(["done", "live"]);
    const sections = report.datasets[0]!.sections;
    expect(sections.find((s) => s.id === "strategies")?.headline).toMatch(
      /Provisional: it rests in part on an unfinished run, "live"\.$/,
    );
    expect(sections.find((s) => s.id === "ranking")?.headline).not.toContain("Provisional");
  });

  it("names config fields that differ beyond the ones under study", () => {
    const c = byId(
      caveatsOf([
        makeRun({ id: "a", best: 0.5, config: { optimizer: "sgd" } }),
        makeRun({ id: "b", best: 0.6, config: { batchSize: 64 } }),
      ]),
      "caveat.other-differences",
    );
    expect(c?.text).toContain("also differ in batchSize and optimizer");
  });

  it("says nothing about what is not there", () => {
    const caveats = caveatsOf([
      makeRun({ id: "a", best: 0.6, config: { seed: 1, epochs: 10 } }),
      makeRun({ id: "b", best: 0.605, config: { seed: 2, epochs: 10 } }),
    ]);
    expect(caveats.map((c) => c.id)).toEqual(["caveat.seed-spread"]);
    expect(caveats[0]!.severity).toBe("info");
  });
});
