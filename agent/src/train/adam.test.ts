import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { AdamOptimizer } from "./adam";

// Steps of a small least-squares problem from a fixed start; returns the weights and the slots.
async function train(make: () => tf.Optimizer, steps: number) {
  const variable = (shape: number[], seed: number, name: string) => {
    const init = tf.randomNormal(shape, 0, 1, "float32", seed);
    const v = tf.variable(init, true, `${name}_${Math.random()}`);
    init.dispose();
    return v;
  };
  // w is updated on its own, b and c together with the other small variables
  const w = variable([80, 64], 1, "w");
  const b = variable([64], 2, "b");
  const c = variable([64], 5, "c");
  const x = tf.randomNormal([8, 80], 0, 1, "float32", 3);
  const y = tf.randomNormal([8, 64], 0, 1, "float32", 4);
  const opt = make();
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => tf.mean(tf.square(tf.sub(tf.mul(tf.add(tf.matMul(x, w), b), c), y))) as tf.Scalar, false, [
      w,
      b,
      c,
    ]);
  }
  const slots = await opt.getWeights();
  const out = {
    w: Array.from(w.dataSync()),
    b: Array.from(b.dataSync()),
    c: Array.from(c.dataSync()),
    slots: slots.map((s) => ({ name: s.name.replace(/^[wbc]_[\d.]+/, "var"), data: Array.from(s.tensor.dataSync()) })),
  };
  tf.dispose(slots[0]!.tensor); // the iteration count getWeights creates
  opt.dispose();
  tf.dispose([w, b, c, x, y]);
  return out;
}

describe("AdamOptimizer (a tidy per variable)", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });
  afterAll(async () => {
    await tf.setBackend("wasm");
  });

  for (const backend of ["wasm", "cpu"] as const) {
    it(`is tfjs's Adam bit for bit on ${backend}, slots and all, and leaks nothing`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const start = await train(() => tf.train.adam(0.05, 0.9, 0.999, 1e-8), 0);
      const stock = await train(() => tf.train.adam(0.05, 0.9, 0.999, 1e-8), 6);
      const ours = await train(() => new AdamOptimizer(0.05, 0.9, 0.999, 1e-8), 6);
      expect(tf.memory().numTensors).toBe(before);
      expect(ours.slots.map((s) => s.name)).toEqual(stock.slots.map((s) => s.name));
      expect(ours.w).toEqual(stock.w);
      expect(ours.b).toEqual(stock.b);
      expect(ours.c).toEqual(stock.c);
      expect(ours.slots).toEqual(stock.slots);
      // and it trained: six steps of lr 0.05 moved the weights
      expect(Math.max(...ours.w.map((v, i) => Math.abs(v - start.w[i]!)))).toBeGreaterThan(0.1);
    });
  }
});
