import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCifar } from "../data/load-dataset";
import { writeSyntheticDataset } from "../data/synthetic";
import { createImageTransform, noAugmentation, transformImage } from "../data/transform";
import { buildResNet, disposeResNet } from "../model/resnet";
import { loadWeightsFile } from "../model/weights";
import { runEval } from "./eval";

const fixtures = join(import.meta.dirname, "../../test/fixtures");
let dir = "";
let dataDir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ai623-eval-"));
  dataDir = await writeSyntheticDataset(join(dir, "data"), { family: "cifar10", train: 10, test: 12, seed: 1 });
  copyFileSync(join(fixtures, "tiny-weights.safetensors"), join(dir, "w.safetensors"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ai623-agent eval", () => {
  it("prints accuracy and writes logits per image in file order", async () => {
    const lines: string[] = [];
    const r = await runEval({
      weights: "w.safetensors",
      dataset: "cifar10",
      dataDir,
      imageSize: "40",
      limit: "5",
      batchSize: "2",
      logitsOut: "logits.json",
      disabledSkips: "layer3.0",
      backend: "wasm",
      cwd: dir,
      cacheDir: join(dir, "cache"),
      log: (m) => lines.push(m),
    });
    expect(r.backend).toBe("wasm");
    expect(r.count).toBe(5);
    const logits = JSON.parse(readFileSync(join(dir, "logits.json"), "utf8")) as number[][];
    expect(logits.length).toBe(5);
    // The same network run by hand on the same preprocessed images gives the same logits.
    const data = await loadCifar({ dataset: "cifar10", cacheDir: join(dir, "cache"), dataDir });
    const net = buildResNet({
      blocks: [1, 1, 1, 1],
      widths: [4, 8, 16, 32],
      numClasses: 10,
      imageSize: 40,
      disabledSkips: ["layer3.0"],
    });
    await loadWeightsFile(net, join(dir, "w.safetensors"));
    const t = createImageTransform(40);
    const x = new Float32Array(5 * 40 * 40 * 3);
    for (let i = 0; i < 5; i++) transformImage(t, data.test.images, i * 3072, noAugmentation, x, i * 40 * 40 * 3);
    const expected = tf.tidy(() =>
      (net.model.predict(tf.tensor4d(x, [5, 40, 40, 3])) as tf.Tensor).arraySync(),
    ) as number[][];
    disposeResNet(net);
    logits.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(expected[i]![j]!, 5);
      });
    });
    const correct = expected.filter((row, i) => row.indexOf(Math.max(...row)) === data.test.labels[i]).length;
    expect(r.correct).toBe(correct);
    expect(lines.at(-1)).toContain(`(${correct}/5) on the cifar10 test split at 40 px`);
    expect(lines[0]).toMatch(/^backend: wasm \(forced by --backend/);
  });

  it("refuses weights whose head does not fit the dataset", async () => {
    await expect(
      runEval({ weights: "w.safetensors", dataset: "cifar100", dataDir, backend: "wasm", cwd: dir, log: () => {} }),
    ).rejects.toThrow(/10-class head but cifar100 has 100 classes/);
  });
});
