import { describe, expect, it } from "vitest";
import { generateComparisonReport } from "./report";
import { makeGridRuns, makeRun } from "./test-fixtures";
import { getFinding, getSection } from "./test-helpers";

// The same questions on different numbers must give different answers: nothing is canned.

const studyLike = makeGridRuns({
  pretrained: { head_only: 0.7071, final_block: 0.78, full: 0.785 },
  random: { head_only: 0.042, final_block: 0.234, full: 0.41 },
});
const randomWins = makeGridRuns({
  pretrained: { head_only: 0.2, final_block: 0.3, full: 0.5 },
  random: { head_only: 0.25, final_block: 0.45, full: 0.62 },
});
const fullWins = makeGridRuns({
  pretrained: { head_only: 0.6, final_block: 0.7, full: 0.78 },
  random: { head_only: 0.05, final_block: 0.25, full: 0.55 },
});

describe("pretrained vs random flips with the data", () => {
  const study = generateComparisonReport(studyLike);
  const flipped = generateComparisonReport(randomWins);

  it("says pretrained wins everywhere for study-like numbers", () => {
    const init = getSection(study, "cifar100", "init");
    expect(init.headline).toMatch(/^Pretrained weights beat random initialisation in all 3 freeze modes/);
    expect(init.findings.every((f) => f.text.includes("pretrained weights win"))).toBe(true);
  });

  it("says random wins everywhere, with negative gains, when random is better", () => {
    const init = getSection(flipped, "cifar100", "init");
    expect(init.headline).toMatch(/^Random initialisation beats pretrained weights in all 3 freeze modes/);
    expect(init.headline).toContain("the ImageNet weights do not help here");
    const head = getFinding(init, "init-gain.head_only");
    expect(head.numbers.absoluteGain).toBeCloseTo(-0.05, 10);
    expect(head.text).toContain("random initialisation beats pretrained weights");
    expect(head.text).toContain("\u22125.00 pts, \u221220.0 % relative");
  });

  it("reverses the transfer verdict", () => {
    const a = getSection(study, "cifar100", "transfer");
    const b = getSection(flipped, "cifar100", "transfer");
    expect(a.headline).not.toEqual(b.headline);
    expect(b.headline).toMatch(/^The ImageNet features do not transfer to CIFAR-100 here/);
    expect(getFinding(b, "transfer.frozen-features").text).toContain(
      "frozen random features beat frozen ImageNet ones",
    );
    expect(getFinding(b, "transfer.random-vs-frozen").text).toContain("beats the frozen pretrained backbone");
    // with no transferable features, "early layers carry them" must not be claimed
    expect(getFinding(b, "transfer.layer4").text).toContain("no head start");
  });

  it("names a different leader", () => {
    expect(study.headline).toContain('"pretrained full" leads');
    expect(flipped.headline).toContain('"random full" leads');
  });

  it("mixed results are reported as mixed", () => {
    const mixed = generateComparisonReport(
      makeGridRuns({
        pretrained: { head_only: 0.6, final_block: 0.5, full: 0.5 },
        random: { head_only: 0.1, final_block: 0.6, full: 0.505 },
      }),
    );
    expect(getSection(mixed, "cifar100", "init").headline).toBe(
      "Mixed result: pretrained wins in head_only, random wins in final_block and they are about equal in full.",
    );
  });
});

describe("which layers transfer depends on the head_only / final_block / full gaps", () => {
  it("full beating final_block means the early layers still gain from adapting", () => {
    const report = generateComparisonReport(fullWins);
    const ladder = getFinding(getSection(report, "cifar100", "strategies"), "strategy-ladder.pretrained");
    expect(ladder.text).toContain("full beats final_block by 8.00 pts (78.00 % vs 70.00 %)");
    expect(ladder.text).toContain("Best: full, training every layer");
    expect(ladder.text).toContain("full 1e-4");
    const transfer = getSection(report, "cifar100", "transfer");
    expect(transfer.headline).toMatch(/^Transfer fades with depth/);
    expect(getFinding(transfer, "transfer.early-layers").text).toContain("the early layers still gain from adapting");
  });

  it("full no better than final_block means conv1–layer3 transfer as they are", () => {
    const report = generateComparisonReport(studyLike);
    const transfer = getSection(report, "cifar100", "transfer");
    expect(transfer.headline).toMatch(
      /^The early layers \(conv1–layer3\) transfer as they are \(fine-tuning them changes accuracy by \+0\.50 pts\)/,
    );
    expect(transfer.headline).toContain("layer4 is task-specific: retraining it adds 7.29 pts");
    // random gains far more from layer4 (+19.2) than pretrained (+7.29): earlier layers carry the transfer
    expect(getFinding(transfer, "transfer.layer4").text).toContain(
      "the transferable features sit in the earlier layers",
    );
    const ladder = getFinding(getSection(report, "cifar100", "strategies"), "strategy-ladder.pretrained");
    expect(ladder.text).toContain("full and final_block are about equal");
  });

  it("no gain from layer4 means the whole backbone transfers as it is", () => {
    const report = generateComparisonReport(
      makeGridRuns({
        pretrained: { head_only: 0.8, final_block: 0.802, full: 0.79 },
        random: { head_only: 0.05, final_block: 0.3, full: 0.5 },
      }),
    );
    expect(getSection(report, "cifar100", "transfer").headline).toMatch(
      /^The whole pretrained backbone transfers as it is: retraining layer4 changes accuracy by \+0\.20 pts; training every layer as well costs 1\.20 pts/,
    );
    expect(getSection(report, "cifar100", "strategies").headline).toMatch(/^final_block reaches the highest accuracy/);
  });
});

describe("trade-off pick", () => {
  it("picks a cheaper run within the tolerance of the best, and the best when nothing is close", () => {
    const close = makeGridRuns({
      pretrained: { head_only: 0.7, final_block: 0.775, full: 0.785 },
      random: { head_only: 0.04, final_block: 0.2, full: 0.4 },
    });
    const eff = getSection(generateComparisonReport(close), "cifar100", "efficiency");
    const pick = getFinding(eff, "efficiency.trade-off");
    expect(pick.runIds).toEqual(["pretrained-final_block", "pretrained-full"]);
    expect(pick.text).toContain('It gives up 1.00 pts to "pretrained full" (78.50 %) for 3.85× fewer trainable params');
    expect(pick.text).toContain("Wall time: 1 h 15 min against 3 h 20 min.");

    const far = getSection(generateComparisonReport(fullWins), "cifar100", "efficiency");
    expect(getFinding(far, "efficiency.trade-off").runIds[0]).toBe("pretrained-full");
    expect(getFinding(far, "efficiency.trade-off").text).toContain("so the most accurate run is the pick");
  });

  it("follows the tolerance option", () => {
    const runs = [
      makeRun({ id: "head", best: 0.7, config: {} }),
      makeRun({ id: "block", best: 0.75, config: { freezeMode: "final_block" } }),
    ];
    const pickOf = (tol: number) =>
      getFinding(
        getSection(generateComparisonReport(runs, { tradeOffTolerance: tol }), "cifar10", "efficiency"),
        "efficiency.trade-off",
      ).runIds[0];
    expect(pickOf(0.02)).toBe("block");
    expect(pickOf(0.06)).toBe("head");
  });
});
