// ResNet-50/101/152 in torchvision's v1.5 layout (stride on the bottleneck's 3×3), built with the
// tfjs-layers functional API in the shape of Keras `applications/resnet.py`: a block builder, a
// stack builder and a model builder. Layer names are torchvision state_dict keys, so weights map
// one to one. Padding is explicit (ZeroPadding2D + 'valid'): TF's 'same' pads stride-2 convs
// asymmetrically, PyTorch pads symmetrically.
import { blockNames, type ResnetArch, resnetDepths } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { AgentError } from "../errors";
import { installTorchBatchNorm } from "./batch-norm";

export const bottleneckExpansion = 4;
export const defaultWidths = [64, 128, 256, 512] as const;

export interface ResNetOptions {
  arch?: ResnetArch;
  numClasses: number;
  /** input side in pixels, 32–224 */
  imageSize: number;
  /** blocks whose residual add is removed (`out = relu(bn3(conv3(…)))`) */
  disabledSkips?: readonly string[];
  /** overrides the depth table: `[1,1,1,1]` runs the same code path at test speed */
  blocks?: readonly number[];
  /** bottleneck widths per stage; defaults to torchvision's 64/128/256/512 */
  widths?: readonly number[];
  /** seed for the random initialisation (torchvision's scheme); random when omitted */
  seed?: number;
}

/** A built network plus the layers it owns but does not call. */
export interface ResNet {
  model: tf.LayersModel;
  arch: ResnetArch | "custom";
  numClasses: number;
  imageSize: number;
  blocks: readonly number[];
  disabledSkips: readonly string[];
  /**
   * Projection branches (`layerN.0.downsample.*`) of blocks whose skip is disabled: built and
   * weighted so pretrained weights load and checkpoints stay loadable by the study's PyTorch model,
   * but never called, as in the study.
   */
  unusedLayers: tf.layers.Layer[];
}

/** Every layer holding weights, the model's and the unused ones, by torchvision name. */
export function weightedLayers(net: ResNet): tf.layers.Layer[] {
  return [...net.model.layers, ...net.unusedLayers].filter((l) => l.weights.length > 0);
}

/** torchvision's init: kaiming_normal_(fan_out, relu) convs, BN 1/0, Linear U(±1/√fan_in). */
class LayerFactory {
  private nextSeed: number | undefined;
  constructor(seed: number | undefined) {
    this.nextSeed = seed;
  }
  private seed(): number | undefined {
    return this.nextSeed === undefined ? undefined : this.nextSeed++;
  }
  conv(name: string, filters: number, kernelSize: number, strides: number, padding: "valid" | "same" = "valid") {
    return tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      strides,
      padding,
      useBias: false,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 2,
        mode: "fanOut",
        distribution: "normal",
        seed: this.seed(),
      }),
    });
  }
  batchNorm(name: string): tf.layers.Layer {
    // Keras momentum 0.9 is PyTorch's momentum 0.1 (new = 0.9·old + 0.1·batch).
    return installTorchBatchNorm(tf.layers.batchNormalization({ name, axis: -1, epsilon: 1e-5, momentum: 0.9 }));
  }
  dense(name: string, units: number, fanIn: number): tf.layers.Layer {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.layers.dense({
      name,
      units,
      kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.seed() }),
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.seed() }),
    });
  }
}

type Sym = tf.SymbolicTensor;
const call = (layer: tf.layers.Layer, x: Sym): Sym => layer.apply(x) as Sym;
const pad = (name: string, p: number) => tf.layers.zeroPadding2d({ name, padding: p });

interface BlockArgs {
  name: string;
  width: number;
  stride: number;
  inChannels: number;
  skip: boolean;
}

/** One bottleneck block: 1×1 → 3×3 (stride) → 1×1 (×4), projection shortcut where shapes change. */
function buildBottleneck(f: LayerFactory, x: Sym, a: BlockArgs, unused: tf.layers.Layer[]): Sym {
  const outC = a.width * bottleneckExpansion;
  const n = a.name;
  let y = call(f.conv(`${n}.conv1`, a.width, 1, 1), x);
  y = call(tf.layers.reLU({ name: `${n}.relu1` }), call(f.batchNorm(`${n}.bn1`), y));
  // TF 'same' equals PyTorch's padding=1 for a 3×3 at stride 1 (one pixel each side) and skips the
  // padding layer's copy and its gradient; at stride 2 TF would pad asymmetrically, so pad explicitly.
  if (a.stride === 1) y = call(f.conv(`${n}.conv2`, a.width, 3, 1, "same"), y);
  else y = call(f.conv(`${n}.conv2`, a.width, 3, a.stride), call(pad(`${n}.conv2.pad`, 1), y));
  y = call(tf.layers.reLU({ name: `${n}.relu2` }), call(f.batchNorm(`${n}.bn2`), y));
  y = call(f.batchNorm(`${n}.bn3`), call(f.conv(`${n}.conv3`, outC, 1, 1), y));
  const needsProjection = a.stride !== 1 || a.inChannels !== outC;
  if (a.skip) {
    let shortcut = x;
    if (needsProjection) {
      shortcut = call(f.conv(`${n}.downsample.0`, outC, 1, a.stride), x);
      shortcut = call(f.batchNorm(`${n}.downsample.1`), shortcut);
    }
    y = tf.layers.add({ name: `${n}.add` }).apply([y, shortcut]) as Sym;
  } else if (needsProjection) {
    const [, h, w] = x.shape;
    const conv = f.conv(`${n}.downsample.0`, outC, 1, a.stride);
    conv.build([null, h ?? null, w ?? null, a.inChannels]);
    const bn = f.batchNorm(`${n}.downsample.1`);
    bn.build([null, null, null, outC]);
    unused.push(conv, bn);
  }
  return call(tf.layers.reLU({ name: `${n}.relu3` }), y);
}

