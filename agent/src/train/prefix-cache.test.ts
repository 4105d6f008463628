import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EpochMetrics, parseRunConfig, type RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/init";
import { buildResNet, disposeResNet } from "../model/resnet";
import { readSafetensors } from "../model/safetensors";
import { checkpointDirOf } from "./checkpoint";
import { decidePrefixCache, readPrefixCacheLimitMb, splitModel } from "./prefix-cache";
import { type ModelOverrides, type ReadyInfo, trainRun } from "./train-run";

// A tiny ResNet trains in well under a second per run, so these run under AI623_FAST too.
const tiny: ModelOverrides = {
  blocks: [1, 1, 1, 1],
  widths: [4, 4, 8, 8],
  synthetic: { train: 48, test: 24, seed: 3 },
};
const base = {
  dataset: "synthetic-cifar10",
  init: "random",
  bnFrozen: "eval",
  augment: false,
  epochs: 3,
  batchSize: 16,
  imageSize: 32,
  lr: 5e-3,
  seed: 7,
} as const;
let cacheDir: string;
let runs = 0;

beforeAll(async () => {
  await initBackend("wasm");
  cacheDir = await mkdtemp(join(tmpdir(), "ai623-prefix-cache-"));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

interface Outcome {
  history: EpochMetrics[];
  ready: ReadyInfo;
  weights: Map<string, Float32Array>;
  logs: string[];
}

async function train(config: RunConfig, extra: Partial<Parameters<typeof trainRun>[0]> = {}): Promise<Outcome> {
  const runId = `00000000-0000-4000-8000-${String(++runs).padStart(12, "0")}`;
  let ready: ReadyInfo | undefined;
  const logs: string[] = [];
  const result = await trainRun({
    runId,
    config,
    cacheDir,
    overrides: tiny,
    log: (m) => logs.push(m),
    onReady: (info) => {
      ready = info;
    },
    ...extra,
  });
  expect(result.outcome).toBe("completed");
  const file = readSafetensors(
    await readFile(join(checkpointDirOf(cacheDir, runId, config.epochs), "model.safetensors")),
  );
  const weights = new Map([...file.tensors].map(([k, t]) => [k, t.data]));
  return { history: result.history, ready: ready!, weights, logs };
}

function expectSameRun(a: Outcome, b: Outcome) {
  expect(a.history.length).toBe(b.history.length);
  a.history.forEach((m, i) => {
    const o = b.history[i]!;
    for (const k of ["trainLoss", "trainAcc", "valLoss", "valAcc"] as const) {
      expect(Math.abs(m[k] - o[k]), `epoch ${m.epoch} ${k}`).toBeLessThan(1e-5);
    }
  });
  for (const [name, w] of a.weights) {
    const o = b.weights.get(name)!;
    let diff = 0;
    for (let i = 0; i < w.length; i++) diff = Math.max(diff, Math.abs(w[i]! - o[i]!));
    expect(diff, name).toBeLessThan(1e-4);
  }
}

describe("prefix cache in trainRun", () => {
  for (const freezeMode of ["head_only", "final_block"] as const) {
    it(`${freezeMode}: cached epochs equal the uncached path and leak no tensor`, async () => {
      const config = parseRunConfig({ ...base, freezeMode });
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      const cached = await train(config);
      const t1 = performance.now();
      const plain = await train(config, { prefixCache: false });
      const t2 = performance.now();
      expect(tf.memory().numTensors).toBe(before);
      expect(cached.ready.prefixCache).toEqual({ cached: true, reason: null });
      expect(plain.ready.prefixCache.cached).toBe(false);
      expectSameRun(cached, plain);
      // the loss moves: the comparison is between runs that learned something
      expect(cached.history[2]!.trainLoss).not.toBe(cached.history[0]!.trainLoss);
      console.log(`${freezeMode}: cached ${(t1 - t0).toFixed(0)} ms, uncached ${(t2 - t1).toFixed(0)} ms`);
    });
  }

  it("rebuilds the cache after a mid-epoch stop and ends where the uninterrupted run does", async () => {
    const config = parseRunConfig({ ...base, freezeMode: "final_block" });
    const whole = await train(config);
    const runId = "00000000-0000-4000-8000-00000000ff01";
    let steps = 0;
    const stopped = await trainRun({
      runId,
      config,
      cacheDir,
      overrides: tiny,
      onStep: (p) => {
        if (p.phase === "train" && p.epoch === 2) steps++;
      },
      shouldStop: () => (steps >= 2 ? "signal" : null),
    });
    expect(stopped.stopCheckpoint).toMatchObject({ epoch: 2, step: 2 });
    let ready: ReadyInfo | undefined;
    const resumed = await trainRun({
      runId,
      config,
      cacheDir,
      overrides: tiny,
      resumeFrom: { epoch: 2, step: 2 },
      onReady: (info) => {
        ready = info;
      },
    });
    expect(ready?.prefixCache.cached).toBe(true);
    const file = readSafetensors(await readFile(join(checkpointDirOf(cacheDir, runId, 3), "model.safetensors")));
    expectSameRun(
      { ...whole, history: resumed.history, weights: new Map([...file.tensors].map(([k, t]) => [k, t.data])) },
      whole,
    );
  });

  it("stops while building the cache without training or leaking", async () => {
    const config = parseRunConfig({ ...base, freezeMode: "head_only" });
    const before = tf.memory().numTensors;
    let ready = false;
    let steps = 0;
    const result = await trainRun({
      runId: "00000000-0000-4000-8000-00000000ff02",
      config,
      cacheDir,
      overrides: tiny,
      onReady: () => {
        ready = true;
      },
      onStep: () => {
        steps++;
      },
      shouldStop: () => (ready ? "cancel" : null),
    });
    expect(result).toMatchObject({ outcome: "stopped", stopReason: "cancel", lastEpoch: 0, stopCheckpoint: null });
    expect(steps).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("does not cache with augmentation or bnFrozen train, and says why", async () => {
    const augmented = await train(parseRunConfig({ ...base, freezeMode: "head_only", augment: true, epochs: 1 }));
    expect(augmented.ready.prefixCache).toEqual({ cached: false, reason: expect.stringMatching(/augmentation is on/) });
    expect(augmented.logs.some((l) => l.includes("Prefix cache off: augmentation"))).toBe(true);
    const batchStats = await train(parseRunConfig({ ...base, freezeMode: "head_only", bnFrozen: "train", epochs: 1 }));
    expect(batchStats.ready.prefixCache.reason).toMatch(/bnFrozen is train/);
  });

  it("falls back to the uncached path over the memory limit", async () => {
    const config = parseRunConfig({ ...base, freezeMode: "final_block", epochs: 1 });
    const over = await train(config, { prefixCacheLimitMb: 0.001 });
    expect(over.ready.prefixCache.cached).toBe(false);
    expect(over.ready.prefixCache.reason).toMatch(/over AI623_PREFIX_CACHE_MB=0.001/);
    expect(over.logs.some((l) => l.startsWith("Prefix cache off: the prefix cache would take"))).toBe(true);
    expect(over.history).toHaveLength(1);
  });
});

describe("prefix cache decision and split", () => {
  it("cuts at avgpool (head_only) and the last layer3 block (final_block), none for full", () => {
    const net = buildResNet({ numClasses: 10, imageSize: 32, blocks: [1, 1, 2, 1], widths: [4, 4, 8, 8], seed: 1 });
    try {
      const cfg = { bnFrozen: "eval", augment: false } as const;
      expect(decidePrefixCache({ ...cfg, freezeMode: "head_only" }, net, 100, 4096)).toMatchObject({
        cached: true,
        cut: "avgpool",
        featureShape: [32],
      });
      // 32 px → layer3 is 2×2, 8×4 channels: 128 floats per image
      expect(decidePrefixCache({ ...cfg, freezeMode: "final_block" }, net, 2048, 4096)).toMatchObject({
        cached: true,
        cut: "layer3.1.relu3",
        featureShape: [2, 2, 32],
        megabytes: 1,
      });
      expect(decidePrefixCache({ ...cfg, freezeMode: "full" }, net, 100, 4096)).toMatchObject({ cached: false });
      const split = splitModel(net.model, "layer3.1.relu3");
      expect(split.suffix.layers.some((l) => l.name === "layer4.0.conv1")).toBe(true);
      expect(split.suffix.layers.some((l) => l.name.startsWith("layer3."))).toBe(false);
      // a cut inside a block, where the skip tensor also crosses, is refused
      expect(() => splitModel(net.model, "layer3.1.relu1")).toThrow(/reads a tensor from before/);
      split.suffix.dispose();
    } finally {
      disposeResNet(net);
    }
  });

  it("reads AI623_PREFIX_CACHE_MB with a default and a clear error", () => {
    expect(readPrefixCacheLimitMb({})).toBe(4096);
    expect(readPrefixCacheLimitMb({ AI623_PREFIX_CACHE_MB: "512" })).toBe(512);
    expect(() => readPrefixCacheLimitMb({ AI623_PREFIX_CACHE_MB: "lots" })).toThrow(/AI623_PREFIX_CACHE_MB/);
  });
});
