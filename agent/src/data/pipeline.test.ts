import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { deriveSeed } from "../util/rng";
import { pixelBytes } from "./cifar-layout";
import { createDataPipeline, type PipelineConfig, type PipelineData } from "./pipeline";
import { selectStratifiedSubset, shuffleForEpoch } from "./subset";
import { generateSyntheticSplit } from "./synthetic";

const data: PipelineData = {
  train: generateSyntheticSplit("cifar10", 300, deriveSeed(1, "train")),
  test: generateSyntheticSplit("cifar10", 70, deriveSeed(1, "test")),
  numClasses: 10,
};
const base: PipelineConfig = {
  batchSize: 32,
  imageSize: 32,
  augment: false,
  trainSubset: 100,
  valSubset: null,
  seed: 7,
};

beforeAll(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

async function collect(gen: AsyncGenerator<{ labels: Int32Array; xs: tf.Tensor4D; dispose(): void }>) {
  const out: { labels: number[]; x: Float32Array; shape: number[] }[] = [];
  for await (const b of gen) {
    out.push({ labels: [...b.labels], x: b.xs.dataSync() as Float32Array, shape: b.xs.shape });
    b.dispose();
  }
  return out;
}

describe("stratified subsets", () => {
  // 60 % class 0, 30 % class 1, 10 % class 2.
  const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));

  it("keep each class's share and are reproducible per seed", () => {
    const a = selectStratifiedSubset(labels, 3, 101, 1);
    const counts = [0, 0, 0];
    for (const i of a) counts[labels[i]!]!++;
    expect(counts).toEqual([61, 30, 10]); // 60.6 / 30.3 / 10.1: the largest remainder gets the spare one
    expect([...a]).toEqual([...selectStratifiedSubset(labels, 3, 101, 1)]);
    expect([...a]).not.toEqual([...selectStratifiedSubset(labels, 3, 101, 2)]);
    expect(new Set(a).size).toBe(101);
  });

  it("null keeps everything; a size beyond the split is an error", () => {
    expect(selectStratifiedSubset(labels, 3, null, 1)).toHaveLength(1000);
    expect(() => selectStratifiedSubset(labels, 3, 1001, 1, "trainSubset")).toThrow(/trainSubset 1001/);
  });

  it("epoch shuffles are permutations that differ by epoch and seed", () => {
    const idx = Int32Array.from({ length: 50 }, (_, i) => i);
    const e0 = shuffleForEpoch(idx, 1, 0);
    expect([...e0].sort((x, y) => x - y)).toEqual([...idx]);
    expect([...e0]).not.toEqual([...shuffleForEpoch(idx, 1, 1)]);
    expect([...e0]).not.toEqual([...shuffleForEpoch(idx, 2, 0)]);
    expect([...e0]).toEqual([...shuffleForEpoch(idx, 1, 0)]);
  });
});

