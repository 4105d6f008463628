// A checkpoint written on webgpu (SwiftShader here) resumes on wasm, and one written on wasm resumes on
// webgpu: trainRun stops after epoch 1 on one backend and the other continues from its checkpoint.
// Epoch 1 is then exactly the first backend's uninterrupted run (each backend is deterministic), and
// epoch 2, the only one computed elsewhere, matches that run within one epoch of the backends' difference.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EpochMetrics } from "@ai623/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTestBackend, swiftShader } from "../../test/swiftshader";
import { tinyModel, tinyRunConfig } from "../../test/tiny-run";
import { readSafetensors } from "../model/safetensors";
import { checkpointDirOf } from "./checkpoint";
import { trainRun } from "./train-run";

const tiny = tinyModel;
// SGD: its updates are linear in the gradient, so the backends' difference stays at rounding level
// (Adam's first steps are ±lr whatever the gradient's size: noise-level gradients could flip them).
const config = tinyRunConfig({ epochs: 2, optimizer: "sgd", lr: 0.05 });
// Measured on SwiftShader: epoch-2 metrics within 2.4e-7, weights within 4.3e-6. (Not against an
// uninterrupted run of the other backend: 1e-3 relative gradient differences, wasm's float32 sums in
// train-mode BatchNorm's backward, grow over epochs; webgpu agrees with the cpu backend there.)
const tolerance = { metric: 1e-5, weight: 1e-4 };

type Backend = "wasm" | "webgpu";
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "ai623-ckpt-webgpu-"));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function finalWeights(runId: string) {
  return readSafetensors(await readFile(join(checkpointDirOf(cacheDir, runId, 2), "model.safetensors"))).tensors;
}

async function uninterrupted(runId: string, backend: Backend) {
  await initTestBackend(backend);
  const epochs: EpochMetrics[] = [];
  await trainRun({ runId, config, cacheDir, overrides: tiny, onEpoch: (m) => void epochs.push(m) });
  return { epochs, weights: await finalWeights(runId) };
}
type Outcome = Awaited<ReturnType<typeof uninterrupted>>;

/** Epoch 1 on `first`, stopped there (its checkpoint written); epoch 2 on `second`, resumed from it. */
async function runAcross(runId: string, first: Backend, second: Backend): Promise<Outcome> {
  const epochs: EpochMetrics[] = [];
  const onEpoch = (m: EpochMetrics) => void epochs.push(m);
  await initTestBackend(first);
  const shouldStop = () => (epochs.length >= 1 ? "signal" : null);
  const stopped = await trainRun({ runId, config, cacheDir, overrides: tiny, onEpoch, shouldStop });
  expect(stopped).toMatchObject({ outcome: "stopped", lastEpoch: 1, lastCheckpoint: { epoch: 1, step: null } });
  await initTestBackend(second);
  const resumeFrom = { epoch: 1, step: null };
  const resumed = await trainRun({ runId, config, cacheDir, overrides: tiny, resumeFrom, onEpoch });
  expect(resumed).toMatchObject({ outcome: "completed", lastEpoch: 2 });
  expect(resumed.history.map((m) => m.epoch)).toEqual([1, 2]);
  return { epochs, weights: await finalWeights(runId) };
}

const learned = (m: EpochMetrics) => [m.trainLoss, m.trainAcc, m.valLoss, m.valAcc];

function expectResumedLike(resumed: Outcome, reference: Outcome) {
  expect(resumed.epochs.map((m) => m.epoch)).toEqual([1, 2]);
  expect(learned(resumed.epochs[0]!)).toEqual(learned(reference.epochs[0]!));
  const [a, b] = [learned(resumed.epochs[1]!), learned(reference.epochs[1]!)];
  for (const [i, v] of a.entries()) expect(Math.abs(v - b[i]!), `epoch 2 metric ${i}`).toBeLessThan(tolerance.metric);
  expect([...resumed.weights.keys()]).toEqual([...reference.weights.keys()]);
  for (const [name, t] of resumed.weights) {
    const other = reference.weights.get(name)!.data;
    const diff = t.data.reduce((max, v, j) => Math.max(max, Math.abs(v - other[j]!)), 0);
    expect(diff, name).toBeLessThan(tolerance.weight);
  }
}

describe.skipIf(swiftShader.skip || process.env.AI623_FAST === "1")("checkpoints across webgpu and wasm", () => {
  it("resumes a webgpu checkpoint on wasm and a wasm checkpoint on webgpu", async () => {
    const onWasm = await uninterrupted(id(1), "wasm");
    const onGpu = await uninterrupted(id(2), "webgpu");
    // training moved the weights: a resume that ignored the checkpoint could not match
    expect(onWasm.epochs[1]!.trainLoss).toBeLessThan(onWasm.epochs[0]!.trainLoss);
    expectResumedLike(await runAcross(id(3), "webgpu", "wasm"), onGpu);
    expectResumedLike(await runAcross(id(4), "wasm", "webgpu"), onWasm);
  }, 300_000);
});
