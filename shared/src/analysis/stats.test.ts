import { describe, expect, it } from "vitest";
import { formatEfficiency, formatMillions, formatPts } from "./format";
import {
  computeEfficiency,
  findConvergenceEpoch,
  findParetoFront,
  rankByBestValAcc,
  smoothEma,
  summarizeRun,
} from "./stats";
import { makeCurve, makeRun } from "./test-fixtures";

describe("efficiency", () => {
  it("is the study's best val acc ÷ trainable params in millions, printed with four decimals", () => {
    expect(formatEfficiency(computeEfficiency(0.7071, 204_900)!)).toBe("3.4510");
    expect(computeEfficiency(0.857, 20_490)).toBeCloseTo(41.8253, 4);
    expect(computeEfficiency(0.5, 0)).toBeNull();
  });
});

describe("convergence", () => {
  it("is the first epoch at 95 % of the run's best", () => {
    const metrics = [0.3, 0.6, 0.78, 0.8, 0.79].map((valAcc, i) => ({
      ...makeCurve({ best: 1, epochs: 1 })[0]!,
      epoch: i + 1,
      valAcc,
    }));
    // 0.95 × 0.8 = 0.76: epoch 3 is the first at or above it
    expect(findConvergenceEpoch(metrics, 0.95)).toBe(3);
    expect(findConvergenceEpoch(metrics, 1)).toBe(4);
    expect(findConvergenceEpoch([], 0.95)).toBeNull();
  });
});

describe("smoothEma", () => {
  it("starts at the first value (debiased) and lags behind a step", () => {
    const s = smoothEma([1, 1, 1, 0, 0], 0.5);
    expect(s[0]).toBeCloseTo(1);
    expect(s[2]).toBeCloseTo(1);
    expect(s[3]!).toBeGreaterThan(0.4);
    expect(s[3]!).toBeLessThan(0.6);
    expect(smoothEma([0.2, 0.4], 0)).toEqual([0.2, 0.4]);
    expect(() => smoothEma([1], 1)).toThrow(/\[0, 1\)/);
  });
});

describe("run summary", () => {
  it("takes best, final and gap from the epochs, in epoch order whatever the input order", () => {
    const run = makeRun({ id: "a", best: 0.7071, config: { dataset: "cifar100", epochs: 30 }, finalGap: 0.05 });
    const s = summarizeRun({ ...run, metrics: [...run.metrics].reverse() }, 0.95)!;
    expect(s.bestValAcc).toBe(0.7071);
    expect(s.bestEpoch).toBe(29);
    expect(s.epochsDone).toBe(30);
    expect(s.overfitGap).toBeCloseTo(0.05, 10);
    expect(s.efficiency).toBeCloseTo(3.451, 3);
    expect(s.wallSeconds).toBe(30 * 60);
    expect(s.meanImagesPerSec).toBeCloseTo(50_000 / 60, 6);
  });

  it("is null for a run with no epochs", () => {
    expect(summarizeRun({ ...makeRun({ id: "a", best: 0.5, config: {} }), metrics: [] }, 0.95)).toBeNull();
  });
});

describe("ranking and Pareto front", () => {
  const summarize = (id: string, best: number, freezeMode: "head_only" | "final_block" | "full") =>
    summarizeRun(makeRun({ id, best, config: { dataset: "cifar100", freezeMode } }), 0.95)!;

  it("gives tied runs the same rank and skips the next", () => {
    const ranked = rankByBestValAcc([
      summarize("a", 0.5, "head_only"),
      summarize("b", 0.7, "full"),
      summarize("c", 0.7, "final_block"),
    ]);
    expect(ranked.map((r) => [r.run.id, r.rank])).toEqual([
      ["b", 1],
      ["c", 1],
      ["a", 3],
    ]);
  });

  it("keeps only runs no other run beats on both accuracy and trainable params", () => {
    const front = findParetoFront([
      summarize("small", 0.6, "head_only"),
      summarize("mid-worse", 0.55, "final_block"),
      summarize("big", 0.8, "full"),
    ]);
    expect(front.map((r) => r.id)).toEqual(["small", "big"]);
  });
});

describe("formats", () => {
  it("keeps small parameter counts readable in millions and signs point differences", () => {
    expect(formatMillions(204_900)).toBe("0.2049 M");
    expect(formatMillions(15_169_636)).toBe("15.17 M");
    expect(formatPts(-0.36)).toBe("\u221236.00 pts");
    expect(formatPts(0.00001)).toBe("±0.00 pts");
  });
});
