// One optimisation step on one batch, as the training loop calls it. A custom step rather than
// model.fit(): gradients are taken for the trainable variables only, the optimiser is PyTorch's
// (Adam eps 1e-8; L2 weight decay added to the gradient like torch.optim.Adam/SGD), and BatchNorm
// follows the freeze rule (batch-norm.ts) instead of tfjs's.
//
// Memory (issue 13): tfjs's autodiff keeps every intermediate of whatever runs under its tape. So the
// step runs the ResNet as a chain of segments (model/segments.ts):
//  - the frozen segments before the first trainable one run without a tape, one segment's
//    intermediates alive at a time (head_only and final_block keep nothing of layers 1–3);
//  - with `recompute`, the trainable segments also run tape-free, keeping only each block's input;
//    the backward pass then re-runs one block at a time under the tape (its BatchNorm normalising
//    with the same batch statistics, without blending them into the running stats a second time)
//    and hands the input gradient to the block before it;
//  - with `microBatchSize` below the batch, the batch goes through in slices whose gradients are
//    summed, each weighted by its share of the batch, so the update is the whole batch's mean
//    gradient. Train-mode BatchNorm then sees micro-batch statistics: the run records that.
import type { RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { withoutRunningStatUpdates } from "../model/batch-norm";
import type { ResNet } from "../model/resnet";
import { disposeSegments, forwardSegments, runSegment, type Segment, segmentModel } from "../model/segments";
import { AdamOptimizer } from "./adam";

export type OptimizerConfig = Pick<RunConfig, "optimizer" | "lr" | "momentum" | "weightDecay">;

export interface StepResult {
  /** mean softmax cross-entropy over the batch */
  loss: number;
  /** top-1 accuracy over the batch, 0–1 */
  accuracy: number;
}

export interface StepLayout {
  /** train the chain after this layer (a prefix-cache cut); inputs are then its outputs. null: images */
  from?: string | null;
  /** images per forward/backward pass; null or ≥ the batch: the whole batch at once */
  microBatchSize?: number | null;
  /** keep only block inputs in the forward pass and recompute each block in the backward pass */
  recompute?: boolean;
}

export interface TrainStep {
  /** xs: [b, s, s, 3] normalised images (or cached outputs of `from`); labels: [b] int32 class ids */
  run(xs: tf.Tensor, labels: tf.Tensor1D): Promise<StepResult>;
  optimizer: tf.Optimizer;
  /** frees the optimiser's slots (Adam moments, momentum buffers) and the segment models */
  dispose(): void;
}

/** PyTorch defaults: Adam betas (0.9, 0.999), eps 1e-8; SGD with (non-Nesterov) momentum. */
export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  if (cfg.optimizer === "sgd") return tf.train.momentum(cfg.lr, cfg.momentum, false);
  return new AdamOptimizer(cfg.lr, 0.9, 0.999, 1e-8);
}

/** Mean cross-entropy of logits [b, k] against int labels [b]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(labels, "int32"), logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
  });
}

const readVars = (model: tf.LayersModel) => model.trainableWeights.map((w) => w.read() as tf.Variable);

/** The segments applied in order, under whatever tape is running; intermediates freed as they go. */
const applyChain = (segments: readonly Segment[], x: tf.Tensor) =>
  segments.reduce((y, s) => {
    const out = runSegment(s, y, true);
    if (y !== x) y.dispose();
    return out;
  }, x);

interface MicroResult {
  /** the slice's mean loss × its share of the batch */
  loss: tf.Scalar;
  /** correct predictions in the slice */
  hits: tf.Scalar;
  /** gradient of `loss` per trainable variable name */
  grads: Map<string, tf.Tensor>;
}

/**
 * Forward and backward of one slice of the batch. `groups` are runs of consecutive segments from the
 * first trainable one to the end; each group's input is kept and its backward is one tape.
 */
