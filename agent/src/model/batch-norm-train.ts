// Training-mode BatchNorm as one op with its analytic gradient. Through tfjs's autodiff,
// moments + batchNorm keep x − mean (a second full-size tensor per layer) on the tape and take ~15
// kernels each way; this keeps x alone. Both directions fold what they can per channel and free each
// full-size temporary as soon as it is used, so at most two exist beside the input at a time (a tidy
// would keep all of them to its end: that was the peak of a tape-free forward pass).
//   y  = (x − μ)·s + β,   s = γ·σ⁻¹,  σ⁻¹ = 1/√(var + ε)   (biased variance, as PyTorch normalises)
//   dβ = Σdy,  dγ = σ⁻¹·(Σdy·x − μ·Σdy)                                   (sums over batch and space)
//   dx = γσ⁻¹·(dy − Σdy/n − x̂·dγ/n) = dy·a + x·b + c,  a = γσ⁻¹,  b = −a·σ⁻¹·dγ/n,  c = −a·Σdy/n − μ·b
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

/** Returns `value` once the full-size temporaries it was computed from are freed. */
function use<T>(value: T, ...done: tf.Tensor[]): T {
  for (const t of done) t.dispose();
  return value;
}

/** x: [b, h, w, c]; gamma, beta: [c]. Gradients flow to x, gamma and beta. */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): TrainBatchNorm {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, g, b, save) => {
    const xs = xIn as tf.Tensor;
    const m = tf.mean(xs, axes) as tf.Tensor1D;
    const centred = tf.sub(xs, m);
    const squared = tf.square(centred);
    const v = use(tf.mean(squared, axes) as tf.Tensor1D, squared);
    const invStd = tf.rsqrt(tf.add(v, epsilon));
    // (x − μ)·s, not x·s − μ·s: a channel of one value (a 1×1 map, one image) normalises to exactly β
    const scaled = use(tf.mul(centred, tf.mul(g as tf.Tensor, invStd)), centred);
    const y = use(tf.add(scaled, b as tf.Tensor), scaled);
    mean = tf.keep(m);
    variance = tf.keep(v);
    (save as tf.GradSaveFunc)([xs, m, invStd, g as tf.Tensor]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, mu, inv, gm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const n = sx.size / sx.shape[sx.shape.length - 1]!;
        const sumDy = tf.sum(dy, axes);
        const dyX = tf.mul(dy, sx);
        const sumDyX = use(tf.sum(dyX, axes), dyX);
        const dGamma = tf.mul(inv, tf.sub(sumDyX, tf.mul(mu, sumDy)));
        const a = tf.mul(gm, inv);
        const bx = tf.neg(tf.div(tf.mul(tf.mul(a, inv), dGamma), n));
        const c = tf.sub(tf.neg(tf.div(tf.mul(a, sumDy), n)), tf.mul(mu, bx));
        const dyA = tf.mul(dy, a);
        const xB = tf.mul(sx, bx);
        const both = use(tf.add(dyA, xB), dyA, xB);
        const dx = use(tf.add(both, c), both);
        return [dx, dGamma, sumDy];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}