/** One stage (`layerN`): `count` blocks, the first one strided (except stage 1). */
function buildStack(
  f: LayerFactory,
  x: Sym,
  stage: number,
  count: number,
  width: number,
  inChannels: number,
  disabled: ReadonlySet<string>,
  unused: tf.layers.Layer[],
): Sym {
  let y = x;
  let inC = inChannels;
  for (let b = 0; b < count; b++) {
    const name = `layer${stage}.${b}`;
    const stride = b === 0 && stage > 1 ? 2 : 1;
    y = buildBottleneck(f, y, { name, width, stride, inChannels: inC, skip: !disabled.has(name) }, unused);
    inC = width * bottleneckExpansion;
  }
  return y;
}

function checkOptions(o: ResNetOptions, blocks: readonly number[], widths: readonly number[]): void {
  if (!Number.isInteger(o.imageSize) || o.imageSize < 32 || o.imageSize > 224) {
    throw new AgentError("BAD_IMAGE_SIZE", `imageSize must be an integer from 32 to 224, got ${o.imageSize}`);
  }
  if (!Number.isInteger(o.numClasses) || o.numClasses < 1) {
    throw new AgentError("BAD_NUM_CLASSES", `numClasses must be a positive integer, got ${o.numClasses}`);
  }
  if (blocks.length !== 4 || widths.length !== 4 || [...blocks, ...widths].some((v) => !(v >= 1))) {
    throw new AgentError("BAD_DEPTH", "blocks and widths must list 4 positive numbers, one per stage");
  }
}

/** Valid block names for a depth table, in state_dict order. */
export function listBlocks(blocks: readonly number[]): string[] {
  return blocks.flatMap((n, stage) => Array.from({ length: n }, (_, b) => `layer${stage + 1}.${b}`));
}

/** Builds the network; `x`: [batch, imageSize, imageSize, 3] normalised pixels → logits [batch, numClasses]. */
export function buildResNet(o: ResNetOptions): ResNet {
  const arch = o.blocks ? "custom" : (o.arch ?? "resnet152");
  const blocks = o.blocks ?? resnetDepths[o.arch ?? "resnet152"];
  const widths = o.widths ?? defaultWidths;
  checkOptions(o, blocks, widths);
  const valid = arch === "custom" ? listBlocks(blocks) : blockNames(arch);
  const disabledSkips = [...(o.disabledSkips ?? [])];
  const unknown = disabledSkips.filter((b) => !valid.includes(b));
  if (unknown.length > 0) {
    throw new AgentError(
      "UNKNOWN_BLOCK",
      `Unknown block ${unknown.map((b) => `"${b}"`).join(", ")} in disabledSkips; valid blocks are ${valid.join(", ")}`,
    );
  }
  const f = new LayerFactory(o.seed);
  const unused: tf.layers.Layer[] = [];
  const disabled = new Set(disabledSkips);
  const input = tf.input({ shape: [o.imageSize, o.imageSize, 3], name: "input" });
  // Stem: conv 7×7/2 (pad 3), bn, relu, maxpool 3×3/2 (pad 1). Zero padding before the max pool is
  // PyTorch's -inf padding here because its input is post-ReLU (≥ 0).
  let x = call(f.conv("conv1", widths[0]!, 7, 2), call(pad("conv1.pad", 3), input));
  x = call(tf.layers.reLU({ name: "relu" }), call(f.batchNorm("bn1"), x));
  x = call(pad("maxpool.pad", 1), x);
  x = call(tf.layers.maxPooling2d({ name: "maxpool", poolSize: 3, strides: 2, padding: "valid" }), x);
  let inC = widths[0]!;
  for (let s = 0; s < 4; s++) {
    x = buildStack(f, x, s + 1, blocks[s]!, widths[s]!, inC, disabled, unused);
    inC = widths[s]! * bottleneckExpansion;
  }
  x = call(tf.layers.globalAveragePooling2d({ name: "avgpool" }), x);
  // Logits: softmax belongs to the loss, as in PyTorch's CrossEntropyLoss.
  const logits = call(f.dense("fc", o.numClasses, inC), x);
  const model = tf.model({ inputs: input, outputs: logits, name: arch });
  return { model, arch, numClasses: o.numClasses, imageSize: o.imageSize, blocks, disabledSkips, unusedLayers: unused };
}

/** Frees every weight, the unused projection branches' included. */
export function disposeResNet(net: ResNet): void {
  net.model.dispose();
  // Never-called layers refuse Layer.dispose(); their variables still hold memory.
  for (const layer of net.unusedLayers) for (const w of layer.weights) w.dispose();
}
