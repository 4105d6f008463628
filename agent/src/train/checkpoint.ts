// Epoch checkpoints: what a resumed run needs to continue exactly where it stopped.
//   model.safetensors      the network in torchvision names and layouts (PyTorch can load_state_dict it)
//   optimizer.safetensors  the optimiser's slots (iteration count, Adam moments / momentum buffers),
//                          in the order tf.Optimizer.getWeights returns and setWeights expects
//   state.json             epoch, config, data-order seeds, metrics so far, file hashes; written
//                          last, so a directory without it is an interrupted write and is ignored
// Data order needs no saved generator: shuffles and augmentations are derived from (seed, epoch,
// step) (data/pipeline.ts), so the epoch number, the step and the seed are the whole RNG state.
// Two kinds, both written the same atomic way:
//   epoch-0002             after epoch 2 ended (the resumed run starts epoch 3)
//   epoch-0002-step-00005  inside epoch 2 after its first 5 steps (a graceful stop): state.json also
//                          holds the running sums of the epoch's training metrics, so the resumed
//                          run trains steps 6… of the same shuffle and reports the whole epoch
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EpochMetrics, RunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { AgentError } from "../errors";
import type { ResNet } from "../model/resnet";
import { readSafetensors, writeSafetensors } from "../model/safetensors";
import { exportTorchvisionTensors, loadTorchvisionTensors } from "../model/weights";
import { deriveSeed } from "../util/rng";

export const checkpointFormat = 1;

/** Where a checkpoint sits: after `epoch` (step null), or inside it after `step` training steps. */
export interface CheckpointPosition {
  epoch: number;
  step: number | null;
}

/** What a mid-epoch checkpoint carries of its epoch: enough to report the whole epoch's metrics. */
export interface PartialEpoch {
  /** training steps done in the epoch (the resumed run starts at this step index) */
  step: number;
  stepsPerEpoch: number;
  /** images trained on so far, sum of per-batch loss × batch size, correct predictions */
  seen: number;
  lossSum: number;
  hits: number;
  /** wall-clock seconds spent training in this epoch so far (images/s and epochSeconds add to it) */
  seconds: number;
}

export interface CheckpointState {
  format: number;
  runId: string;
  epoch: number;
  /** steps done inside `epoch` for a mid-epoch checkpoint; null after the epoch ended */
  step?: number | null;
  config: RunConfig;
  /**
   * Seeds of the data order the resumed run will see: the next epoch's shuffle, or for a mid-epoch
   * checkpoint this epoch's shuffle and the first batch still to train.
   */
  rng: { seed: number; nextEpochShuffleSeed: number; epochShuffleSeed?: number; nextStep?: number };
  partial?: PartialEpoch | null;
  /** Metrics of every epoch up to this one (the resumed attempt reports the rest). */
  history: EpochMetrics[];
  files: { model: { bytes: number; sha256: string }; optimizer: { bytes: number; sha256: string } };
  savedAt: string;
}

export interface CheckpointInfo {
  epoch: number;
  /** steps done inside `epoch` (mid-epoch checkpoint); null = after the epoch */
  step: number | null;
  dir: string;
  /** size and sha256 of model.safetensors, what the server records */
  bytes: number;
  sha256: string;
}

export const runDirOf = (cacheDir: string, runId: string) => join(cacheDir, "runs", runId);
const checkpointDirName = (epoch: number, step: number | null) =>
  `epoch-${String(epoch).padStart(4, "0")}${step === null ? "" : `-step-${String(step).padStart(5, "0")}`}`;
const checkpointDirPattern = /^epoch-(\d+)(?:-step-(\d+))?$/;
export const checkpointDirOf = (cacheDir: string, runId: string, epoch: number, step: number | null = null) =>
  join(runDirOf(cacheDir, runId), checkpointDirName(epoch, step));

/** Training order: inside epoch e after k steps comes before the end of e. */
export function comparePositions(a: CheckpointPosition, b: CheckpointPosition): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const aStep = a.step ?? Number.POSITIVE_INFINITY;
  const bStep = b.step ?? Number.POSITIVE_INFINITY;
  return aStep === bStep ? 0 : aStep < bStep ? -1 : 1;
}
export const describePosition = (p: CheckpointPosition) =>
  p.step === null ? `after epoch ${p.epoch}` : `inside epoch ${p.epoch} after step ${p.step}`;

