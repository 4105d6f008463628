import { analyzeModel, type ComparisonRun, parseRunConfig } from "@ai623/shared";
import { describe, expect, it } from "vitest";
import { configDiff, curve, fileStem, logTicks, metricsCsv, metricsJson, summaryRows } from "./compare";

function run(id: string, name: string, config: Parameters<typeof parseRunConfig>[0], valAccs: number[]): ComparisonRun {
  const parsed = parseRunConfig(config);
  return {
    id,
    name,
    status: "succeeded",
    config: parsed,
    analysis: analyzeModel(parsed),
    metrics: valAccs.map((valAcc, i) => ({
      epoch: i + 1,
      trainLoss: 1 / (i + 1),
      trainAcc: valAcc + 0.1,
      valLoss: 1.2 / (i + 1),
      valAcc,
      lr: 1e-3,
      epochSeconds: 100,
      imagesPerSec: 500,
      peakMemoryMb: null,
    })),
    wallSeconds: 400,
    prefixCached: null,
    error: null,
  };
}

// the study's CIFAR-100 head-only pair: 70.71 % pretrained, 4.2 % random, 204,900 trainable params
const pretrained = run(
  "a",
  "pretrained, head",
  { dataset: "cifar100", init: "pretrained", freezeMode: "head_only" },
  [0.6, 0.7071, 0.7],
);
const random = run(
  "b",
  'random, "head"',
  { dataset: "cifar100", init: "random", freezeMode: "head_only" },
  [0.03, 0.042],
);

describe("compare page data", () => {
  it("summarises each run as the study's comparison table did, efficiency included", () => {
    const [a, b] = summaryRows([pretrained, random]);
    expect(a).toMatchObject({
      bestValAcc: 0.7071,
      bestEpoch: 2,
      finalValAcc: 0.7,
      trainableParams: 204_900,
      epochs: 3,
    });
    expect(a?.efficiency?.toFixed(4)).toBe("3.4510");
    expect(a?.trainableShare).toBeCloseTo(204_900 / 58_348_708, 10);
    expect(a?.computeFlops).toBe(pretrained.analysis!.flops * 3 * 500 * 100);
    expect(b?.bestValAcc).toBe(0.042);
    expect(b?.imagesPerSec).toBe(500);
  });

  it("diffs only the config fields that differ, for any number of runs", () => {
    expect(configDiff([pretrained, random])).toEqual([{ field: "init", values: ["pretrained", "random"] }]);
    const third = run("c", "full", { dataset: "cifar100", init: "random", freezeMode: "full", lr: 1e-4 }, [0.2]);
    expect(configDiff([pretrained, random, third]).map((r) => r.field)).toEqual(["init", "freezeMode", "lr"]);
    expect(configDiff([pretrained])).toEqual([]);
    const micro = run("m", "micro", { dataset: "cifar100", microBatchSize: 32 }, [0.6]);
    expect(configDiff([pretrained, micro])).toEqual([{ field: "microBatchSize", values: ["auto", "32"] }]);
  });

  it("smooths a curve with a debiased EMA and keeps the raw points", () => {
    const { raw, smooth } = curve(pretrained, "valAcc", 0.5);
    expect(raw.map((p) => p.y)).toEqual([0.6, 0.7071, 0.7]);
    expect(smooth[0]?.y).toBeCloseTo(0.6, 12);
    expect(smooth[1]?.y).toBeCloseTo((0.25 * 0.6 + 0.5 * 0.7071) / 0.75, 12);
    expect(curve(pretrained, "valAcc", 0).smooth.map((p) => p.y)).toEqual([0.6, 0.7071, 0.7]);
  });

  it("exports every epoch as CSV that quotes names, and as JSON that parses back", () => {
    const csv = metricsCsv([pretrained, random]).trim().split("\n");
    expect(csv[0]).toBe(
      "runId,runName,epoch,trainLoss,trainAcc,valLoss,valAcc,lr,epochSeconds,imagesPerSec,peakMemoryMb",
    );
    expect(csv).toHaveLength(1 + 3 + 2);
    expect(csv[1]).toBe('a,"pretrained, head",1,1,0.7,1.2,0.6,0.001,100,500,');
    expect(csv[4]?.startsWith('b,"random, ""head""",1,')).toBe(true);
    const json = JSON.parse(metricsJson([pretrained]));
    expect(json[0].metrics).toHaveLength(3);
    expect(json[0].analysis.trainableParams).toBe(204_900);
    expect(fileStem("Pretrained vs random: CIFAR-100!")).toBe("pretrained-vs-random-cifar-100");
  });

  it("puts a log axis's ticks on round numbers", () => {
    expect(logTicks([20_490, 58_164_298])).toEqual([10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]);
    expect(logTicks([204_900, 800_000])).toEqual([100_000, 200_000, 500_000, 1_000_000]);
    expect(logTicks([])).toEqual([]);
  });
});
