// One optimisation step on one batch, as the training loop calls it. A custom step rather than
// model.fit(): gradients are taken for the trainable variables only, the optimiser is PyTorch's
// (Adam eps 1e-8; L2 weight decay added to the gradient like torch.optim.Adam/SGD), and BatchNorm
// follows the freeze rule (batch-norm.ts) instead of tfjs's.
import type { RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import type { ResNet } from "../model/resnet";
import { AdamOptimizer } from "./adam";

export type OptimizerConfig = Pick<RunConfig, "optimizer" | "lr" | "momentum" | "weightDecay">;

export interface StepResult {
  /** mean softmax cross-entropy over the batch */
  loss: number;
  /** top-1 accuracy over the batch, 0–1 */
  accuracy: number;
}

export interface TrainStep {
  /** xs: [b, s, s, 3] normalised images (or cached prefix outputs for a suffix); labels: [b] int32 class ids */
  run(xs: tf.Tensor, labels: tf.Tensor1D): Promise<StepResult>;
  optimizer: tf.Optimizer;
  /** frees the optimiser's slots (Adam moments, momentum buffers) */
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

/** `net` may be the suffix of a split ResNet (prefix-cache.ts): it shares the ResNet's variables. */
export function createTrainStep(net: Pick<ResNet, "model">, cfg: OptimizerConfig): TrainStep {
  const optimizer = createOptimizer(cfg);
  return {
    optimizer,
    dispose: () => optimizer.dispose(),
    async run(xs, labels) {
      // Read at every call: applyFreeze may change which variables train between steps.
      const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
      if (vars.length === 0) throw new Error("No trainable variables: applyFreeze left nothing to train");
      let accuracy: tf.Scalar | undefined;
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = net.model.apply(xs, { training: true }) as tf.Tensor2D;
          const hits = tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, "int32")), "float32");
          accuracy = tf.keep(tf.mean(hits) as tf.Scalar);
          return crossEntropy(logits, labels);
        }, vars);
        if (cfg.weightDecay > 0) {
          for (const v of vars) grads[v.name] = tf.add(grads[v.name]!, tf.mul(v, cfg.weightDecay));
        }
        optimizer.applyGradients(grads);
        return value;
      });
      try {
        const [l, a] = await Promise.all([loss.data(), accuracy!.data()]);
        return { loss: l[0]!, accuracy: a[0]! };
      } finally {
        loss.dispose();
        accuracy?.dispose();
      }
    },
  };
}
