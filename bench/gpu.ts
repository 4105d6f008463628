// bench:gpu — bench:train's step table on whatever WebGPU adapter is present, against PyTorch on the
// same machine (CUDA when torch.cuda.is_available(), else the CPU), in one run (issue 13).
//   npm run bench:gpu -- [--backend webgpu|wasm|cpu] [--sizes 32,224] [--batches 32,128]
//                        [--modes head_only,final_block,full] [--reps 3] [--arch resnet152|tiny]
//                        [--e2e-epochs 10] [--e2e-images 1024] [--e2e-val 256] [--e2e-size PX | --no-e2e]
//                        [--gpu-memory MB] [--python PATH] [--budget-s S]
// 1. Per image size and freeze mode: the agent's own training step (createTrainStep with the layout the
//    memory pre-flight, planRunMemory, picks for the backend's budget), Adam, bnFrozen eval, ResNet-152
//    with 10 classes, median of --reps after a warm-up: images/s, and memory per image = (the step's
//    peak − what was resident before it) ÷ batch. Agent memory on webgpu: the peak of
//    tf.memory().numBytesInGPU (GPU buffers in use), read at every buffer tfjs-backend-webgpu acquires
//    during the timed steps; its buffer pool (numBytesInGPUAllocated) is reported beside it. On
//    wasm/cpu: tf.profile's peakBytes (live tensor bytes) over one extra step. PyTorch (torchvision's
//    resnet152, the same freeze rule, fp32: TF32 off): torch.cuda.max_memory_allocated on CUDA, max
//    RSS on the CPU, one process per point. --batches pairs with --sizes (one value: every size);
//    default 32 at 32 px and 128 at 224 px on a hardware GPU, else 4.
// 2. End to end: head_only for --e2e-epochs on --e2e-images synthetic images (+ a --e2e-val validation
//    pass per epoch) at --e2e-size (default the largest size): the agent's trainRun, which builds the
//    frozen-prefix cache once and trains fc on it, against PyTorch's plain loop over the same images
//    (bench/anchor.ts, bench/torch-bench.py).
// Targets (issue 13), judged only on a hardware adapter against PyTorch on CUDA: head_only's end to end
// ≤ 0.5× PyTorch's wall time; a full step ≤ 3× PyTorch's fp32 step. Prints a table, the targets, then
// one JSON line. Progress (each point as it is measured) goes to stderr.
// --budget-s: past that many seconds, the points not yet measured are skipped (reported as such) so the
// report still prints inside a time limit (scripts/gpu-check.sh).
// --arch tiny (blocks [1,1,1,1], widths [4,8,16,32], both sides) runs the same code paths in seconds:
// for SwiftShader or a smoke test, not for numbers.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { type BackendId, type FreezeMode, freezeModes, type GpuAdapter, parseRunConfig } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName, releaseBackend } from "../agent/src/backend/init";
import { applyFreeze } from "../agent/src/model/freeze";
import { buildResNet, disposeResNet, type ResNet } from "../agent/src/model/resnet";
import { memoryBudgetFor } from "../agent/src/train/memory-plan";
import { planRunMemory } from "../agent/src/train/train-run";
import { createTrainStep } from "../agent/src/train/train-step";
import { agentE2E, type E2E, probeTorch, runTorchJob, type TorchInfo } from "./anchor";
import { flag, opt, r1, ratio, timeIt } from "./bench-util";
import {
  type AgentPoint,
  describeAgent,
  type E2ERow,
  type MemoryReading,
  ok,
  type Row,
  renderGpuReport,
  type TorchPoint,
} from "./gpu-report";

const list = (name: string, fallback: string) => opt(name, fallback).split(",").filter(Boolean);
const progress = (msg: string) => process.stderr.write(`[bench:gpu] ${msg}\n`);
const mb = (bytes: number) => bytes / 2 ** 20;
const tiny = opt("arch", "resnet152") === "tiny";
const net = tiny ? { blocks: [1, 1, 1, 1], widths: [4, 8, 16, 32] } : {};
const classes = 10;

const cfg = {
  sizes: list("sizes", "32,224").map(Number),
  modes: list("modes", freezeModes.join(",")) as FreezeMode[],
  reps: Number(opt("reps", "3")),
  /** seconds after which what is left is skipped and the report printed; 0: no limit */
  budgetS: Number(opt("budget-s", "0")),
  e2e: flag("no-e2e")
    ? null
    : {
        epochs: Number(opt("e2e-epochs", "10")),
        images: Number(opt("e2e-images", "1024")),
        val: Number(opt("e2e-val", "256")),
      },
};
for (const m of cfg.modes) if (!freezeModes.includes(m)) throw new Error(`--modes: unknown freeze mode "${m}"`);

