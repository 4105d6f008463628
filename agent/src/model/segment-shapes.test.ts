import type * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { applyFreeze } from "./freeze";
import { buildResNet, disposeResNet, type ResNet, weightedLayers } from "./resnet";
import { segmentShapes, segmentsAfter } from "./segment-shapes";
import { disposeSegments, segmentModel } from "./segments";

const slow = process.env.AI623_FAST === "1";

beforeAll(async () => {
  await initBackend("cpu");
});

const elems = (t: tf.SymbolicTensor) => t.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** The analytic walk must describe exactly what buildResNet builds and segmentModel cuts. */
function expectShapesMatch(net: ResNet, o: Parameters<typeof segmentShapes>[0]) {
  applyFreeze(net, o.freezeMode, "train");
  const shapes = segmentShapes(o);
  const segments = segmentModel(net.model);
  try {
    expect(shapes.map((s) => s.name)).toEqual(segments.map((s) => s.name));
    segments.forEach((seg, i) => {
      const s = shapes[i]!;
      const layers = seg.model.layers.filter((l) => l.getClassName() !== "InputLayer");
      expect(s.layerElems.sort(), seg.name).toEqual(
        layers.map((l) => elems(l.getOutputAt(0) as tf.SymbolicTensor)).sort(),
      );
      expect(s.inputElems).toBe(elems(seg.model.inputs[0]!));
      expect(s.outputElems).toBe(elems(seg.model.outputs[0]!));
      expect(s.trainable, seg.name).toBe(seg.model.trainableWeights.length > 0);
    });
    const size = (w: { shape: readonly (number | null)[] }) => w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const weights = sum(weightedLayers(net).flatMap((l) => l.weights.map(size)));
    expect(sum(shapes.map((s) => s.weightElems))).toBe(weights);
    const trained = sum(net.model.trainableWeights.map(size));
    expect(sum(shapes.map((s) => s.trainedParams))).toBe(trained);
  } finally {
    disposeSegments(segments);
  }
}

describe("segmentShapes", () => {
  for (const [freezeMode, disabledSkips, imageSize] of [
    ["full", [], 32],
    ["final_block", ["layer3.0", "layer4.1"], 40],
    ["head_only", ["layer2.1"], 64],
  ] as const) {
    it(`equals the built network's segments (${freezeMode}, skips off in [${disabledSkips.join(", ")}], ${imageSize} px)`, () => {
      const o = {
        arch: "resnet50" as const,
        blocks: [2, 2, 2, 2],
        widths: [8, 8, 16, 16],
        numClasses: 10,
        imageSize,
        freezeMode,
        disabledSkips,
      };
      const net = buildResNet({ ...o, seed: 1 });
      expectShapesMatch(net, o);
      disposeResNet(net);
    });
  }

  it("gives the segments after a prefix cache's cut", () => {
    const all = segmentShapes({
      arch: "resnet152",
      imageSize: 224,
      numClasses: 100,
      freezeMode: "final_block",
      disabledSkips: [],
    });
    expect(segmentsAfter(all, "layer3.35.relu3").map((s) => s.name)).toEqual([
      "layer4.0",
      "layer4.1",
      "layer4.2",
      "avgpool",
      "fc",
    ]);
    expect(segmentsAfter(all, "avgpool").map((s) => s.name)).toEqual(["fc"]);
    expect(() => segmentsAfter(all, "layer3.36.relu3")).toThrow(/No segment/);
  });
});

describe.skipIf(slow)("segmentShapes on the real ResNet-152", () => {
  it("equals the built network at 224 px with the study's disabled skips", () => {
    const o = {
      arch: "resnet152" as const,
      numClasses: 10,
      imageSize: 224,
      freezeMode: "full" as const,
      disabledSkips: ["layer3.0", "layer4.1"],
    };
    const net = buildResNet({ ...o, seed: 1 });
    expectShapesMatch(net, o);
    disposeResNet(net);
  });
});
