// Frozen-prefix cache. With frozen BatchNorm pinned to running statistics (bnFrozen `eval`) and no
// augmentation, everything before the first trainable layer is a fixed function of the image: it is
// computed once per image (training=false, outside any gradient tape) and every epoch trains only the
// suffix on the stored features. Layers are shared between the full model and the suffix, so the
// weights, optimiser slots and checkpoints are the same as on the uncached path.
import type { RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import type { DataPipeline } from "../data/pipeline";
import type { ResNet } from "../model/resnet";

export const defaultPrefixCacheMb = 4096;

/** What the train loop and validation consume: image batches or cached feature batches. */
export interface FeatureBatch {
  xs: tf.Tensor;
  ys: tf.Tensor1D;
  size: number;
  dispose(): void;
}
export interface BatchSource {
  stepsPerEpoch: number;
  valSteps: number;
  trainBatches(epoch: number, fromStep?: number): AsyncGenerator<FeatureBatch>;
  valBatches(): AsyncGenerator<FeatureBatch>;
}

export type PrefixCacheDecision =
  | { cached: true; cut: string; featureShape: number[]; megabytes: number }
  | { cached: false; reason: string };

/** The layer whose output is the only tensor crossing into the trainable part, or null (`full`). */
export function cutLayerFor(net: ResNet, freezeMode: RunConfig["freezeMode"]): string | null {
  if (freezeMode === "head_only") return "avgpool";
  if (freezeMode === "final_block") return `layer3.${net.blocks[2]! - 1}.relu3`;
  return null;
}

/** Reads AI623_PREFIX_CACHE_MB (called per run, never at import). */
export function readPrefixCacheLimitMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AI623_PREFIX_CACHE_MB;
  if (raw === undefined || raw === "") return defaultPrefixCacheMb;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0) {
    throw new Error(
      `AI623_PREFIX_CACHE_MB must be a number of megabytes ≥ 0, got "${raw}"; unset it for ${defaultPrefixCacheMb}`,
    );
  }
  return mb;
}

/** Whether this run can train on cached prefix outputs, and if not, why (logged and reported). */
export function decidePrefixCache(
  config: Pick<RunConfig, "freezeMode" | "bnFrozen" | "augment">,
  net: ResNet,
  images: number,
  limitMb: number,
): PrefixCacheDecision {
  const cut = cutLayerFor(net, config.freezeMode);
  if (cut === null) return { cached: false, reason: "freezeMode full trains every layer: there is no frozen prefix" };
  if (config.augment) {
    return { cached: false, reason: "augmentation is on: the frozen prefix sees a different image every epoch" };
  }
  if (config.bnFrozen !== "eval") {
    return {
      cached: false,
      reason:
        "bnFrozen is train: frozen BatchNorm layers normalise with batch statistics, so the prefix depends on the batch",
    };
  }
  const featureShape = net.model.getLayer(cut).getOutputAt(0) as tf.SymbolicTensor;
  const shape = featureShape.shape.slice(1) as number[];
  const megabytes = (images * shape.reduce((a, b) => a * b, 1) * 4) / 2 ** 20;
  if (megabytes > limitMb) {
    return {
      cached: false,
      reason: `the prefix cache would take ${megabytes.toFixed(0)} MB for ${images} images, over AI623_PREFIX_CACHE_MB=${limitMb}; raise it to cache`,
    };
  }
  return { cached: true, cut, featureShape: shape, megabytes };
}

/**
 * prefix: inputs → output of `cut` (no new layer calls); suffix: a new input re-applied through every
 * later layer in topological order, sharing weights. Throws if another tensor crosses the cut.
 */
export interface SplitModel {
  prefix: tf.LayersModel;
  suffix: tf.LayersModel;
  cut: string;
}

export function splitModel(model: tf.LayersModel, cut: string): SplitModel {
  const cutTensor = model.getLayer(cut).getOutputAt(0) as tf.SymbolicTensor;
  const safe = (s: string) => s.replace(/\./g, "_");
  const prefix = tf.model({ inputs: model.inputs, outputs: cutTensor, name: safe(`${model.name}_to_${cut}`) });
  const input = tf.input({ shape: cutTensor.shape.slice(1) as number[], name: safe(`${cut}_in`) });
  const map = new Map<number, tf.SymbolicTensor>([[cutTensor.id, input]]);
  let seenCut = false;
  for (const layer of model.layers) {
    if (layer.name === cut) {
      seenCut = true;
      continue;
    }
    const node = layer.inboundNodes[0];
    if (!node || node.inputTensors.length === 0 || !seenCut) continue;
    const ins = node.inputTensors.map((t) => map.get(t.id));
    if (ins.some((t) => t === undefined)) throw new Error(`${layer.name} reads a tensor from before "${cut}"`);
    const out = layer.apply(ins.length === 1 ? ins[0]! : (ins as tf.SymbolicTensor[])) as
      | tf.SymbolicTensor
      | tf.SymbolicTensor[];
    node.outputTensors.forEach((t, i) => {
      map.set(t.id, Array.isArray(out) ? out[i]! : out);
    });
  }
  const outs = model.outputs.map((t) => map.get(t.id));
  if (outs.some((t) => t === undefined)) throw new Error(`the suffix after "${cut}" does not reach the outputs`);
  const suffix = tf.model({
    inputs: input,
    outputs: outs as tf.SymbolicTensor[],
    name: safe(`${model.name}_from_${cut}`),
  });
  return { prefix, suffix, cut };
}

export interface PrefixCache extends BatchSource {
  megabytes: number;
  /** time spent computing the prefix outputs */
  seconds: number;
}

