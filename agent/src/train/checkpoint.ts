// Epoch checkpoints: what a resumed run needs to continue exactly where it stopped.
//   model.safetensors      the network in torchvision names and layouts (PyTorch can load_state_dict it)
//   optimizer.safetensors  the optimiser's slots (iteration count, Adam moments / momentum buffers),
//                          in the order tf.Optimizer.getWeights returns and setWeights expects
//   state.json             epoch, config, data-order seeds, metrics so far, file hashes; written
//                          last, so a directory without it is an interrupted write and is ignored
// Data order needs no saved generator: shuffles and augmentations are derived from (seed, epoch,
// step) (data/pipeline.ts), so the epoch number and the seed are the whole RNG state.
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

export interface CheckpointState {
  format: number;
  runId: string;
  epoch: number;
  config: RunConfig;
  /** Seeds of the next epoch's shuffle; recorded so a reader can check the order it will see. */
  rng: { seed: number; nextEpochShuffleSeed: number };
  /** Metrics of every epoch up to this one (the resumed attempt reports the rest). */
  history: EpochMetrics[];
  files: { model: { bytes: number; sha256: string }; optimizer: { bytes: number; sha256: string } };
  savedAt: string;
}

export interface CheckpointInfo {
  epoch: number;
  dir: string;
  /** size and sha256 of model.safetensors, what the server records */
  bytes: number;
  sha256: string;
}

export const runDirOf = (cacheDir: string, runId: string) => join(cacheDir, "runs", runId);
const epochDirName = (epoch: number) => `epoch-${String(epoch).padStart(4, "0")}`;
export const checkpointDirOf = (cacheDir: string, runId: string, epoch: number) =>
  join(runDirOf(cacheDir, runId), epochDirName(epoch));

const sha256Of = (buf: Uint8Array) => createHash("sha256").update(buf).digest("hex");

/** Writes the checkpoint of `epoch` atomically (temp dir + rename) and keeps the newest `keep`. */
export async function writeCheckpoint(opt: {
  cacheDir: string;
  runId: string;
  epoch: number;
  config: RunConfig;
  net: ResNet;
  optimizer: tf.Optimizer;
  history: EpochMetrics[];
  keep?: number;
}): Promise<CheckpointInfo> {
  const dir = checkpointDirOf(opt.cacheDir, opt.runId, opt.epoch);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const model = writeSafetensors(exportTorchvisionTensors(opt.net), { format: "pt", epoch: String(opt.epoch) });
  const slots = await opt.optimizer.getWeights();
  const optimizerTensors = slots.map((s, i) => ({
    name: `slot.${String(i).padStart(5, "0")}`,
    shape: [...s.tensor.shape],
    data: Float32Array.from(s.tensor.dataSync()),
  }));
  const names = JSON.stringify(slots.map((s) => s.name));
  // getWeights hands out the iteration count as a fresh tensor; the slots are the optimiser's own.
  slots[0]?.tensor.dispose();
  const optimizer = writeSafetensors(optimizerTensors, { optimizer: opt.config.optimizer, names });
  const state: CheckpointState = {
    format: checkpointFormat,
    runId: opt.runId,
    epoch: opt.epoch,
    config: opt.config,
    rng: { seed: opt.config.seed, nextEpochShuffleSeed: deriveSeed(opt.config.seed, "shuffle", opt.epoch + 1) },
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
  return { epoch: opt.epoch, dir, bytes: model.byteLength, sha256: state.files.model.sha256 };
}

/** Epochs with a complete checkpoint for this run in this cache, ascending. */
export async function listCheckpoints(cacheDir: string, runId: string): Promise<number[]> {
  const entries = await readdir(runDirOf(cacheDir, runId)).catch(() => [] as string[]);
  const epochs: number[] = [];
  for (const name of entries) {
    const m = /^epoch-(\d+)$/.exec(name);
    if (!m) continue;
    const complete = await readFile(join(runDirOf(cacheDir, runId), name, "state.json")).then(
      () => true,
      () => false,
    );
    if (complete) epochs.push(Number(m[1]));
  }
  return epochs.sort((a, b) => a - b);
}

async function pruneCheckpoints(cacheDir: string, runId: string, keep: number): Promise<void> {
  // Half-written folders of a process killed mid-write (never read: they lack the final name).
  for (const name of await readdir(runDirOf(cacheDir, runId)).catch(() => [] as string[])) {
    if (/\.tmp-\d+$/.test(name) && !name.endsWith(`.tmp-${process.pid}`)) {
      await rm(join(runDirOf(cacheDir, runId), name), { recursive: true, force: true });
    }
  }
  const epochs = await listCheckpoints(cacheDir, runId);
  for (const epoch of epochs.slice(0, Math.max(0, epochs.length - keep))) {
    await rm(checkpointDirOf(cacheDir, runId, epoch), { recursive: true, force: true });
  }
}

/** Deletes everything this run left in the cache (after it finished for good). */
export async function removeRunCheckpoints(cacheDir: string, runId: string): Promise<void> {
  await rm(runDirOf(cacheDir, runId), { recursive: true, force: true });
}

/**
 * Restores the network and optimiser from the checkpoint of `epoch`. The optimiser must be fresh
 * and built for the same trainable variables (same config, same freeze rule).
 */
export async function readCheckpoint(opt: {
  cacheDir: string;
  runId: string;
  epoch: number;
  config: RunConfig;
  net: ResNet;
  optimizer: tf.Optimizer;
}): Promise<CheckpointState> {
  const dir = checkpointDirOf(opt.cacheDir, opt.runId, opt.epoch);
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
  if (state.epoch !== opt.epoch || state.runId !== opt.runId) throw bad("it belongs to another run or epoch");
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
  return state;
}
