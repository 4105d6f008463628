import { describe, expect, it } from "vitest";
import { analyzeModel, analyzeResNet, modelAnalysisSchema } from "./model-analysis";
import { parseRunConfig } from "./run-config";

const analyze = (input: Record<string, unknown>) => analyzeModel(parseRunConfig(input));

describe("analyzeModel", () => {
  it("counts ResNet-152 params as PyTorch's parameters() does", () => {
    expect(analyze({ dataset: "cifar10" }).totalParams).toBe(58_164_298);
    expect(analyze({ dataset: "cifar100" }).totalParams).toBe(58_348_708);
    const imagenet = analyzeResNet({
      arch: "resnet152",
      blocks: [3, 8, 36, 3],
      numClasses: 1000,
      imageSize: 224,
      freezeMode: "full",
      disabledSkips: [],
    });
    expect(imagenet.totalParams).toBe(60_192_808);
    expect(imagenet.macs).toBe(11_513_626_624);
    expect(imagenet.sizeMb).toBeCloseTo((60_192_808 * 4) / 2 ** 20, 9);
  });

  it("splits trainable and frozen by freeze mode", () => {
    const cases = [
      ["cifar10", "head_only", 20_490],
      ["cifar100", "head_only", 204_900],
      ["cifar10", "final_block", 14_985_226],
      ["cifar100", "final_block", 15_169_636],
      ["cifar10", "full", 58_164_298],
    ] as const;
    for (const [dataset, freezeMode, trainable] of cases) {
      const a = analyze({ dataset, freezeMode });
      expect(a.trainableParams, `${dataset} ${freezeMode}`).toBe(trainable);
      expect(a.frozenParams).toBe(a.totalParams - trainable);
    }
  });

  it("counts MACs and the study's FLOPs at 32 px", () => {
    const a = analyze({ dataset: "cifar10", imageSize: 32 });
    expect(a.macs).toBe(234_950_656);
    // conv FLOPs = MACs (no bias); fc 2·in·out + out; BN 4 and ReLU 1 per input element.
    expect(a.flopsByKind).toEqual({
      conv: 234_930_176,
      linear: 2 * 2048 * 10 + 10,
      batchNorm: 1_841_152,
      relu: 429_568,
    });
    expect(a.flops).toBe(234_930_176 + 40_970 + 1_841_152 + 429_568);
    expect(modelAnalysisSchema.parse(a)).toEqual(a);
  });

  it("reports both conventions when skips are disabled", () => {
    const plain = analyze({ dataset: "cifar10" });
    const a = analyze({ dataset: "cifar10", disabledSkips: ["layer3.0", "layer4.1"] });
    expect(plain.withUnusedRemoved).toBeNull();
    // The study kept layer3.0's unused projection in its total; layer4.1 has none.
    expect(a.totalParams).toBe(plain.totalParams);
    const projection = 512 * 1024 + 2 * 1024;
    expect(a.withUnusedRemoved).toEqual({
      totalParams: plain.totalParams - projection,
      trainableParams: 20_490,
      frozenParams: plain.totalParams - projection - 20_490,
      sizeMb: ((plain.totalParams - projection) * 4) / 2 ** 20,
      unusedParams: projection,
    });
    // The unused branch is never called: its conv (14×14 output at 224 px) and BN cost nothing.
    expect(plain.macs - a.macs).toBe(512 * 1024 * 14 * 14);
    expect(plain.flops - a.flops).toBe(512 * 1024 * 14 * 14 + 4 * 1024 * 14 * 14);
  });
});
