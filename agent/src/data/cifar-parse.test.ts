import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentError } from "../errors";
import { cifar10Layout, cifar100Layout, pixelBytes } from "./cifar-layout";
import { readCifarSplit, readClassNames } from "./cifar-parse";
import { loadCifar } from "./load-dataset";
import { generateSyntheticSplit, syntheticClassNames, writeSyntheticDataset } from "./synthetic";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ai623-cifar-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("CIFAR binary layout", () => {
  it("CIFAR-10 record = label byte + R, G, B planes, row-major", async () => {
    const folder = join(dir, "cifar-10-batches-bin");
    // One hand-written record: label 7; pixel (y=1, x=2) has R=10, G=20, B=30; everything else 0.
    const rec = Buffer.alloc(1 + pixelBytes);
    rec[0] = 7;
    const p = 1 * 32 + 2;
    rec[1 + p] = 10;
    rec[1 + 1024 + p] = 20;
    rec[1 + 2048 + p] = 30;
    await writeSyntheticDataset(dir, { family: "cifar10", train: 5, test: 1, seed: 1 });
    writeFileSync(join(folder, "test_batch.bin"), rec);
    const split = await readCifarSplit(folder, cifar10Layout, ["test_batch.bin"]);
    expect(split.count).toBe(1);
    expect(split.labels[0]).toBe(7);
    expect([...split.images.subarray(p * 3, p * 3 + 3)]).toEqual([10, 20, 30]);
    expect(split.images.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it("CIFAR-100 record = coarse, fine, pixels; fine labels by default", async () => {
    const folder = join(dir, "cifar-100-binary");
    await writeSyntheticDataset(dir, { family: "cifar100", train: 3, test: 1, seed: 1 });
    const rec = Buffer.alloc(2 + pixelBytes);
    rec[0] = 13;
    rec[1] = 66;
    rec[2 + 2048] = 255; // blue of pixel (0, 0)
    writeFileSync(join(folder, "test.bin"), rec);
    const fine = await readCifarSplit(folder, cifar100Layout, ["test.bin"]);
    expect([fine.labels[0], fine.coarseLabels?.[0], fine.images[2]]).toEqual([66, 13, 255]);
    const coarse = await readCifarSplit(folder, cifar100Layout, ["test.bin"], { labelMode: "coarse" });
    expect(coarse.labels[0]).toBe(13);
  });
});

describe("synthetic twin → parser", () => {
  it.each(["cifar10", "cifar100"] as const)("%s round trip gives back the same labels and pixels", async (family) => {
    const seed = 5;
    await writeSyntheticDataset(dir, { family, train: 53, test: 17, seed });
    const data = await loadCifar({ dataset: `synthetic-${family}`, cacheDir: dir, dataDir: dir });
    const { deriveSeed } = await import("../util/rng");
    const train = generateSyntheticSplit(family, 53, deriveSeed(seed, "train"));
    const test = generateSyntheticSplit(family, 17, deriveSeed(seed, "test"));
    expect(data.train.count).toBe(53);
    expect(Buffer.from(data.train.images).equals(Buffer.from(train.images))).toBe(true);
    expect([...data.train.labels]).toEqual([...train.labels]);
    expect(Buffer.from(data.test.images).equals(Buffer.from(test.images))).toBe(true);
    expect([...data.test.labels]).toEqual([...test.labels]);
    if (family === "cifar100") expect([...(data.train.coarseLabels ?? [])]).toEqual([...(train.coarseLabels ?? [])]);
    expect(data.classNames).toEqual(syntheticClassNames(family).fine);
  });

  it("is deterministic per seed and balanced across classes", () => {
    const a = generateSyntheticSplit("cifar10", 200, 3);
    const b = generateSyntheticSplit("cifar10", 200, 3);
    const c = generateSyntheticSplit("cifar10", 200, 4);
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).toBe(false);
    const counts = new Array(10).fill(0);
    for (const l of a.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(20));
  });

  it("spreads CIFAR-10 training records over the five batch files", async () => {
    await writeSyntheticDataset(dir, { family: "cifar10", train: 12, test: 2, seed: 0 });
    const sizes = cifar10Layout.trainFiles.map((f) => readFileSync(join(dir, "cifar-10-batches-bin", f)).length / 3073);
    expect(sizes).toEqual([3, 3, 2, 2, 2]);
  });
});

describe("damaged files", () => {
  it("a truncated record file is an error naming the file and the expected size", async () => {
    const folder = await writeSyntheticDataset(dir, { family: "cifar10", train: 10, test: 4, seed: 0 });
    truncateSync(join(folder, "data_batch_2.bin"), 2 * 3073 - 100);
    const err = await loadCifar({ dataset: "synthetic-cifar10", cacheDir: dir, dataDir: folder }).catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe("DATA_FILE_SIZE");
    expect(err.message).toContain(join(folder, "data_batch_2.bin"));
    expect(err.message).toContain("expected 6146");
  });

  it("without a manifest, a real dataset's files must have the official record counts", async () => {
    const folder = await writeSyntheticDataset(dir, { family: "cifar100", train: 10, test: 4, seed: 0 });
    rmSync(join(folder, "ai623-synthetic.json"));
    const err = await loadCifar({ dataset: "cifar100", cacheDir: dir, dataDir: folder }).catch((e) => e);
    expect(err.code).toBe("DATA_FILE_SIZE");
    expect(err.message).toContain("expected 153700000 (50000 records of 3074 bytes)");
  });

  it("a class-name file with the wrong number of names is rejected", async () => {
    const folder = await writeSyntheticDataset(dir, { family: "cifar10", train: 5, test: 1, seed: 0 });
    writeFileSync(join(folder, "batches.meta.txt"), "cat\ndog\n\n");
    await expect(readClassNames(folder, cifar10Layout)).rejects.toMatchObject({ code: "DATA_META_INVALID" });
  });

  it("a label outside the class range is rejected", async () => {
    const folder = await writeSyntheticDataset(dir, { family: "cifar10", train: 5, test: 1, seed: 0 });
    const rec = Buffer.alloc(3073);
    rec[0] = 12;
    writeFileSync(join(folder, "test_batch.bin"), rec);
    await expect(readCifarSplit(folder, cifar10Layout, ["test_batch.bin"])).rejects.toMatchObject({
      code: "DATA_LABEL_RANGE",
    });
  });
});
