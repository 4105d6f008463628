import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EpochMetrics } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyModel, tinyRunConfig } from "../../test/tiny-run";
import { initBackend } from "../backend/init";
import { readSafetensors } from "../model/safetensors";
import { checkpointDirOf, listCheckpoints } from "./checkpoint";
import { trainRun } from "./train-run";

// ≈10–25 s each on a shared 2-core machine: skipped under AI623_FAST, except the quick stop test.
const slow = process.env.AI623_FAST === "1";
const tiny = tinyModel;
const config = tinyRunConfig({ epochs: 3, lr: 5e-3 });
const runId = "00000000-0000-4000-8000-000000000001";
let cacheDir: string;

beforeAll(async () => {
  await initBackend("wasm");
  cacheDir = await mkdtemp(join(tmpdir(), "ai623-train-run-"));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** Everything but the wall-clock fields, which differ between two identical runs. */
const learned = (m: EpochMetrics) => ({
  epoch: m.epoch,
  trainLoss: m.trainLoss,
  trainAcc: m.trainAcc,
  valLoss: m.valLoss,
  valAcc: m.valAcc,
  lr: m.lr,
});

/** Resumes run `id` from a checkpoint; returns the result, the epochs it reported and the train steps it took. */
async function resumeRun(id: string, resumeFrom: { epoch: number; step: number | null }) {
  const epochs: EpochMetrics[] = [];
  const trainSteps: string[] = [];
  const result = await trainRun({
    runId: id,
    config,
    cacheDir,
    overrides: tiny,
    resumeFrom,
    onEpoch: (m) => {
      epochs.push(m);
    },
    onStep: (p) => {
      if (p.phase === "train") trainSteps.push(`${p.epoch}.${p.step}`);
    },
  });
  return { result, epochs, trainSteps };
}

describe("trainRun", () => {
  let uninterrupted: EpochMetrics[] = [];
  let finalWeights: Buffer;

  it.skipIf(slow)("trains every epoch, reports each as it ends, checkpoints, and leaks no tensor", async () => {
    const reported: EpochMetrics[] = [];
    const tensorsAtEpochEnd: number[] = [];
    const before = tf.memory().numTensors;
    const result = await trainRun({
      runId,
      config,
      cacheDir,
      overrides: tiny,
      onEpoch: (m, ckpt) => {
        reported.push(m);
        tensorsAtEpochEnd.push(tf.memory().numTensors);
        expect(ckpt?.epoch).toBe(m.epoch);
      },
    });
    expect(result.outcome).toBe("completed");
    expect(reported.map((m) => m.epoch)).toEqual([1, 2, 3]);
    for (const m of reported) {
      expect(m.trainLoss).toBeGreaterThan(0);
      expect(m.valAcc).toBeGreaterThanOrEqual(0);
      expect(m.valAcc).toBeLessThanOrEqual(1);
      expect(m.imagesPerSec).toBeGreaterThan(0);
      expect(m.peakMemoryMb).toBeGreaterThan(0);
      expect(m.lr).toBe(config.lr);
    }
    // Learning happens: the synthetic classes are separable, the loss falls.
    expect(reported[2]!.trainLoss).toBeLessThan(reported[0]!.trainLoss);
    expect(new Set(tensorsAtEpochEnd).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // The newest two checkpoints are kept, each complete.
    expect(await listCheckpoints(cacheDir, runId)).toEqual([
      { epoch: 2, step: null },
      { epoch: 3, step: null },
    ]);
    const dir = checkpointDirOf(cacheDir, runId, 3);
    expect((await readdir(dir)).sort()).toEqual(["model.safetensors", "optimizer.safetensors", "state.json"]);
    const weights = readSafetensors(await readFile(join(dir, "model.safetensors")));
    expect(weights.tensors.get("conv1.weight")?.shape).toEqual([4, 3, 7, 7]);
    expect(weights.tensors.has("layer4.0.bn3.running_var")).toBe(true);
    uninterrupted = reported;
    finalWeights = await readFile(join(dir, "model.safetensors"));
  });

  it.skipIf(slow)("resumes from a checkpoint to exactly the uninterrupted run's results", async () => {
    const id = "00000000-0000-4000-8000-000000000002";
    const first: EpochMetrics[] = [];
    const stopped = await trainRun({
      runId: id,
      config,
      cacheDir,
      overrides: tiny,
      onEpoch: (m) => {
        first.push(m);
      },
      shouldStop: () => (first.length >= 2 ? "signal" : null),
    });
    expect(stopped).toMatchObject({ outcome: "stopped", stopReason: "signal", lastEpoch: 2 });
    // a folder left by a process killed while writing is ignored, then cleaned up
    const torn = `${checkpointDirOf(cacheDir, id, 3)}.tmp-999999`;
    await mkdir(torn, { recursive: true });
    const { result: resumed, epochs: second } = await resumeRun(id, { epoch: 2, step: null });
    expect(resumed.outcome).toBe("completed");
    expect(second.map((m) => m.epoch)).toEqual([3]);
    expect([...first, ...second].map(learned)).toEqual(uninterrupted.map(learned));
    expect(resumed.history.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(existsSync(torn)).toBe(false);
    const weights = await readFile(join(checkpointDirOf(cacheDir, id, 3), "model.safetensors"));
    expect(weights.equals(finalWeights)).toBe(true);
  });

  it.skipIf(slow)("stopped by a signal inside an epoch, resumes at the next step to the same results", async () => {
    const id = "00000000-0000-4000-8000-000000000004";
    const before = tf.memory().numTensors;
    const first: EpochMetrics[] = [];
    let epoch2Steps = 0;
    const stopped = await trainRun({
      runId: id,
      config,
      cacheDir,
      overrides: tiny,
      onEpoch: (m) => {
        first.push(m);
      },
      onStep: (p) => {
        if (p.phase === "train" && p.epoch === 2) epoch2Steps++;
      },
      shouldStop: () => (epoch2Steps >= 2 ? "signal" : null),
    });
    expect(stopped).toMatchObject({ outcome: "stopped", stopReason: "signal", lastEpoch: 1 });
    expect(stopped.stopCheckpoint).toMatchObject({ epoch: 2, step: 2 });
    expect(first.map((m) => m.epoch)).toEqual([1]);
    expect(await listCheckpoints(cacheDir, id)).toEqual([
      { epoch: 1, step: null },
      { epoch: 2, step: 2 },
    ]);
    const state = JSON.parse(await readFile(join(checkpointDirOf(cacheDir, id, 2, 2), "state.json"), "utf8"));
    expect(state).toMatchObject({ epoch: 2, step: 2, rng: { nextStep: 2 }, partial: { step: 2, seen: 32 } });
    expect(state.partial.seconds).toBeGreaterThan(0);

    const { result: resumed, epochs: second, trainSteps } = await resumeRun(id, { epoch: 2, step: 2 });
    expect(resumed.outcome).toBe("completed");
    // exactly the batches not yet trained: step 3 of epoch 2, then all of epoch 3
    expect(trainSteps).toEqual(["2.3", "3.1", "3.2", "3.3"]);
    expect(second.map((m) => m.epoch)).toEqual([2, 3]);
    // epoch 2's metrics cover all of its steps, the ones before the stop included
    expect([...first, ...second].map(learned)).toEqual(uninterrupted.map(learned));
    expect(second[0]!.epochSeconds).toBeGreaterThanOrEqual(state.partial.seconds);
    expect(resumed.history.map((m) => m.epoch)).toEqual([1, 2, 3]);
    const weights = await readFile(join(checkpointDirOf(cacheDir, id, 3), "model.safetensors"));
    expect(weights.equals(finalWeights)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // the mid-epoch checkpoint is pruned like any other once two newer ones exist
    expect(await listCheckpoints(cacheDir, id)).toEqual([
      { epoch: 2, step: null },
      { epoch: 3, step: null },
    ]);
  });

  it.skipIf(slow)(
    "stopped by a signal in validation, keeps the epoch's training and redoes only validation",
    async () => {
      const id = "00000000-0000-4000-8000-000000000005";
      let valSteps = 0;
      const stopped = await trainRun({
        runId: id,
        config,
        cacheDir,
        overrides: tiny,
        onStep: (p) => {
          if (p.phase === "val" && p.epoch === 2) valSteps++;
        },
        shouldStop: () => (valSteps >= 1 ? "signal" : null),
      });
      // all 3 training steps of epoch 2 are in the checkpoint
      expect(stopped.stopCheckpoint).toMatchObject({ epoch: 2, step: 3 });
      const { epochs: second, trainSteps } = await resumeRun(id, { epoch: 2, step: 3 });
      expect(trainSteps).toEqual(["3.1", "3.2", "3.3"]);
      expect([...stopped.history, ...second].map(learned)).toEqual(uninterrupted.map(learned));
    },
  );

  it("stops within one step when asked mid-epoch, leaking nothing", async () => {
    const before = tf.memory().numTensors;
    let steps = 0;
    const result = await trainRun({
      runId: "00000000-0000-4000-8000-000000000003",
      config,
      cacheDir,
      overrides: tiny,
      onStep: (p) => {
        if (p.phase === "train") steps++;
      },
      shouldStop: () => (steps >= 2 ? "cancel" : null),
    });
    expect(result).toMatchObject({ outcome: "stopped", stopReason: "cancel", lastEpoch: 0, stopCheckpoint: null });
    expect(steps).toBe(2);
    // a cancelled run is not resumed by anyone: no mid-epoch checkpoint
    expect(await listCheckpoints(cacheDir, "00000000-0000-4000-8000-000000000003")).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("fails a diverging run at once with NON_FINITE_LOSS, posting no epoch with a NaN", async () => {
    // lr 10 with weight decay 1: every SGD step multiplies the weights by about −9
    const epochs: number[] = [];
    const run = trainRun({
      runId: "00000000-0000-4000-8000-000000000004",
      config: tinyRunConfig({ epochs: 6, optimizer: "sgd", lr: 10, momentum: 0.9, weightDecay: 1 }),
      cacheDir,
      overrides: tiny,
      checkpointEvery: 0,
      onEpoch: (m) => {
        epochs.push(m.epoch);
      },
    });
    await expect(run).rejects.toMatchObject({
      code: "NON_FINITE_LOSS",
      message: expect.stringMatching(
        /^The (training loss at epoch \d+, step \d+|validation loss after epoch \d+) is (NaN|-?Infinity) \(the last finite training loss was .*\): training diverged\. Lower the learning rate/,
      ),
    });
    expect(epochs.length).toBeLessThan(6);
  });

  // uses the checkpoint the first test wrote
  it.skipIf(slow)("refuses a checkpoint of another configuration with a clear error", async () => {
    await expect(
      trainRun({
        runId,
        config: { ...config, lr: 1e-4 },
        cacheDir,
        overrides: tiny,
        resumeFrom: { epoch: 3, step: null },
      }),
    ).rejects.toMatchObject({ code: "CHECKPOINT_INVALID" });
  });
});
