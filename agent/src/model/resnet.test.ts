import { analyzeResNet, blockNames, type FreezeMode } from "@ai623/shared";
import type * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { AgentError } from "../errors";
import { applyFreeze } from "./freeze";
import { measureModel } from "./measure";
import { buildResNet, disposeResNet, weightedLayers } from "./resnet";

const slow = process.env.AI623_FAST === "1";
const tiny = { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 10 } as const;

beforeAll(async () => {
  await initBackend("wasm");
});

describe("buildResNet", () => {
  it("names layers after torchvision's state_dict keys", () => {
    const net = buildResNet({ ...tiny, imageSize: 32 });
    const names = weightedLayers(net).map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(["conv1", "bn1", "layer1.0.conv1", "layer1.0.bn1"]);
    expect(names).toContain("layer2.0.downsample.0");
    expect(names).toContain("layer2.0.downsample.1");
    expect(names.at(-1)).toBe("fc");
    const bn = net.model.getLayer("layer1.0.bn1").getConfig();
    expect(bn.epsilon).toBe(1e-5);
    expect(bn.momentum).toBe(0.9);
    net.model.dispose();
  });

  it("takes any image size from 32 to 224 and pads like PyTorch", () => {
    for (const imageSize of [32, 33, 97]) {
      const net = buildResNet({ ...tiny, imageSize });
      // conv1 7×7/2 pad 3, maxpool 3×3/2 pad 1, then three stride-2 stages, floor rounding throughout.
      let side = Math.floor((imageSize + 6 - 7) / 2) + 1;
      side = Math.floor((side + 2 - 3) / 2) + 1;
      for (let s = 0; s < 3; s++) side = Math.floor((side + 2 - 3) / 2) + 1;
      expect((net.model.getLayer("layer4.0.relu3").output as tf.SymbolicTensor).shape).toEqual([null, side, side, 128]);
      net.model.dispose();
    }
    expect(() => buildResNet({ ...tiny, imageSize: 16 })).toThrow(/32 to 224/);
  });

  it("removes the residual add of disabled blocks and rejects unknown ones", () => {
    const net = buildResNet({ ...tiny, imageSize: 32, disabledSkips: ["layer3.0", "layer4.0"] });
    const layerNames = net.model.layers.map((l) => l.name);
    expect(layerNames).not.toContain("layer3.0.add");
    expect(layerNames).toContain("layer2.0.add");
    expect(layerNames).not.toContain("layer3.0.downsample.0");
    // The unused projection exists (weights load, checkpoints round-trip) but is never called.
    expect(net.unusedLayers.map((l) => l.name)).toEqual([
      "layer3.0.downsample.0",
      "layer3.0.downsample.1",
      "layer4.0.downsample.0",
      "layer4.0.downsample.1",
    ]);
    net.model.dispose();
    let err: unknown;
    try {
      buildResNet({ ...tiny, imageSize: 32, disabledSkips: ["layer3.1"] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe("UNKNOWN_BLOCK");
    expect((err as AgentError).message).toContain('"layer3.1"');
    expect((err as AgentError).message).toContain("layer1.0, layer2.0, layer3.0, layer4.0");
  });

  it("equals shared's analysis on the tiny model, for every freeze mode and with disabled skips", () => {
    for (const freezeMode of ["head_only", "final_block", "full"] as FreezeMode[]) {
      for (const disabledSkips of [[], ["layer2.0", "layer4.0"]]) {
        const net = buildResNet({ ...tiny, imageSize: 40, disabledSkips });
        applyFreeze(net, freezeMode, "train");
        const a = analyzeResNet({ arch: "custom", ...tiny, imageSize: 40, freezeMode, disabledSkips });
        const m = measureModel(net);
        expect(m.totalParams).toBe(a.totalParams);
        expect(m.trainableParams).toBe(a.trainableParams);
        expect(m.unusedParams).toBe(a.withUnusedRemoved?.unusedParams ?? 0);
        expect(m.macs).toBe(a.macs);
        expect(m.flops).toBe(a.flops);
        disposeResNet(net);
      }
    }
  });
});

describe.skipIf(slow)("buildResNet: the real ResNet-152", () => {
  it("has torchvision's exact counts and equals shared's analysis", () => {
    const net = buildResNet({
      arch: "resnet152",
      numClasses: 10,
      imageSize: 32,
      disabledSkips: ["layer3.0", "layer4.1"],
    });
    expect(weightedLayers(net).filter((l) => l.name.endsWith(".conv1")).length).toBe(blockNames("resnet152").length);
    for (const [freezeMode, trainable] of [
      ["head_only", 20_490],
      ["final_block", 14_985_226],
    ] as const) {
      applyFreeze(net, freezeMode, "train");
      const m = measureModel(net);
      const a = analyzeResNet({
        arch: "resnet152",
        blocks: [3, 8, 36, 3],
        numClasses: 10,
        imageSize: 32,
        freezeMode,
        disabledSkips: ["layer3.0", "layer4.1"],
      });
      expect(m.totalParams).toBe(58_164_298);
      expect(m.trainableParams).toBe(trainable);
      expect(m).toEqual({
        totalParams: a.totalParams,
        trainableParams: a.trainableParams,
        unusedParams: a.withUnusedRemoved!.unusedParams,
        macs: a.macs,
        flops: a.flops,
      });
    }
    disposeResNet(net);
  });

  it("matches the 224 px / 1000-class anchors", () => {
    const net = buildResNet({ arch: "resnet152", numClasses: 1000, imageSize: 224 });
    const m = measureModel(net);
    expect(m.totalParams).toBe(60_192_808);
    expect(m.macs).toBe(11_513_626_624);
    net.model.dispose();
  });
});