/** --batches pairs with --sizes; without it, 32 at 32 px and 128 at 224 px on a hardware GPU, else 4. */
function batchFor(index: number, size: number, hardware: boolean): number {
  const given = list("batches", "").map(Number);
  if (given.length) return given[Math.min(index, given.length - 1)]!;
  if (!hardware) return 4;
  return size >= 224 ? 128 : 32;
}

interface BufferManager {
  numBytesUsed: number;
  numBytesAllocated: number;
  acquireBuffer: (...args: unknown[]) => unknown;
}

/** Watches webgpu's buffer manager: the peak of bytes in use, read at every buffer acquisition. */
function watchGpuBuffers(): { reset(): void; read(): { peak: number; used: number; pool: number } } | null {
  const bm = (tf.backend() as unknown as { bufferManager?: BufferManager }).bufferManager;
  if (!bm) return null;
  let peak = bm.numBytesUsed;
  const acquire = bm.acquireBuffer.bind(bm);
  bm.acquireBuffer = (...args: unknown[]) => {
    const buffer = acquire(...args);
    peak = Math.max(peak, bm.numBytesUsed);
    return buffer;
  };
  return {
    reset: () => {
      peak = bm.numBytesUsed;
    },
    read: () => ({ peak, used: bm.numBytesUsed, pool: bm.numBytesAllocated }),
  };
}

async function agentPoint(
  model: ResNet,
  mode: FreezeMode,
  size: number,
  batch: number,
  backend: BackendId,
  adapter: GpuAdapter | null,
): Promise<AgentPoint> {
  const config = parseRunConfig({ freezeMode: mode, imageSize: size, batchSize: batch, bnFrozen: "eval" });
  const plan = planRunMemory(config, memoryBudgetFor(backend, { adapter }), net);
  applyFreeze(model, mode, "eval");
  const step = createTrainStep(
    model,
    { optimizer: "adam", lr: 1e-3, momentum: 0.9, weightDecay: 0 },
    { microBatchSize: plan.microBatchSize, recompute: plan.recompute },
  );
  const xs = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 1);
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % classes),
    "int32",
  );
  const run = () => step.run(xs, ys).then(() => undefined);
  try {
    const gpu = watchGpuBuffers();
    let stepMs: number;
    let memory: MemoryReading;
    if (gpu) {
      let resident = 0;
      // after the warm-up (shaders, Adam's slots, the buffer pool): weights and slots are resident
      stepMs = await timeIt(cfg.reps, run, () => {
        resident = gpu.read().used;
        gpu.reset();
      });
      const g = gpu.read();
      memory = {
        peakMb: mb(g.peak),
        residentMb: mb(resident),
        poolMb: mb(g.pool),
        memorySource: "peak of tf.memory().numBytesInGPU during the steps",
      };
    } else {
      stepMs = await timeIt(cfg.reps, run);
      const resident = tf.memory().numBytes;
      const profile = await tf.profile(run);
      memory = { peakMb: mb(profile.peakBytes), residentMb: mb(resident), memorySource: "tf.profile peakBytes" };
    }
    const layout = {
      microBatchSize: plan.microBatchSize,
      microBatches: plan.microBatches,
      recompute: plan.recompute,
      estimatedPeakMb: plan.estimatedPeakMb,
    };
    return { stepMs, layout, ...memory };
  } finally {
    step.dispose();
    tf.dispose([xs, ys]);
  }
}

/** wallS to one decimal for the report (ratios are taken before rounding) */
const roundWall = <T extends E2E | { failed: string } | null>(r: T): T =>
  (r && !("failed" in r) ? { ...r, wallS: r1(r.wallS) } : r) as T;
const failure = (e: unknown) => ({ failed: ((e as Error).message ?? String(e)).split("\n")[0]!.slice(0, 300) });

