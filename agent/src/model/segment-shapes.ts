// The ResNet's segments (model/segments.ts) as numbers, without building anything: per image, the
// elements each layer outputs. The memory pre-flight (train/memory-plan.ts) prices a training step
// from these before a run's model exists; segments.test.ts checks them against a built network.
import { type RunConfig, resnetDepths } from "@ai623/shared";
import { bottleneckExpansion, defaultWidths } from "./resnet";

export interface SegmentShape {
  /** as in segments.ts: `stem`, `layer3.4`, `avgpool`, `fc` */
  name: string;
  /** float32 elements per image: the segment's input, its output, and every layer output in it */
  inputElems: number;
  outputElems: number;
  layerElems: number[];
  /** float32 weights held (BatchNorm running statistics and unused projections included) */
  weightElems: number;
  /** parameters the optimiser updates (0 when frozen): each has a gradient and optimiser slots */
  trainedParams: number;
  trainable: boolean;
}

export interface ShapeOptions {
  arch: RunConfig["arch"];
  imageSize: number;
  numClasses: number;
  freezeMode: RunConfig["freezeMode"];
  disabledSkips: readonly string[];
  /** test shrinking, as buildResNet's */
  blocks?: readonly number[];
  widths?: readonly number[];
}

/** PyTorch's floor rounding for a conv or pool. */
const outSide = (side: number, k: number, stride: number, pad: number) => Math.floor((side + 2 * pad - k) / stride) + 1;
const trainsIn = (name: string, mode: RunConfig["freezeMode"]) =>
  mode === "full" || name === "fc" || (mode === "final_block" && name.startsWith("layer4."));

/** Segments from the input to the logits, in order. */
export function segmentShapes(o: ShapeOptions): SegmentShape[] {
  const blocks = o.blocks ?? resnetDepths[o.arch];
  const widths = o.widths ?? defaultWidths;
  const disabled = new Set(o.disabledSkips);
  const s0 = o.imageSize;
  const s1 = outSide(s0, 7, 2, 3);
  const s2 = outSide(s1, 3, 2, 1);
  const c0 = widths[0]!;
  /** γ and β are parameters; the running mean and variance are weights too */
  const bn = (c: number) => 2 * c;
  const seg = (
    base: Omit<SegmentShape, "trainedParams" | "weightElems">,
    params: number,
    stats: number,
    unused = 0,
  ) => ({
    ...base,
    weightElems: params + stats + unused,
    trainedParams: base.trainable ? params : 0,
  });
  const segs: SegmentShape[] = [
    seg(
      {
        name: "stem",
        inputElems: 3 * s0 * s0,
        outputElems: c0 * s2 * s2,
        // pad, conv1, bn1, relu, pad, maxpool
        layerElems: [3 * (s0 + 6) ** 2, c0 * s1 * s1, c0 * s1 * s1, c0 * s1 * s1, c0 * (s1 + 2) ** 2, c0 * s2 * s2],
        trainable: trainsIn("conv1", o.freezeMode),
      },
      7 * 7 * 3 * c0 + bn(c0),
      bn(c0),
    ),
  ];
  let side = s2;
  let inC = c0;
  blocks.forEach((count, stage) => {
    const c = widths[stage]!;
    const outC = c * bottleneckExpansion;
    for (let b = 0; b < count; b++) {
      const name = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const out = outSide(side, 3, stride, 1);
      const hw = side * side;
      const ohw = out * out;
      const skip = !disabled.has(name);
      const projection = stride !== 1 || inC !== outC;
      const layerElems = [c * hw, c * hw, c * hw];
      if (stride !== 1) layerElems.push(c * (side + 2) ** 2);
      layerElems.push(c * ohw, c * ohw, c * ohw, outC * ohw, outC * ohw);
      if (skip && projection) layerElems.push(outC * ohw, outC * ohw);
      if (skip) layerElems.push(outC * ohw);
      layerElems.push(outC * ohw);
      const main = inC * c + bn(c) + 9 * c * c + bn(c) + c * outC + bn(outC);
      const proj = projection ? inC * outC + bn(outC) : 0;
      const stats = bn(c) * 2 + bn(outC) + (projection ? bn(outC) : 0);
      // a disabled skip's projection keeps its weights (they load) but is never called or trained
      segs.push(
        seg(
          {
            name,
            inputElems: inC * hw,
            outputElems: outC * ohw,
            layerElems,
            trainable: trainsIn(`${name}.conv1`, o.freezeMode),
          },
          skip ? main + proj : main,
          stats,
          skip ? 0 : proj,
        ),
      );
      side = out;
      inC = outC;
    }
  });
  segs.push(
    seg(
      { name: "avgpool", inputElems: inC * side * side, outputElems: inC, layerElems: [inC], trainable: false },
      0,
      0,
    ),
  );
  segs.push(
    seg(
      { name: "fc", inputElems: inC, outputElems: o.numClasses, layerElems: [o.numClasses], trainable: true },
      inC * o.numClasses + o.numClasses,
      0,
    ),
  );
  return segs;
}

/** The segments after the layer a prefix cache cuts at (`avgpool` or a block's `relu3`), or all. */
export function segmentsAfter(segs: readonly SegmentShape[], cut: string | null): SegmentShape[] {
  if (cut === null) return [...segs];
  const name = cut.endsWith(".relu3") ? cut.slice(0, -".relu3".length) : cut;
  const at = segs.findIndex((s) => s.name === name);
  if (at < 0) throw new Error(`No segment ends at "${cut}"`);
  return segs.slice(at + 1);
}
