// tfjs's Adam, with each large variable's update in its own tidy and the small ones updated together.
// tf.AdamOptimizer.applyGradients wraps every variable in one tidy, so the ~10 temporaries per
// variable (moments, bias corrections, sqrt, quotients) all live until the last variable is done:
// for ResNet-152 `full` that is ~10× the model (2.3 GB) of scratch per step in a 4 GB wasm heap, and
// a cold cache for every op. Freeing them per variable keeps the scratch to one layer's worth. The
// arithmetic is tfjs's, op for op (bit-identical results); slots, getWeights/setWeights and the
// accBeta powers are AdamOptimizer's own, which checkpoint.ts reads.
import * as tf from "@tensorflow/tfjs";

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

/** Variables below this many elements (BatchNorm's γ and β, biases) are updated together. */
const smallVariable = 4096;

export class AdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const [oneMinusAccBeta1, oneMinusAccBeta2] = tf.tidy(() => [tf.sub(1, self.accBeta1), tf.sub(1, self.accBeta2)]);
    /** tfjs's Adam, op for op, on (value, m, v, g) flattened or not; returns the new value, m, v */
    const update = (value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, gradient: tf.Tensor) => {
      const newFirstMoment = tf.add(tf.mul(m, self.beta1), tf.mul(gradient, 1 - self.beta1));
      const newSecondMoment = tf.add(tf.mul(v, self.beta2), tf.mul(tf.square(gradient), 1 - self.beta2));
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1!);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2!);
      const step = tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), self.epsilon));
      return [tf.add(tf.mul(step, -self.learningRate), value), newFirstMoment, newSecondMoment] as const;
    };
    const small: { value: tf.Variable; m: tf.Variable; v: tf.Variable; gradient: tf.Tensor }[] = [];
    list.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name]!;
      // the slots exactly as AdamOptimizer creates them (same order, names, trainable flag)
      self.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      self.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      if (gradient == null) return;
      const m = self.accumulatedFirstMoment[i]!.variable;
      const v = self.accumulatedSecondMoment[i]!.variable;
      if (value.size < smallVariable) {
        small.push({ value, m, v, gradient });
        return;
      }
      tf.tidy(() => {
        const [newValue, newM, newV] = update(value, m, v, gradient);
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
    });
    // Small variables: one concatenated update instead of 14 kernels each. ResNet-152 has 312 of
    // them; each kernel costs tens of µs whatever its size (hundreds with wasm threads waking up).
    // Elementwise, so every element gets exactly the arithmetic it would alone.
    if (small.length > 0) {
      tf.tidy(() => {
        const flat = (pick: (s: (typeof small)[number]) => tf.Tensor) =>
          tf.concat(small.map((s) => tf.reshape(pick(s), [-1])));
        const outs = update(
          flat((s) => s.value),
          flat((s) => s.m),
          flat((s) => s.v),
          flat((s) => s.gradient),
        );
        const sizes = small.map((s) => s.value.size);
        const [values, ms, vs] = outs.map((t) => tf.split(t, sizes));
        small.forEach((s, j) => {
          s.m.assign(tf.reshape(ms![j]!, s.m.shape));
          s.v.assign(tf.reshape(vs![j]!, s.v.shape));
          s.value.assign(tf.reshape(values![j]!, s.value.shape));
        });
      });
    }
    tf.dispose([oneMinusAccBeta1!, oneMinusAccBeta2!]);
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