async function main(): Promise<void> {
  const started = performance.now();
  const skipped = { failed: "skipped: --budget-s spent" } as const;
  const spent = () => cfg.budgetS > 0 && (performance.now() - started) / 1000 > cfg.budgetS;
  const backend = parseBackendName(opt("backend", "webgpu"));
  const gpuMemory = opt("gpu-memory", "");
  const init = await initBackend(backend, gpuMemory ? { gpuMemoryMb: Number(gpuMemory) } : {});
  const adapter = init.adapter ?? null;
  const hardware = adapter !== null && !adapter.software;
  progress(`agent: ${describeAgent({ backend, adapter, threads: init.threads })}`);
  const points = cfg.sizes.map((size, i) => ({ size, batch: batchFor(i, size, hardware) }));

  const probe = await probeTorch();
  const torch: TorchInfo | null = "missing" in probe ? null : probe;
  const device = torch?.cuda ? "cuda" : "cpu";
  if (!torch) progress(`PyTorch side skipped: ${"missing" in probe ? probe.missing : ""}`);

  // PyTorch first, one process per point: its memory is gone before the agent allocates on the same GPU.
  const torchRows = new Map<string, TorchPoint | { failed: string }>();
  if (torch) {
    for (const { size, batch } of points) {
      for (const mode of cfg.modes) {
        const job = { kind: "train_step", device, mode, size, batch, reps: cfg.reps, classes, ...net };
        const r = spent() ? skipped : await runTorchJob<TorchPoint>(torch.python, job).catch(failure);
        progress(`torch ${mode} ${size} px batch ${batch}: ${JSON.stringify(r)}`);
        torchRows.set(`${size}/${mode}`, r);
      }
    }
  }
  const e2eSize = Number(opt("e2e-size", String(Math.max(...cfg.sizes))));
  const e2eBatch = points.find((p) => p.size === e2eSize)?.batch ?? batchFor(0, e2eSize, hardware);
  const e2eJob = cfg.e2e && { ...cfg.e2e, batch: e2eBatch, size: e2eSize };
  const torchE2E =
    torch && e2eJob && !spent()
      ? await runTorchJob<E2E>(torch.python, {
          kind: "e2e",
          mode: "head_only",
          device,
          classes,
          ...e2eJob,
          ...net,
        }).catch(failure)
      : null;

  const rows: Row[] = [];
  for (const { size, batch } of points) {
    progress(`agent: building the network at ${size} px`);
    const model = buildResNet({ arch: "resnet152", numClasses: classes, imageSize: size, seed: 1, ...net });
    try {
      for (const mode of cfg.modes) {
        const agent = spent() ? skipped : await agentPoint(model, mode, size, batch, backend, adapter).catch(failure);
        progress(`agent ${mode} ${size} px batch ${batch}: ${JSON.stringify(agent)}`);
        rows.push({ size, batch, mode, agent, torch: torchRows.get(`${size}/${mode}`) ?? null });
      }
    } finally {
      disposeResNet(model);
    }
  }

  let e2e: Pick<E2ERow, "agent" | "torch" | "timeRatio"> | null = null;
  if (e2eJob && spent()) e2e = { agent: skipped, torch: torchE2E ?? skipped, timeRatio: null };
  else if (e2eJob) {
    const cacheDir = await mkdtemp(join(os.tmpdir(), "ai623-bench-gpu-"));
    try {
      progress(`agent head_only end to end: ${e2eJob.epochs} epochs on ${e2eJob.images} + ${e2eJob.val} images`);
      const a = await agentE2E({
        ...e2eJob,
        mode: "head_only",
        cacheDir,
        memoryBudget: memoryBudgetFor(backend, { adapter }),
        progress,
        ...net,
      }).catch(failure);
      const timeRatio = ok(a) ? ratio(ok(a)!.wallS, ok(torchE2E)?.wallS) : null;
      e2e = { agent: roundWall(a), torch: roundWall(torchE2E), timeRatio };
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
  await releaseBackend();

  const report = renderGpuReport({
    title: `${tiny ? "Tiny ResNet (blocks 1,1,1,1, widths 4,8,16,32)" : "ResNet-152"} training steps, ${classes} classes, Adam, frozen BatchNorm in eval mode. Median of ${cfg.reps} after a warm-up.`,
    backend,
    adapter,
    threads: init.threads,
    torch,
    rows,
    e2e: e2e && e2eJob ? { ...e2eJob, ...e2e } : null,
  });
  console.log(report.lines.join("\n"));
  console.log(
    JSON.stringify({
      bench: "gpu",
      arch: tiny ? "tiny" : "resnet152",
      classes,
      reps: cfg.reps,
      machine: {
        cpu: os.cpus()[0]?.model ?? "unknown",
        nproc: os.availableParallelism(),
        memGb: r1(os.totalmem() / 2 ** 30),
      },
      ...report.json,
      benchSeconds: Math.round((performance.now() - started) / 1000),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
