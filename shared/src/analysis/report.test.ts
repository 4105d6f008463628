import { describe, expect, it } from "vitest";
import { generateComparisonReport } from "./report";
import { BASE_FLOPS, DOWNSAMPLE_MACS, LAYER3_0_DOWNSAMPLE_PARAMS, makeRun, makeStudyRuns } from "./test-fixtures";
import { getFinding, getSection, tableTexts } from "./test-helpers";
import { comparisonReportSchema } from "./types";

describe("the study's published numbers", () => {
  const report = generateComparisonReport(makeStudyRuns());

  it("compares CIFAR-10 and CIFAR-100 separately and names each leader", () => {
    expect(report.datasets.map((d) => d.dataset)).toEqual(["cifar10", "cifar100"]);
    expect(report.headline).toContain('On CIFAR-10, "CIFAR-10 baseline" leads 2 runs with 85.70 % best val acc.');
    expect(report.headline).toContain('On CIFAR-100, "pretrained head_only" leads 3 runs with 70.71 %');
    expect(report.caveats.map((c) => c.id)).toContain("caveat.datasets");
  });

  it("ranks CIFAR-100 runs by best val acc", () => {
    const ranking = getSection(report, "cifar100", "ranking");
    expect(tableTexts(ranking).map((r) => [r[0], r[1], r[4]])).toEqual([
      ["1", "pretrained head_only", "70.71 %"],
      ["2", "random final_block", "23.40 %"],
      ["3", "random head_only", "4.20 %"],
    ]);
    expect(ranking.headline).toContain("47.31 pts ahead of");
  });

  it("reproduces the efficiency score 3.4510 for 0.7071 with 204,900 trainable params", () => {
    const eff = getSection(report, "cifar100", "efficiency");
    const row = tableTexts(eff).find((r) => r[0] === "pretrained head_only")!;
    expect(row.slice(1, 5)).toEqual(["70.71 %", "204,900", "0.35 %", "3.4510"]);
    expect(
      tableTexts(eff)
        .find((r) => r[0] === "random final_block")!
        .slice(2, 5),
    ).toEqual(["15,169,636", "26.00 %", "0.0154"]);
    expect(getFinding(eff, "efficiency.highest").text).toContain("3.4510 (70.71 % ÷ 0.2049 M trainable params)");
    expect(getFinding(eff, "efficiency.trade-off").runIds[0]).toBe("c100-pre-head");
    expect(getFinding(eff, "efficiency.pareto").text).toMatch(/Pareto front .*: "pretrained head_only"\. /);
  });

  it("computes the pretrained-vs-random gain only where both exist (head_only)", () => {
    const init = getSection(report, "cifar100", "init");
    expect(init.findings.map((f) => f.id)).toEqual(["init-gain.head_only"]);
    const gain = getFinding(init, "init-gain.head_only");
    expect(gain.numbers.absoluteGain).toBeCloseTo(0.6651, 10);
    expect(gain.numbers.relativeGain).toBeCloseTo(0.6651 / 0.042, 10);
    expect(gain.text).toContain("+66.51 pts, +1583.6 % relative");
    expect(init.headline).toMatch(
      /^Pretrained weights beat random initialisation in the one freeze mode compared \(head_only\)/,
    );
  });

  it("averages per strategy and warns that the means mix inits unevenly", () => {
    const strategies = getSection(report, "cifar100", "strategies");
    expect(tableTexts(strategies).map((r) => [r[0], r[1], r[3], r[4], r[6]])).toEqual([
      ["head_only", "2", "37.45 %", "70.71 %", "204,900"],
      ["final_block", "1", "23.40 %", "23.40 %", "15,169,636"],
    ]);
    expect(getFinding(strategies, "strategy-ladder.random").text).toContain(
      "final_block beats head_only by 19.20 pts (23.40 % vs 4.20 %)",
    );
    expect(getFinding(strategies, "strategy.uneven-mix").text).toContain("final_block: random");
  });

  it("reasons that the frozen ImageNet features transfer and random layer4 cannot replace them", () => {
    const transfer = getSection(report, "cifar100", "transfer");
    expect(transfer.headline).toMatch(/^The frozen ImageNet backbone transfers to CIFAR-100.*66\.51 pts/);
    expect(getFinding(transfer, "transfer.random-vs-frozen").text).toContain(
      "still trails the frozen pretrained backbone",
    );
    expect(getFinding(transfer, "transfer.layer4").text).toContain("adds 19.20 pts (4.20 % → 23.40 %)");
  });

  it("measures the disabled skips against the baseline under both parameter conventions", () => {
    const skips = getSection(report, "cifar10", "skips");
    const acc = getFinding(skips, "skips.accuracy");
    expect(acc.numbers.deltaAcc).toBeCloseTo(-0.36, 10);
    expect(acc.text).toContain("drops best val acc from 85.70 %");
    expect(acc.text).toContain("\u221236.00 pts, \u221242.0 % relative");
    const cost = getFinding(skips, "skips.cost");
    expect(cost.numbers).toMatchObject({
      deltaParams: 0,
      deltaParamsUnusedRemoved: -LAYER3_0_DOWNSAMPLE_PARAMS,
      deltaFlops: -2 * DOWNSAMPLE_MACS,
      deltaMacs: -DOWNSAMPLE_MACS,
    });
    expect(cost.text).toContain("unchanged as the study counts them");
    expect(cost.text).toContain("\u2212526,336 with unused projection branches removed");
    expect(cost.text).toContain(`(${((-100 * 2 * DOWNSAMPLE_MACS) / BASE_FLOPS).toFixed(1).replace("-", "\u2212")} %)`);
  });

  it("finds the overfitting run from its final train − val gap", () => {
    const dyn = getSection(report, "cifar100", "dynamics");
    const f = getFinding(dyn, "dynamics.overfitting");
    expect(f.runIds).toEqual(["c100-rnd-final"]);
    expect(f.numbers.widestGap).toBeCloseTo(0.25, 10);
  });
});

