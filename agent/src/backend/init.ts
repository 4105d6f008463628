// Turning a backend name into a ready TF.js backend in this process. The native builds
// (@tensorflow/tfjs-node, -gpu) are optional: never dependencies, loaded by dynamic import when present.
import { createRequire } from "node:module";
import os from "node:os";
import { type BackendId, backendIds, type GpuAdapter } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import { AgentError } from "../errors";
import { registerBatchNormGradWithoutTile } from "./batch-norm-grad";
import { registerWasmConv2DBackpropFilter } from "./wasm-conv-backprop-filter";
import { registerWasmConv2DBackpropInput } from "./wasm-conv-backprop-input";
import { registerWasmConvForward } from "./wasm-conv-forward";
import { enableWasmThreads, parseWasmThreads } from "./wasm-threads";
import { initWebGpu, releaseWebGpu } from "./webgpu";

/** npm package providing each native backend. */
export const nativePackages = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
} as const;

export function parseBackendName(value: string): BackendId {
  if ((backendIds as readonly string[]).includes(value)) return value as BackendId;
  throw new AgentError("BAD_BACKEND", `Unknown backend "${value}"; choose one of ${backendIds.join(", ")}`);
}

/** Absolute entry file of an installed package, or null when it is not installed. */
export function resolvePackage(name: string): string | null {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return null;
  }
}

/** tfjs-node 4.22 calls util.isNullOrUndefined, which Node 23 removed. */
async function polyfillNodeUtil(): Promise<void> {
  const util = (await import("node:util")) as unknown as { default: Record<string, unknown> };
  util.default.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  util.default.isArray ??= Array.isArray;
}

export interface BackendInitOptions {
  /** wasm threads; default AI623_WASM_THREADS, else every core. 1 = single-threaded. */
  wasmThreads?: number;
  /** webgpu: the GPU memory budget in MB (--gpu-memory, AI623_GPU_MEMORY_MB); default from the adapter */
  gpuMemoryMb?: number | null;
}

export interface BackendInit {
  /** threads the backend really uses (wasm: XNNPACK's pool, as tfjs-backend-wasm reports it) */
  threads: number;
  /** why fewer threads than asked for, for the log */
  threadsNote?: string;
  /** webgpu: the adapter the device was created on */
  adapter?: GpuAdapter;
}

/**
 * Emscripten unrefs idle pthread workers but not running ones, and XNNPACK's pool threads run for the
 * life of the process, so they would keep Node alive after the work is done. The main thread waits on
 * them synchronously inside each op, so unref'ing them cannot cut work short.
 */
function unrefPoolWorkers(): void {
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers?: { unref?: () => void }[] } } })
    .wasm?.PThread;
  for (const w of pthread?.runningWorkers ?? []) w.unref?.();
}

/** Makes `name` the active TF.js backend (tfjs name: tensorflow, webgpu, wasm or cpu). */
export async function initBackend(name: BackendId, opts: BackendInitOptions = {}): Promise<BackendInit> {
  if (name === "webgpu") {
    // one JavaScript thread drives the GPU
    return { threads: 1, adapter: await initWebGpu({ memoryMb: opts.gpuMemoryMb ?? null }) };
  }
  if (name === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const wanted = opts.wasmThreads ?? parseWasmThreads(process.env.AI623_WASM_THREADS);
    const setup = wanted > 1 ? enableWasmThreads(tf, wasm.setThreadsCount, wanted) : null;
    let ok: boolean;
    try {
      ok = await tf.setBackend("wasm");
      await tf.ready();
    } finally {
      if (setup && "restore" in setup) setup.restore();
    }
    if (!ok) {
      const hint = wanted > 1 ? "set AI623_WASM_THREADS=1 or retry" : "retry";
      throw new AgentError("BACKEND_FAILED", `The wasm backend failed to initialise; ${hint} with --backend cpu`);
    }
    registerWasmConv2DBackpropFilter();
    registerWasmConv2DBackpropInput();
    registerWasmConvForward();
    registerBatchNormGradWithoutTile();
    const threads = wasm.getThreadsCount();
    if (setup && "restore" in setup) unrefPoolWorkers();
    if (setup && "reason" in setup) {
      return { threads, threadsNote: `wasm threads off (${setup.reason}); running on ${threads} thread` };
    }
    if (threads < wanted) return { threads, threadsNote: `asked for ${wanted} wasm threads, got ${threads}` };
    return { threads };
  }
  if (name === "cpu") {
    await tf.setBackend("cpu");
    await tf.ready();
    return { threads: 1 };
  }
  const entry = resolvePackage(nativePackages[name]);
  if (!entry) {
    throw new AgentError(
      "BACKEND_MISSING",
      `${nativePackages[name]} is not installed; see the agent README ("GPU and native backends") or use --backend wasm`,
    );
  }
  await polyfillNodeUtil();
  await import(entry);
  if (!(await tf.setBackend("tensorflow"))) {
    throw new AgentError("BACKEND_FAILED", `${nativePackages[name]} loaded but its backend did not initialise`);
  }
  await tf.ready();
  // libtensorflow sizes its own pools from the core count
  return { threads: os.availableParallelism() };
}

/** Frees what keeps the process alive or holds a device (the WebGPU device); safe to call always. */
export async function releaseBackend(): Promise<void> {
  await releaseWebGpu();
}