function microStep(
  frozen: readonly Segment[],
  groups: readonly (readonly Segment[])[],
  x: tf.Tensor,
  labels: tf.Tensor1D,
  share: number,
): MicroResult {
  const inputs: tf.Tensor[] = [forwardSegments(frozen, x, true)];
  const grads = new Map<string, tf.Tensor>();
  let dy: tf.Tensor | null = null;
  try {
    // Every group but the last runs tape-free now and again under the tape later (a recomputation).
    for (const group of groups.slice(0, -1)) inputs.push(forwardSegments(group, inputs.at(-1)!, true));
    let loss: tf.Scalar | undefined;
    let hits: tf.Scalar | undefined;
    for (let g = groups.length - 1; g >= 0; g--) {
      const group = groups[g]!;
      const xin = inputs[g]!;
      const vars = group.flatMap((s) => readVars(s.model));
      const wrt = g > 0 ? [xin, ...vars] : vars;
      let result: { value: tf.Tensor; grads: tf.Tensor[] };
      if (g === groups.length - 1) {
        // The last group runs here for the first time: its BatchNorm updates its running stats now.
        result = tf.engine().gradients((): tf.Tensor => {
          const logits = applyChain(group, xin) as tf.Tensor2D;
          hits = tf.keep(
            tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, "int32")), "float32")),
          ) as tf.Scalar;
          const mean = crossEntropy(logits, labels);
          return share === 1 ? mean : tf.mul(mean, share);
        }, wrt);
        loss = result.value as tf.Scalar;
      } else {
        const upstream: tf.Tensor = dy!;
        result = withoutRunningStatUpdates(() => tf.engine().gradients(() => applyChain(group, xin), wrt, upstream));
        result.value.dispose();
      }
      dy?.dispose();
      dy = null;
      if (g > 0) dy = result.grads[0]!;
      const varGrads = g > 0 ? result.grads.slice(1) : result.grads;
      vars.forEach((v, i) => {
        const gr = varGrads[i];
        if (gr) grads.set(v.name, gr);
      });
      xin.dispose();
    }
    return { loss: loss!, hits: hits!, grads };
  } catch (e) {
    tf.dispose([...grads.values()]);
    throw e;
  } finally {
    dy?.dispose();
    tf.dispose(inputs.filter((t) => !t.isDisposed));
  }
}

/** `net` is the ResNet; with `layout.from` the step trains only the chain after that layer. */
export function createTrainStep(net: Pick<ResNet, "model">, cfg: OptimizerConfig, layout: StepLayout = {}): TrainStep {
  const optimizer = createOptimizer(cfg);
  const segments = segmentModel(net.model, layout.from ?? null);
  return {
    optimizer,
    dispose: () => {
      optimizer.dispose();
      disposeSegments(segments);
    },
    async run(xs, labels) {
      // Read at every call: applyFreeze may change which variables train between steps. The order of
      // the gradient map is the model's, which is the order of the optimiser's slots (checkpoints).
      const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
      if (vars.length === 0) throw new Error("No trainable variables: applyFreeze left nothing to train");
      const first = segments.findIndex((s) => s.model.trainableWeights.length > 0);
      if (first < 0) throw new Error(`Nothing trainable after "${layout.from}": the step would train nothing`);
      const trainable = segments.slice(first);
      const groups = layout.recompute ? trainable.map((s) => [s]) : [trainable];
      const batch = xs.shape[0]!;
      const micro = Math.max(1, Math.min(batch, layout.microBatchSize ?? batch));
      const sum = new Map<string, tf.Tensor>();
      let loss: tf.Scalar = tf.scalar(0);
      let hits: tf.Scalar = tf.scalar(0);
      try {
        for (let start = 0; start < batch; start += micro) {
          const size = Math.min(micro, batch - start);
          const whole = size === batch;
          const x = whole ? xs : tf.slice(xs, start, size);
          const y = whole ? labels : tf.slice(labels, start, size);
          let r: MicroResult;
          try {
            r = microStep(segments.slice(0, first), groups, x, y, size / batch);
          } finally {
            if (!whole) tf.dispose([x, y]);
          }
          const totals = tf.tidy(() => [tf.add(loss, r.loss), tf.add(hits, r.hits)] as tf.Scalar[]);
          tf.dispose([loss, hits, r.loss, r.hits]);
          [loss, hits] = totals as [tf.Scalar, tf.Scalar];
          for (const [name, g] of r.grads) {
            const prev = sum.get(name);
            if (!prev) {
              sum.set(name, g);
              continue;
            }
            sum.set(name, tf.add(prev, g));
            tf.dispose([prev, g]);
          }
        }
        const missing = vars.filter((v) => !sum.has(v.name));
        if (missing.length > 0) throw new Error(`No gradient reached ${missing.map((v) => v.name).join(", ")}`);
        tf.tidy(() => {
          const ordered: tf.NamedTensorMap = {};
          for (const v of vars) {
            const g = sum.get(v.name)!;
            ordered[v.name] = cfg.weightDecay > 0 ? tf.add(g, tf.mul(v, cfg.weightDecay)) : g;
          }
          optimizer.applyGradients(ordered);
        });
        const [l, h] = await Promise.all([loss.data(), hits.data()]);
        return { loss: l[0]!, accuracy: h[0]! / batch };
      } finally {
        tf.dispose([loss, hits, ...sum.values()]);
      }
    },
  };
}