/** Whether to cache (and the split if so), logged with its reason either way. */
export function planPrefixCache(
  net: ResNet,
  config: Pick<RunConfig, "freezeMode" | "bnFrozen" | "augment">,
  pipeline: Pick<DataPipeline, "trainIndices" | "valIndices">,
  opt: { enabled?: boolean; limitMb?: number; log: (message: string) => void },
): { decision: PrefixCacheDecision; split: SplitModel | null } {
  const images = pipeline.trainIndices.length + pipeline.valIndices.length;
  const decision: PrefixCacheDecision =
    opt.enabled === false
      ? { cached: false, reason: "prefix cache disabled by the caller" }
      : decidePrefixCache(config, net, images, opt.limitMb ?? readPrefixCacheLimitMb());
  if (!decision.cached) {
    opt.log(`Prefix cache off: ${decision.reason}`);
    return { decision, split: null };
  }
  opt.log(
    `Prefix cache: training on ${decision.cut}'s outputs, ${decision.megabytes.toFixed(1)} MB for ${images} images`,
  );
  return { decision, split: splitModel(net.model, decision.cut) };
}

/**
 * Runs the prefix once over the train and validation images (eval mode) and stores the outputs.
 * `shouldStop` is polled per batch: a full-size build is as long as an inference epoch.
 */
export async function buildPrefixCache<R>(
  net: ResNet,
  pipeline: DataPipeline,
  split: SplitModel,
  shouldStop: () => R | null = () => null,
  /** images per forward pass (the memory plan's) */
  inferenceBatchSize = 32,
): Promise<PrefixCache | { stopped: R }> {
  const started = performance.now();
  const { prefix, suffix, cut } = split;
  // Every trainable variable must be behind the cut, or the cached path would train less.
  const behind = new Set(suffix.trainableWeights.map((w) => w.name));
  const ahead = net.model.trainableWeights.filter((w) => !behind.has(w.name));
  if (ahead.length > 0) {
    throw new Error(`prefix cache at "${cut}" would freeze trainable ${ahead.map((w) => w.name).join(", ")}`);
  }
  const shape = (prefix.outputs[0]!.shape as number[]).slice(1);
  const width = shape.reduce((a, b) => a * b, 1);
  const run = async (xs: tf.Tensor, into: Float32Array, row: number) => {
    // predict frees each layer's input once it is used: at 224 px a whole prefix's activations would not fit
    const out = prefix.predict(xs, { batchSize: inferenceBatchSize }) as tf.Tensor;
    into.set(await out.data<"float32">(), row * width);
    out.dispose();
  };
  const nTrain = pipeline.trainIndices.length;
  const train = new Float32Array(nTrain * width);
  const trainLabels = new Int32Array(nTrain);
  // Keyed by dataset index: the shuffled order of any epoch (and any subset) maps to a row.
  let maxIndex = 0;
  for (const i of pipeline.trainIndices) maxIndex = Math.max(maxIndex, i);
  const rowOf = new Int32Array(maxIndex + 1).fill(-1);
  pipeline.trainIndices.forEach((idx, row) => {
    rowOf[idx] = row;
  });
  for (let start = 0; start < nTrain; start += pipeline.batchSize) {
    const stop = shouldStop();
    if (stop !== null) return { stopped: stop };
    const host = pipeline.prepareTrainImages(start, start + pipeline.batchSize);
    const batch = pipeline.toBatch(host);
    try {
      await run(batch.xs, train, start);
      trainLabels.set(host.labels, start);
    } finally {
      batch.dispose();
    }
  }
  const val = new Float32Array(pipeline.valIndices.length * width);
  const valLabels = new Int32Array(pipeline.valIndices.length);
  for (let s = 0; s < pipeline.valSteps; s++) {
    const stop = shouldStop();
    if (stop !== null) return { stopped: stop };
    const host = pipeline.prepareValBatch(s);
    const batch = pipeline.toBatch(host);
    try {
      await run(batch.xs, val, s * pipeline.batchSize);
      valLabels.set(host.labels, s * pipeline.batchSize);
    } finally {
      batch.dispose();
    }
  }
  const toBatch = (src: Float32Array, labels: Int32Array, rows: ArrayLike<number>): FeatureBatch => {
    const size = rows.length;
    const x = new Float32Array(size * width);
    const y = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const r = rows[k]!;
      x.set(src.subarray(r * width, (r + 1) * width), k * width);
      y[k] = labels[r]!;
    }
    const xs = tf.tensor(x, [size, ...shape], "float32");
    const ys = tf.tensor1d(y, "int32");
    return { xs, ys, size, dispose: () => tf.dispose([xs, ys]) };
  };
  const bs = pipeline.batchSize;
  return {
    megabytes: (train.byteLength + val.byteLength) / 2 ** 20,
    seconds: (performance.now() - started) / 1000,
    stepsPerEpoch: pipeline.stepsPerEpoch,
    valSteps: pipeline.valSteps,
    async *trainBatches(epoch, fromStep = 0) {
      const order = pipeline.trainOrder(epoch);
      for (let s = fromStep; s < pipeline.stepsPerEpoch; s++) {
        const idx = order.subarray(s * bs, Math.min((s + 1) * bs, order.length));
        yield toBatch(
          train,
          trainLabels,
          Array.from(idx, (i) => rowOf[i]!),
        );
      }
    },
    async *valBatches() {
      for (let s = 0; s < pipeline.valSteps; s++) {
        const end = Math.min((s + 1) * bs, valLabels.length);
        yield toBatch(
          val,
          valLabels,
          Array.from({ length: end - s * bs }, (_, k) => s * bs + k),
        );
      }
    },
  };
}
