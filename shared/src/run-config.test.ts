import { describe, expect, it } from "vitest";
import { getPreset, presets, suites } from "./presets";
import { blockNames } from "./resnet-arch";
import { parseRunConfig, runConfigSchema, usesBatchStatistics } from "./run-config";

describe("run config", () => {
  it("fills the study's defaults", () => {
    const cfg = parseRunConfig({});
    expect(cfg).toMatchObject({ optimizer: "adam", lr: 1e-3, batchSize: 128, seed: 42, bnFrozen: "train" });
  });

  it("names unknown blocks and lists the valid ones", () => {
    const r = runConfigSchema.safeParse({ disabledSkips: ["layer3.0", "layer5.1"] });
    expect(r.success).toBe(false);
    const msg = r.error?.issues[0]?.message ?? "";
    expect(msg).toContain('"layer5.1"');
    expect(msg).toContain("layer4.2");
    expect(msg).not.toContain('"layer3.0"');
  });

  it("rejects unknown fields rather than dropping them", () => {
    expect(runConfigSchema.safeParse({ learningRate: 0.1 }).success).toBe(false);
  });

  it("knows which configs normalise with batch statistics: all but head-only with eval-mode frozen BatchNorm", () => {
    expect(usesBatchStatistics(parseRunConfig({}))).toBe(true);
    expect(usesBatchStatistics(parseRunConfig({ bnFrozen: "eval" }))).toBe(false);
    expect(usesBatchStatistics(parseRunConfig({ bnFrozen: "eval", freezeMode: "final_block" }))).toBe(true);
  });

  it("has ResNet-152's 50 blocks", () => {
    const names = blockNames("resnet152");
    expect(names).toHaveLength(50);
    expect(names[0]).toBe("layer1.0");
    expect(names.at(-1)).toBe("layer4.2");
  });
});

describe("presets", () => {
  it("covers the study's eight runs, each a valid config", () => {
    expect(presets).toHaveLength(8);
    for (const p of presets) expect(() => parseRunConfig(p.config)).not.toThrow();
    expect(getPreset("transfer-pretrained-full").config.lr).toBe(1e-4);
    expect(getPreset("disabled-skip").config.disabledSkips).toEqual(["layer3.0", "layer4.1"]);
  });

  it("suites point at existing presets", () => {
    for (const s of suites) for (const id of s.presetIds) expect(() => getPreset(id)).not.toThrow();
    expect(suites.find((s) => s.id === "transfer")?.presetIds).toHaveLength(6);
  });
});
