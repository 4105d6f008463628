import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { batchNormTrain } from "./batch-norm-train";

beforeAll(async () => {
  await initBackend("wasm");
});

/** tfjs's own composition: what batchNormTrain replaces. */
const reference = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, b, g, 1e-5);
};

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe("batchNormTrain", () => {
  for (const shape of [
    [2, 5, 5, 3],
    [4, 7, 7, 16],
    [1, 1, 1, 8],
  ] as [number, number, number, number][]) {
    it(`equals moments + batchNorm in value and in every gradient (${shape.join("×")})`, () => {
      const c = shape[3];
      const x = tf.randomNormal(shape, 0.5, 2, "float32", 1);
      const g = tf.randomNormal([c], 1, 0.3, "float32", 2);
      const b = tf.randomNormal([c], 0, 0.3, "float32", 3);
      const dy = tf.randomNormal(shape, 0, 1, "float32", 4);
      const ours = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => batchNormTrain(xi, gi, bi, 1e-5).y);
      const theirs = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => reference(xi, gi, bi));
      const [gx, gg, gb] = ours([x, g, b], dy);
      const [rx, rg, rb] = theirs([x, g, b], dy);
      const scale = (t: tf.Tensor) =>
        Math.max(
          1,
          tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!),
        );
      expect(maxAbs(batchNormTrain(x, g, b, 1e-5).y, reference(x, g, b))).toBeLessThan(1e-5);
      expect(maxAbs(gx!, rx!) / scale(rx!)).toBeLessThan(1e-4);
      expect(maxAbs(gg!, rg!) / scale(rg!)).toBeLessThan(1e-4);
      expect(maxAbs(gb!, rb!) / scale(rb!)).toBeLessThan(1e-4);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const stats = batchNormTrain(x, g, b, 1e-5);
      expect(maxAbs(stats.mean, mean)).toBeLessThan(1e-5);
      expect(maxAbs(stats.variance, variance)).toBeLessThan(1e-4);
      tf.dispose([stats.mean, stats.variance]);
    });
  }

  it("keeps only its input on the tape: no tensor outlives the gradient", () => {
    const x = tf.randomNormal([2, 4, 4, 8], 0, 1, "float32", 5);
    const g = tf.ones([8]);
    const b = tf.zeros([8]);
    const before = tf.memory().numTensors;
    const grads = tf.grads((xi: tf.Tensor) => {
      const { y, mean, variance } = batchNormTrain(xi, g, b, 1e-5);
      tf.dispose([mean, variance]);
      return tf.sum(y);
    })([x]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });
});
