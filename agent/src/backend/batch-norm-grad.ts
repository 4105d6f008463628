// tfjs-core 4.22's FusedBatchNorm gradient materialises tile(rsqrt(var + eps), [B,H,W,1]), a
// full-size tensor per BN layer: wasm's Tile was 8–13 % of a ResNet-152 full step. Broadcasting
// gives the same dx; the other formulas are tfjs-core's (gradients/FusedBatchNorm_grad.ts).
// Gradients are registered globally (for every backend); the math is unchanged.
import * as tf from "@tensorflow/tfjs";

let registered = false;

export function registerBatchNormGradWithoutTile(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: "FusedBatchNorm",
    inputsToSave: ["x", "mean", "variance", "scale"],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const g = dy as tf.Tensor;
      const eps = attrs.varianceEpsilon as number;
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const scaleValue = scale ?? tf.scalar(1);
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const xMinusMean = tf.sub(x, mean);
      const dyTimesScale = tf.mul(g, scaleValue);
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
      const minusHalfRCube = tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.scalar(-0.5));
      const reduce = (t: tf.Tensor) => (mean.rank === 1 ? tf.sum(t, axes) : t);
      return {
        x: () => tf.reshape(tf.mul(tf.mul(g, rstd), scaleValue), x.shape),
        mean: () => tf.reshape(reduce(tf.mul(tf.mul(rstd, tf.scalar(-1)), dyTimesScale)), mean.shape),
        variance: () => tf.reshape(reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)), mean.shape),
        scale: () => tf.reshape(reduce(tf.mul(g, tf.mul(xMinusMean, rstd))), mean.shape),
        offset: () => tf.reshape(reduce(g), mean.shape),
      };
    },
  });
}