describe("batches", () => {
  it("cover the subset once per epoch, the last batch partial, with NHWC shape", async () => {
    const p = createDataPipeline(data, base);
    expect(p.stepsPerEpoch).toBe(4);
    const batches = await collect(p.trainBatches(0));
    expect(batches.map((b) => b.labels.length)).toEqual([32, 32, 32, 4]);
    expect(batches[0]!.shape).toEqual([32, 32, 32, 3]);
    const seen = batches.flatMap((b) => b.labels);
    const want = [...p.trainIndices].map((i) => data.train.labels[i]!);
    expect(seen.sort()).toEqual(want.sort());
  });

  it("same seed → same batches; another seed or epoch → another order", async () => {
    const a = await collect(createDataPipeline(data, base).trainBatches(0));
    const b = await collect(createDataPipeline(data, base).trainBatches(0));
    expect(a.map((x) => x.labels)).toEqual(b.map((x) => x.labels));
    expect(Buffer.from(a[1]!.x.buffer).equals(Buffer.from(b[1]!.x.buffer))).toBe(true);
    const otherSeed = await collect(createDataPipeline(data, { ...base, trainSubset: null, seed: 8 }).trainBatches(0));
    const sameSeedAll = await collect(createDataPipeline(data, { ...base, trainSubset: null }).trainBatches(0));
    expect(otherSeed.map((x) => x.labels)).not.toEqual(sameSeedAll.map((x) => x.labels));
    const epoch1 = await collect(createDataPipeline(data, base).trainBatches(1));
    expect(epoch1.map((x) => x.labels)).not.toEqual(a.map((x) => x.labels));
  });

  it("validation uses the whole test split (or its subset) in a fixed order, normalised", async () => {
    const p = createDataPipeline(data, { ...base, valSubset: null });
    const val = await collect(p.valBatches());
    expect(val.flatMap((b) => b.labels)).toEqual([...data.test.labels]);
    // Record 33 is the second image of the second batch: check one value per channel against the formula.
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (const c of [0, 1, 2]) {
      const px = 5 * 32 + 9;
      const raw = data.test.images[33 * pixelBytes + px * 3 + c]!;
      expect(val[1]!.x[1 * pixelBytes + px * 3 + c]).toBeCloseTo((raw / 255 - mean[c]!) / std[c]!, 5);
    }
    const sub = createDataPipeline(data, { ...base, valSubset: 20 });
    expect(sub.valSteps).toBe(1);
    expect((await collect(sub.valBatches()))[0]!.labels).toHaveLength(20);
  });

  it("a resumed epoch starts at a given step with exactly the batches a whole epoch has there", async () => {
    const cfg = { ...base, augment: true };
    const whole = await collect(createDataPipeline(data, cfg).trainBatches(3));
    // a fresh pipeline, as in a new process resuming mid-epoch
    const rest = await collect(createDataPipeline(data, cfg).trainBatches(3, 2));
    expect(rest).toHaveLength(whole.length - 2);
    expect(rest.map((b) => b.labels)).toEqual(whole.slice(2).map((b) => b.labels));
    rest.forEach((b, i) => {
      expect(Buffer.from(b.x.buffer).equals(Buffer.from(whole[i + 2]!.x.buffer))).toBe(true);
    });
    expect(await collect(createDataPipeline(data, cfg).trainBatches(3, whole.length))).toEqual([]);
  });

  it("augmentation keeps labels and shapes, changes pixels, and is seeded per epoch", async () => {
    const plain = await collect(createDataPipeline(data, base).trainBatches(0));
    const augCfg = { ...base, augment: true, imageSize: 40 };
    const aug = await collect(createDataPipeline(data, augCfg).trainBatches(0));
    expect(aug.map((b) => b.labels)).toEqual(plain.map((b) => b.labels));
    expect(aug[0]!.shape).toEqual([32, 40, 40, 3]);
    const again = await collect(createDataPipeline(data, augCfg).trainBatches(0));
    expect(Buffer.from(again[0]!.x.buffer).equals(Buffer.from(aug[0]!.x.buffer))).toBe(true);
    const p = createDataPipeline(data, { ...base, augment: true });
    const e0 = p.prepareTrainBatch(0, 0).x;
    const unaugmented = createDataPipeline(data, base).prepareTrainBatch(0, 0).x;
    expect(Buffer.from(e0.buffer).equals(Buffer.from(unaugmented.buffer))).toBe(false);
  });

  it("backend and host resizing give the same batches", async () => {
    for (const imageSize of [57, 224]) {
      const cfg = { ...base, augment: true, imageSize };
      const onBackend = createDataPipeline(data, { ...cfg, resize: "backend" });
      const onHost = createDataPipeline(data, { ...cfg, resize: "host" });
      expect(onBackend.prepareTrainBatch(2, 1).side).toBe(32);
      const a = onBackend.toBatch(onBackend.prepareTrainBatch(2, 1));
      const b = onHost.toBatch(onHost.prepareTrainBatch(2, 1));
      expect(a.xs.shape).toEqual([32, imageSize, imageSize, 3]);
      expect(b.xs.shape).toEqual(a.xs.shape);
      const diff = tf.tidy(() => a.xs.sub(b.xs).abs().max().dataSync()[0]!);
      expect(diff).toBeLessThan(1e-5);
      a.dispose();
      b.dispose();
    }
  });

  it("label tensors match the labels", async () => {
    const p = createDataPipeline(data, base);
    for await (const b of p.trainBatches(0)) {
      expect(b.ys.dtype).toBe("int32");
      expect([...(b.ys.dataSync() as Int32Array)]).toEqual([...b.labels]);
      b.dispose();
      break;
    }
  });

  it("leaves no tensors behind across epochs, including an abandoned one", async () => {
    const p = createDataPipeline(data, { ...base, augment: true, imageSize: 48 });
    await collect(p.trainBatches(0));
    const before = tf.memory();
    for (let epoch = 1; epoch <= 3; epoch++) {
      await collect(p.trainBatches(epoch));
      await collect(p.valBatches());
    }
    for await (const b of p.trainBatches(4)) {
      b.dispose();
      break;
    }
    await new Promise((r) => setImmediate(r));
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it("prepares the next batch while the consumer awaits its step", async () => {
    const p = createDataPipeline(data, base);
    const gen = p.trainBatches(0);
    const results: string[] = [];
    for (let step = 0; step < p.stepsPerEpoch; step++) {
      // A macrotask queued before asking: a batch prepared on demand would lose the race to it,
      // a prefetched one is handed out within microtasks.
      const tick = new Promise<string>((r) => setImmediate(() => r("waited")));
      const next = gen.next();
      results.push(await Promise.race([next.then(() => "ready"), tick]));
      (await next).value?.dispose();
      await new Promise((r) => setTimeout(r, 5)); // the "training step": awaits, as trainOnBatch does
    }
    // The first batch of an epoch cannot be ready before the epoch is asked for.
    expect(results).toEqual(["waited", "ready", "ready", "ready"]);
    expect((await gen.next()).done).toBe(true);
  });
});
