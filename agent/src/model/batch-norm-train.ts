// Training-mode BatchNorm as one op with its analytic gradient. Through tfjs's autodiff,
// moments + batchNorm keep x − mean (a second full-size tensor per layer) on the tape and take ~15
// kernels each way; this keeps x alone and recomputes x̂ in the backward pass:
//   y  = γ·x̂ + β,  x̂ = (x − μ)·σ⁻¹,  σ⁻¹ = 1/√(var + ε)   (biased variance, as PyTorch normalises)
//   dβ = Σdy,  dγ = Σdy·x̂,  dx = γ·σ⁻¹/n · (n·dy − Σdy − x̂·Σdy·x̂)   (sums over batch and space)
import * as tf from "@tensorflow/tfjs";

export interface TrainBatchNorm {
  y: tf.Tensor;
  /**
   * the batch statistics over [b, h, w], per channel, for the running-statistics update. Kept out of
   * every tidy (the op's forward runs in one of tfjs's own): the caller disposes them.
   */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** x: [b, h, w, c]; gamma, beta: [c]. Gradients flow to x, gamma and beta. */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): TrainBatchNorm {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, g, b, save) => {
    const [y, m, v, invStd] = tf.tidy(() => {
      const m = tf.mean(xIn as tf.Tensor, axes) as tf.Tensor1D;
      const centred = tf.sub(xIn as tf.Tensor, m);
      const v = tf.mean(tf.square(centred), axes) as tf.Tensor1D;
      const invStd = tf.rsqrt(tf.add(v, epsilon));
      const y = tf.add(tf.mul(tf.mul(centred, invStd), g as tf.Tensor), b as tf.Tensor);
      return [y, m, v, invStd];
    });
    mean = tf.keep(m as tf.Tensor1D);
    variance = tf.keep(v as tf.Tensor1D);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, m!, invStd!, g as tf.Tensor]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, inv, gm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const n = xs.size / xs.shape[xs.shape.length - 1]!;
        const xHat = tf.mul(tf.sub(xs, mu), inv);
        const sumDy = tf.sum(dy, axes);
        const sumDyXHat = tf.sum(tf.mul(dy, xHat), axes);
        const dx = tf.mul(tf.div(tf.mul(gm, inv), n), tf.sub(tf.sub(tf.mul(dy, n), sumDy), tf.mul(xHat, sumDyXHat)));
        return [dx, sumDyXHat, sumDy];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}