const sha256Of = (buf: Uint8Array) => createHash("sha256").update(buf).digest("hex");

/**
 * Adam's bias-correction powers β1^t, β2^t. Training multiplies them step by step in float32, but
 * setWeights recomputes them as pow(β, t), which can differ in the last bit and make a resumed run
 * drift from an uninterrupted one; the checkpoint keeps the running values (private in tfjs).
 */
const adamPowers = ["accBeta1", "accBeta2"] as const;
function adamPowerVariables(optimizer: tf.Optimizer): Map<string, tf.Variable> {
  const found = new Map<string, tf.Variable>();
  const fields = optimizer as unknown as Record<string, unknown>;
  for (const name of adamPowers) {
    const v = fields[name];
    if (v instanceof tf.Variable) found.set(`adam.${name}`, v);
  }
  return found;
}

/**
 * Writes the checkpoint of `epoch` (or, with `partial`, inside it) atomically (temp dir + rename)
 * and keeps the newest `keep` of either kind. Two are kept by default: the server may not have heard
 * of the newest yet, and the one it knows must still be there for the next claim.
 */
export async function writeCheckpoint(opt: {
  cacheDir: string;
  runId: string;
  epoch: number;
  config: RunConfig;
  net: ResNet;
  optimizer: tf.Optimizer;
  /** metrics of the epochs that ended (the partial epoch is not among them) */
  history: EpochMetrics[];
  partial?: PartialEpoch | null;
  keep?: number;
}): Promise<CheckpointInfo> {
  const step = opt.partial?.step ?? null;
  const dir = checkpointDirOf(opt.cacheDir, opt.runId, opt.epoch, step);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const model = writeSafetensors(await exportTorchvisionTensors(opt.net), { format: "pt", epoch: String(opt.epoch) });
  const slots = await opt.optimizer.getWeights();
  // read with data(), never dataSync(): webgpu cannot read synchronously under Node
  const optimizerTensors = await Promise.all(
    slots.map(async (s, i) => ({
      name: `slot.${String(i).padStart(5, "0")}`,
      shape: [...s.tensor.shape],
      data: Float32Array.from(await s.tensor.data()),
    })),
  );
  for (const [name, v] of adamPowerVariables(opt.optimizer)) {
    optimizerTensors.push({ name, shape: [], data: Float32Array.from(await v.data()) });
  }
  const names = JSON.stringify(slots.map((s) => s.name));
  // getWeights hands out the iteration count as a fresh tensor; the slots are the optimiser's own.
  slots[0]?.tensor.dispose();
  const optimizer = writeSafetensors(optimizerTensors, { optimizer: opt.config.optimizer, names });
  const state: CheckpointState = {
    format: checkpointFormat,
    runId: opt.runId,
    epoch: opt.epoch,
    step,
    config: opt.config,
    rng: {
      seed: opt.config.seed,
      nextEpochShuffleSeed: deriveSeed(opt.config.seed, "shuffle", opt.epoch + 1),
      ...(step === null ? {} : { epochShuffleSeed: deriveSeed(opt.config.seed, "shuffle", opt.epoch), nextStep: step }),
    },
    partial: opt.partial ?? null,
    history: opt.history,
    files: {
      model: { bytes: model.byteLength, sha256: sha256Of(model) },
      optimizer: { bytes: optimizer.byteLength, sha256: sha256Of(optimizer) },
    },
    savedAt: new Date().toISOString(),
  };
  await writeFile(join(tmp, "model.safetensors"), model);
  await writeFile(join(tmp, "optimizer.safetensors"), optimizer);
  await writeFile(join(tmp, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  await pruneCheckpoints(opt.cacheDir, opt.runId, opt.keep ?? 2);
  return { epoch: opt.epoch, step, dir, bytes: model.byteLength, sha256: state.files.model.sha256 };
}

/** Complete checkpoints of this run in this cache, in training order. */
export async function listCheckpoints(cacheDir: string, runId: string): Promise<CheckpointPosition[]> {
  const entries = await readdir(runDirOf(cacheDir, runId)).catch(() => [] as string[]);
  const found: CheckpointPosition[] = [];
  for (const name of entries) {
    const m = checkpointDirPattern.exec(name);
    if (!m) continue;
    const complete = await readFile(join(runDirOf(cacheDir, runId), name, "state.json")).then(
      () => true,
      () => false,
    );
    if (complete) found.push({ epoch: Number(m[1]), step: m[2] === undefined ? null : Number(m[2]) });
  }
  return found.sort(comparePositions);
}

async function pruneCheckpoints(cacheDir: string, runId: string, keep: number): Promise<void> {
  // Half-written folders of a process killed mid-write (never read: they lack the final name).
  for (const name of await readdir(runDirOf(cacheDir, runId)).catch(() => [] as string[])) {
    if (/\.tmp-\d+$/.test(name) && !name.endsWith(`.tmp-${process.pid}`)) {
      await rm(join(runDirOf(cacheDir, runId), name), { recursive: true, force: true });
    }
  }
  const positions = await listCheckpoints(cacheDir, runId);
  for (const p of positions.slice(0, Math.max(0, positions.length - keep))) {
    await rm(checkpointDirOf(cacheDir, runId, p.epoch, p.step), { recursive: true, force: true });
  }
}

/** Deletes everything this run left in the cache (after it finished for good). */
export async function removeRunCheckpoints(cacheDir: string, runId: string): Promise<void> {
  await rm(runDirOf(cacheDir, runId), { recursive: true, force: true });
}

/**
 * Restores the network and optimiser from the checkpoint at `epoch` (and `step`, for a mid-epoch
 * one). The optimiser must be fresh and built for the same trainable variables (same config, same
 * freeze rule).
 */
export async function readCheckpoint(opt: {
  cacheDir: string;
  runId: string;
  epoch: number;
  step?: number | null;
  config: RunConfig;
  net: ResNet;
  optimizer: tf.Optimizer;
}): Promise<CheckpointState> {
  const step = opt.step ?? null;
  const dir = checkpointDirOf(opt.cacheDir, opt.runId, opt.epoch, step);
  const bad = (why: string) =>
    new AgentError("CHECKPOINT_INVALID", `Checkpoint ${dir} cannot be resumed: ${why}. Delete it to restart the run.`);
  let state: CheckpointState;
  let model: Buffer;
  let optimizer: Buffer;
  try {
    state = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as CheckpointState;
    model = await readFile(join(dir, "model.safetensors"));
    optimizer = await readFile(join(dir, "optimizer.safetensors"));
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (state.format !== checkpointFormat) throw bad(`format ${state.format}, this agent reads ${checkpointFormat}`);
  if (state.epoch !== opt.epoch || (state.step ?? null) !== step || state.runId !== opt.runId) {
    throw bad("it belongs to another run or epoch");
  }
  if (step !== null && state.partial?.step !== step) throw bad("its running epoch metrics are missing");
  if (JSON.stringify(state.config) !== JSON.stringify(opt.config)) throw bad("the run's configuration changed");
  if (sha256Of(model) !== state.files.model.sha256) throw bad("model.safetensors is corrupt (sha256 mismatch)");
  if (sha256Of(optimizer) !== state.files.optimizer.sha256) throw bad("optimizer.safetensors is corrupt");
  loadTorchvisionTensors(opt.net, readSafetensors(model, join(dir, "model.safetensors")), "the checkpoint");
  const file = readSafetensors(optimizer, join(dir, "optimizer.safetensors"));
  const names = JSON.parse(file.metadata.names ?? "[]") as string[];
  const slots = names.map((name, i) => {
    const t = file.tensors.get(`slot.${String(i).padStart(5, "0")}`);
    if (!t) throw bad(`optimizer slot ${i} is missing`);
    return { name, tensor: tf.tensor(t.data, t.shape) };
  });
  // setWeights copies values into variables it owns (tfjs `variable(...)` clones): free ours after.
  await opt.optimizer.setWeights(slots);
  tf.dispose(slots.map((s) => s.tensor));
  // Older checkpoints lack them: setWeights' pow(β, t) stands in.
  for (const [name, v] of adamPowerVariables(opt.optimizer)) {
    const saved = file.tensors.get(name);
    if (saved) tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape)));
  }
  return state;
}
