// BatchNormalization with PyTorch's semantics, installed on tfjs-layers' own BN layers (so weights,
// names and serialisation stay stock). Two differences from tfjs's call():
//  1. running variance is updated with the *unbiased* batch variance (n/(n-1)), as torch.nn.BatchNorm2d
//     does; the normalisation itself uses the biased one in both frameworks;
//  2. a layer can be pinned to running statistics (`setUseRunningStats`): it then behaves as in
//     PyTorch's `bn.eval()` even when the model runs with `training: true`, and never writes its
//     moving statistics. tfjs's stock layer updates them whenever training is true, trainable or not.
import * as tf from "@tensorflow/tfjs";
import { batchNormTrain } from "./batch-norm-train";

interface VariableLike {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}
interface BatchNormInternals {
  gamma: VariableLike;
  beta: VariableLike;
  movingMean: VariableLike;
  movingVariance: VariableLike;
  momentum: number;
  epsilon: number;
}

const pinned = new WeakSet<tf.layers.Layer>();
/** > 0 while a forward pass is being recomputed: its batch statistics were already blended in. */
let statUpdatesSuspended = 0;

/**
 * Runs `f` with train-mode BatchNorm still normalising with batch statistics but not writing its
 * running statistics: for recomputing, in the backward pass, a forward that already updated them once.
 */
export function withoutRunningStatUpdates<T>(f: () => T): T {
  statUpdatesSuspended++;
  try {
    return f();
  } finally {
    statUpdatesSuspended--;
  }
}
const installed = new WeakSet<tf.layers.Layer>();

export function isTorchBatchNorm(layer: tf.layers.Layer): boolean {
  return installed.has(layer);
}

/** Pins (true) or releases (false) a BN layer to its running statistics in training mode too. */
export function setUseRunningStats(layer: tf.layers.Layer, on: boolean): void {
  if (!installed.has(layer)) throw new Error(`${layer.name} is not a BatchNorm layer built by buildResNet`);
  if (on) pinned.add(layer);
  else pinned.delete(layer);
}

export function usesRunningStats(layer: tf.layers.Layer): boolean {
  return pinned.has(layer);
}

/** Replaces `layer.call` (x: [b,h,w,c] → same shape) with the PyTorch-semantics version. */
export function installTorchBatchNorm(layer: tf.layers.Layer): tf.layers.Layer {
  const bn = layer as unknown as BatchNormInternals;
  layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor =>
    tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const gamma = bn.gamma.read();
      const beta = bn.beta.read();
      if (kwargs?.training !== true || pinned.has(layer)) {
        return tf.batchNorm(x, bn.movingMean.read(), bn.movingVariance.read(), beta, gamma, bn.epsilon);
      }
      const { y: out, mean, variance } = batchNormTrain(x, gamma, beta, bn.epsilon);
      try {
        if (statUpdatesSuspended > 0) return out;
        const n = x.size / x.shape[x.shape.length - 1]!;
        const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
        // Keras momentum m keeps m of the old value: m = 0.9 is PyTorch's momentum 0.1.
        const blend = (v: VariableLike, batch: tf.Tensor) =>
          v.write(tf.add(tf.mul(v.read(), bn.momentum), tf.mul(batch, 1 - bn.momentum)));
        blend(bn.movingMean, mean);
        blend(bn.movingVariance, unbiased);
        return out;
      } finally {
        tf.dispose([mean, variance]);
      }
    });
  installed.add(layer);
  return layer;
}
