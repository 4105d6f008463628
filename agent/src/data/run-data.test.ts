import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareRunData } from "./run-data";

let cacheDir: string;
beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "ai623-run-data-"));
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe("prepareRunData", () => {
  it("turns a run config into loaded data and a matching pipeline", async () => {
    const config = parseRunConfig({
      dataset: "synthetic-cifar100",
      batchSize: 16,
      imageSize: 64,
      augment: true,
      trainSubset: 200,
      valSubset: 50,
      seed: 3,
    });
    const { data, pipeline } = await prepareRunData(config, {
      cacheDir,
      load: { synthetic: { train: 400, test: 100, seed: 1 } },
    });
    expect(data.classNames).toHaveLength(100);
    expect(pipeline.numClasses).toBe(100);
    expect([pipeline.trainIndices.length, pipeline.valIndices.length]).toEqual([200, 50]);
    expect(pipeline.stepsPerEpoch).toBe(13);
    const first = await pipeline.trainBatches(0).next();
    expect(first.value?.xs.shape).toEqual([16, 64, 64, 3]);
    first.value?.dispose();
  });
});
