// Runs test/step-heap.ts in a fresh process (the wasm heap never shrinks, so each measurement needs
// its own) and reads its one result line. Used by memory-plan.test.ts and bench/step-memory.ts.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const agentRoot = fileURLToPath(new URL("..", import.meta.url));

export interface StepHeapArgs {
  freezeMode: "head_only" | "final_block" | "full";
  bnFrozen: "train" | "eval";
  imageSize: number;
  batch: number;
  microBatchSize: number | null;
  recompute: boolean;
  numClasses: number;
  /** a smaller network with the same code path (buildResNet's options) */
  blocks?: number[];
  widths?: number[];
}

export interface StepHeap {
  loss: number;
  seconds: number;
  /** the wasm heap's size after the step: its high-water mark */
  heapMb: number;
  /** the peak of live tensor bytes during the step (tf.profile) */
  peakTensorMb: number;
  rssMb: number;
}

/** One training step's memory, or why the child failed (a wasm abort when the heap runs out). */
export function measureStep(args: StepHeapArgs): Promise<{ ok: true; r: StepHeap } | { ok: false; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/step-heap.ts", JSON.stringify(args)], {
      cwd: agentRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", (e) => resolve({ ok: false, err: e.message }));
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("STEP_HEAP "));
      if (code === 0 && line) resolve({ ok: true, r: JSON.parse(line.slice("STEP_HEAP ".length)) as StepHeap });
      else resolve({ ok: false, err: err.trim().slice(-2000) || `exit ${code}` });
    });
  });
}
