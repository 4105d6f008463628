import { z } from "zod";
import { resnetDepths } from "./resnet-arch";
import { type FreezeMode, numClasses, type RunConfig } from "./run-config";

/**
 * Size and cost of one configured network, as shown before launch and stored with the run.
 * Params follow PyTorch's `parameters()` (BatchNorm running stats are buffers, not params).
 * When skips are disabled, a block's projection branch (`downsample`) is no longer used:
 * `totalParams` keeps it, as the study counted; `withUnusedRemoved` drops it.
 */
export const modelAnalysisSchema = z.object({
  arch: z.string(),
  numClasses: z.number().int(),
  imageSize: z.number().int(),
  totalParams: z.number().int(),
  trainableParams: z.number().int(),
  frozenParams: z.number().int(),
  /** float32 parameters, MiB */
  sizeMb: z.number(),
  /** multiply-accumulates of one forward pass of one image (convolutions and fc) */
  macs: z.number().int(),
  /** FLOPs of one forward pass of one image, by the study's counter */
  flops: z.number().int(),
  /** the study's counter per kind of layer; pooling and the residual add are not counted */
  flopsByKind: z
    .object({ conv: z.number().int(), linear: z.number().int(), batchNorm: z.number().int(), relu: z.number().int() })
    .optional(),
  withUnusedRemoved: z
    .object({
      totalParams: z.number().int(),
      trainableParams: z.number().int().optional(),
      frozenParams: z.number().int(),
      sizeMb: z.number(),
      unusedParams: z.number().int(),
    })
    .nullable(),
});
export type ModelAnalysisRecord = z.infer<typeof modelAnalysisSchema>;

/** The network shape analyzeResNet walks; the depth table supplies `blocks` for the named archs. */
export interface ResNetShape {
  arch: string;
  blocks: readonly number[];
  widths?: readonly number[];
  numClasses: number;
  imageSize: number;
  freezeMode: FreezeMode;
  disabledSkips: readonly string[];
}

interface Tally {
  params: number;
  trainable: number;
  unused: number;
  unusedTrainable: number;
  macs: number;
  conv: number;
  linear: number;
  batchNorm: number;
  relu: number;
}

const trainsIn = (layer: string, mode: FreezeMode) =>
  mode === "full" || layer === "fc" || (mode === "final_block" && layer.startsWith("layer4."));

/** Output side of a conv/pool with PyTorch's floor rounding. */
const outSide = (side: number, k: number, stride: number, pad: number) => Math.floor((side + 2 * pad - k) / stride) + 1;

/** Pure walk over torchvision's ResNet (v1.5 bottlenecks), counting as the study's hooks did. */
export function analyzeResNet(s: ResNetShape): ModelAnalysisRecord {
  const widths = s.widths ?? [64, 128, 256, 512];
  const t: Tally = {
    params: 0,
    trainable: 0,
    unused: 0,
    unusedTrainable: 0,
    macs: 0,
    conv: 0,
    linear: 0,
    batchNorm: 0,
    relu: 0,
  };
  const disabled = new Set(s.disabledSkips);
  const addParams = (layer: string, n: number, used: boolean) => {
    t.params += n;
    const trainable = trainsIn(layer, s.freezeMode);
    if (trainable) t.trainable += n;
    if (!used) {
      t.unused += n;
      if (trainable) t.unusedTrainable += n;
    }
  };
  // conv k×k, no bias (torchvision's ResNet convs have none); returns the output side.
  const conv = (layer: string, side: number, cin: number, cout: number, k: number, stride: number, used = true) => {
    const pad = (k - 1) / 2;
    const out = outSide(side, k, stride, pad);
    addParams(layer, k * k * cin * cout, used);
    if (used) {
      const macs = k * k * cin * cout * out * out;
      t.macs += macs;
      t.conv += macs;
    }
    return out;
  };
  const bn = (layer: string, side: number, c: number, used = true) => {
    addParams(layer, 2 * c, used);
    if (used) t.batchNorm += 4 * c * side * side;
  };
  const relu = (side: number, c: number) => {
    t.relu += c * side * side;
  };

  let side = conv("conv1", s.imageSize, 3, widths[0]!, 7, 2);
  bn("bn1", side, widths[0]!);
  relu(side, widths[0]!);
  side = outSide(side, 3, 2, 1);
  let inC = widths[0]!;
  s.blocks.forEach((count, stage) => {
    const w = widths[stage]!;
    const outC = w * 4;
    for (let b = 0; b < count; b++) {
      const n = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const inSide = side;
      conv(`${n}.conv1`, side, inC, w, 1, 1);
      bn(`${n}.bn1`, side, w);
      relu(side, w);
      side = conv(`${n}.conv2`, side, w, w, 3, stride);
      bn(`${n}.bn2`, side, w);
      relu(side, w);
      conv(`${n}.conv3`, side, w, outC, 1, 1);
      bn(`${n}.bn3`, side, outC);
      if (stride !== 1 || inC !== outC) {
        const used = !disabled.has(n);
        const dsSide = conv(`${n}.downsample.0`, inSide, inC, outC, 1, stride, used);
        bn(`${n}.downsample.1`, dsSide, outC, used);
      }
      relu(side, outC);
      inC = outC;
    }
  });
  addParams("fc", inC * s.numClasses + s.numClasses, true);
  t.macs += inC * s.numClasses;
  t.linear += 2 * inC * s.numClasses + s.numClasses;

  const mib = (params: number) => (params * 4) / 2 ** 20;
  const flopsByKind = { conv: t.conv, linear: t.linear, batchNorm: t.batchNorm, relu: t.relu };
  return {
    arch: s.arch,
    numClasses: s.numClasses,
    imageSize: s.imageSize,
    totalParams: t.params,
    trainableParams: t.trainable,
    frozenParams: t.params - t.trainable,
    sizeMb: mib(t.params),
    macs: t.macs,
    flops: t.conv + t.linear + t.batchNorm + t.relu,
    flopsByKind,
    withUnusedRemoved:
      s.disabledSkips.length === 0
        ? null
        : {
            totalParams: t.params - t.unused,
            trainableParams: t.trainable - t.unusedTrainable,
            frozenParams: t.params - t.unused - (t.trainable - t.unusedTrainable),
            sizeMb: mib(t.params - t.unused),
            unusedParams: t.unused,
          },
  };
}

/** Analysis of a run's network before it is built: pure, so the web can show it before launch. */
export function analyzeModel(
  config: Pick<RunConfig, "arch" | "dataset" | "imageSize" | "freezeMode" | "disabledSkips">,
): ModelAnalysisRecord {
  return analyzeResNet({
    arch: config.arch,
    blocks: resnetDepths[config.arch],
    numClasses: numClasses(config.dataset),
    imageSize: config.imageSize,
    freezeMode: config.freezeMode,
    disabledSkips: config.disabledSkips,
  });
}
