import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCifar } from "../data/load-dataset";
import { runDataSynth } from "./data-synth";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ai623-synth-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("data synth", () => {
  it("writes a folder the loader reads with the requested sizes", async () => {
    const lines: string[] = [];
    const out = await runDataSynth({
      dataset: "cifar100",
      out: "out",
      train: "40",
      test: "20",
      seed: "3",
      cwd: dir,
      log: (m) => lines.push(m),
    });
    expect(out).toBe(join(dir, "out", "cifar-100-binary"));
    const data = await loadCifar({ dataset: "synthetic-cifar100", cacheDir: dir, dataDir: out });
    expect([data.train.count, data.test.count]).toEqual([40, 20]);
    expect(lines[0]).toContain(`--data-dir ${out}`);
  });

  it("--archive packs the folder as a .tar.gz the loader accepts", async () => {
    const lines: string[] = [];
    await runDataSynth({ dataset: "cifar10", out: dir, train: 10, test: 5, archive: true, log: (m) => lines.push(m) });
    const archive = join(dir, "cifar-10-binary.tar.gz");
    expect(lines[0]).toContain(archive);
    const data = await loadCifar({ dataset: "synthetic-cifar10", cacheDir: join(dir, "cache"), dataDir: archive });
    expect([data.train.count, data.test.count]).toEqual([10, 5]);
  });

  it("rejects bad arguments with a clear message", async () => {
    await expect(runDataSynth({ dataset: "mnist", out: dir, train: 1, test: 1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(runDataSynth({ dataset: "cifar10", out: dir, train: "ten", test: 1 })).rejects.toThrow(/--train/);
  });
});