describe("edge cases", () => {
  it("says there is nothing to compare when no run has an epoch", () => {
    const queued = { ...makeRun({ id: "q", best: 0.5, config: {} }), status: "queued" as const, metrics: [] };
    const report = generateComparisonReport([queued]);
    expect(report.datasets).toEqual([]);
    expect(report.excluded).toEqual([
      { id: "q", name: "q", status: "queued", reason: "queued, no epoch reported yet" },
    ]);
    expect(report.headline).toContain("No run has reported an epoch yet");
    expect(generateComparisonReport([]).headline).toBe("No runs to compare.");
  });

  it("describes a single run without inventing comparisons", () => {
    const report = generateComparisonReport([makeRun({ id: "solo", best: 0.6, config: { epochs: 8 } })]);
    const sections = report.datasets[0]!.sections.map((s) => s.id);
    expect(sections).toEqual(["ranking", "efficiency", "dynamics"]);
    expect(report.datasets[0]!.sections[0]!.headline).toContain("nothing to rank it against");
    expect(report.caveats.map((c) => c.id)).not.toContain("caveat.single-seed");
  });

  it("reports ties as ties", () => {
    const report = generateComparisonReport([
      makeRun({ id: "a", best: 0.6, config: { seed: 1 } }),
      makeRun({ id: "b", best: 0.6, config: { seed: 2, freezeMode: "final_block" } }),
    ]);
    expect(getSection(report, "cifar10", "ranking").headline).toBe(
      '"a" and "b" tie for first at 60.00 % best val acc.',
    );
    expect(report.headline).toBe('On CIFAR-10, "a" and "b" tie for the lead of 2 runs with 60.00 % best val acc.');
  });

  it("leaves runs without a model analysis out of efficiency and says so", () => {
    const report = generateComparisonReport([
      makeRun({ id: "a", best: 0.6, config: {} }),
      makeRun({ id: "b", best: 0.7, config: { freezeMode: "final_block" }, withAnalysis: false }),
    ]);
    const eff = getSection(report, "cifar10", "efficiency");
    expect(tableTexts(eff).map((r) => r[0])).toEqual(["a"]);
    expect(getFinding(eff, "efficiency.missing").runIds).toEqual(["b"]);
    expect(report.caveats.find((c) => c.id === "caveat.no-analysis")?.runIds).toEqual(["b"]);
  });

  it("rejects options that make no sense, naming the field", () => {
    expect(() => generateComparisonReport([], { noiseFloor: -1 })).toThrow(/Invalid report options: noiseFloor/);
  });

  it("produces a report that survives JSON and validates against its schema (share snapshots)", () => {
    const report = generateComparisonReport(makeStudyRuns());
    const back = comparisonReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(back).toEqual(report);
  });

  it("never prints NaN or Infinity, even for runs stuck at zero accuracy", () => {
    const zero = (id: string, init: "pretrained" | "random", freezeMode: "head_only" | "final_block") => {
      const run = makeRun({ id, best: 0.5, config: { init, freezeMode } });
      return { ...run, metrics: run.metrics.map((m) => ({ ...m, valAcc: 0, trainAcc: 0 })) };
    };
    const report = generateComparisonReport([
      zero("p", "pretrained", "head_only"),
      zero("r", "random", "head_only"),
      zero("rf", "random", "final_block"),
    ]);
    const text = JSON.stringify(report);
    expect(text).not.toMatch(/NaN|Infinity/);
    // zod numbers reject NaN and ±Infinity: the numbers behind the sentences are finite too
    expect(comparisonReportSchema.safeParse(report).success).toBe(true);
    const gain = getFinding(getSection(report, "cifar10", "init"), "init-gain.head_only");
    expect(gain.numbers.relativeGain).toBeNull();
    expect(gain.text).toContain("about equal");
  });

  it("does not change its input", () => {
    const runs = makeStudyRuns();
    const before = JSON.stringify(runs);
    generateComparisonReport(runs);
    expect(JSON.stringify(runs)).toBe(before);
  });
});
