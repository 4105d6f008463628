// tfjs's Adam with each variable's update in its own tidy. tf.AdamOptimizer.applyGradients wraps
// every variable in one tidy, so the ~10 temporaries per variable (moments, bias corrections, sqrt,
// quotients) all live until the last variable is done: for ResNet-152 `full` that is ~10× the model
// (2.3 GB) of scratch per step in a 4 GB wasm heap, and a cold cache for every op. Freeing them per
// variable keeps the scratch to one layer's worth. The arithmetic is tfjs's, op for op (bit-identical
// results); slots, getWeights/setWeights and the accBeta powers are AdamOptimizer's own, which
// checkpoint.ts reads.
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

export class AdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const [oneMinusAccBeta1, oneMinusAccBeta2] = tf.tidy(() => [tf.sub(1, self.accBeta1), tf.sub(1, self.accBeta2)]);
    list.forEach(([name, gradient], i) => {
      tf.tidy(() => {
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
        const firstMoment = self.accumulatedFirstMoment[i]!.variable;
        const secondMoment = self.accumulatedSecondMoment[i]!.variable;
        const newFirstMoment = tf.add(tf.mul(firstMoment, self.beta1), tf.mul(gradient, 1 - self.beta1));
        const newSecondMoment = tf.add(tf.mul(secondMoment, self.beta2), tf.mul(tf.square(gradient), 1 - self.beta2));
        const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1!);
        const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2!);
        firstMoment.assign(newFirstMoment);
        secondMoment.assign(newSecondMoment);
        const step = tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), self.epsilon));
        value.assign(tf.add(tf.mul(step, -self.learningRate), value));
      });
    });
    tf.dispose([oneMinusAccBeta1!, oneMinusAccBeta2!]);
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
