// TF.js on WebGPU through Dawn (npm `webgpu`): the agent creates the device itself, with the adapter's
// maxima for the limits tfjs-backend-webgpu needs, and hands it to tfjs's WebGPUBackend, so it can
// watch the device: a lost device or an uncaptured GPU error (out of memory, a limit) becomes an
// AgentError the agent loop fails the run with, and the device is re-created before the next run.
// Nothing happens at import: Dawn is loaded and navigator.gpu installed only by initWebGpu.
import type { GpuAdapter } from "@ai623/shared";
import * as tf from "@tensorflow/tfjs";
import type * as Dawn from "webgpu";
import { AgentError } from "../errors";
import {
  describeAdapter,
  explainNoAdapter,
  gatherVulkanFacts,
  isSoftwareAdapter,
  type MemoryBudget,
  type RawAdapter,
  resolveGpuMemoryBudget,
} from "./webgpu-adapter";

export interface WebGpuOptions {
  /** --gpu-memory / AI623_GPU_MEMORY_MB; default from the adapter (webgpu-adapter.ts) */
  memoryMb?: number | null;
}

interface Held {
  device: GPUDevice;
  adapter: GpuAdapter;
  budget: MemoryBudget;
  options: WebGpuOptions;
  /** the first lost-device or uncaptured error since the device was created */
  fault: AgentError | null;
  /** set while the agent destroys the device itself, so that is not reported as a loss */
  releasing: boolean;
  /** navigator did not exist before: remove it again on release */
  ownNavigator: boolean;
}

let held: Held | null = null;
/**
 * Dawn's instance, made once and kept for the life of the process: dawn.node schedules event
 * processing on it, and an instance collected while such a callback is pending crashes the process
 * (SIGSEGV in InstanceBase::ProcessEvents, seen here after re-creating a device).
 */
let instance: GPU | null = null;

/** The adapter the webgpu backend runs on, or null when it is not initialised. */
export function currentGpuAdapter(): GpuAdapter | null {
  return held?.adapter ?? null;
}

/** The GPU memory budget and what set it (for the memory plan's limit and limitSource). */
export function currentGpuMemoryBudget(): MemoryBudget | null {
  return held?.budget ?? null;
}

/** A lost device or an uncaptured GPU error seen since the device was created; null when healthy. */
export function webGpuFault(): AgentError | null {
  return held?.fault ?? null;
}

const firstLine = (s: string) => (s.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 300);

export function deviceLostError(info: { reason: string; message: string }): AgentError {
  return new AgentError(
    "GPU_DEVICE_LOST",
    `The GPU device was lost (${info.reason}${info.message ? `: ${firstLine(info.message)}` : ""}): the driver reset or removed it (a GPU hang or reset, a driver update, the GPU running out of memory). The agent re-creates the device before its next run; if it repeats, check the driver (nvidia-smi, dmesg) and lower --gpu-memory or the batch size`,
  );
}

/** An uncaptured GPUError as the error the run fails with. */
export function classifyGpuError(error: { message: string; constructor: { name: string } }): AgentError {
  const what = firstLine(error.message);
  const kind = error.constructor.name;
  if (kind === "GPUOutOfMemoryError") {
    return new AgentError(
      "GPU_OUT_OF_MEMORY",
      `The GPU ran out of memory (${what}): lower the run's batch size, or set --gpu-memory / AI623_GPU_MEMORY_MB to the memory the card has free so the step is split to fit`,
    );
  }
  if (
    kind === "GPUValidationError" &&
    /exceeds the max buffer size|maxStorageBufferBindingSize|max buffer size limit/i.test(what)
  ) {
    return new AgentError(
      "GPU_BUFFER_LIMIT",
      `A tensor needs a GPU buffer larger than this adapter allows (${what}): lower the batch size or the image size`,
    );
  }
  if (kind === "GPUValidationError") {
    return new AgentError(
      "GPU_VALIDATION_ERROR",
      `WebGPU rejected a command (${what}): a bug in tfjs-backend-webgpu or the agent; report it and use --backend wasm meanwhile`,
    );
  }
  return new AgentError(
    "GPU_INTERNAL_ERROR",
    `The GPU driver failed a command (${kind}: ${what}): update the driver or use another backend`,
  );
}

async function importOrMissing<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new AgentError(
      "BACKEND_MISSING",
      `${name} could not be loaded (${firstLine((e as Error).message)}): reinstall ai623-agent (it depends on ${name}; npm ships Dawn prebuilt for linux-x64/arm64, macOS and Windows) or use --backend wasm`,
    );
  }
}

/** The limits tfjs-backend-webgpu raises, each at the adapter's maximum (the defaults cap buffers at 256 MiB). */
function requiredLimits(l: GPUSupportedLimits): Record<string, number> {
  return {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
}

const notInitialised = () =>
  new AgentError("BACKEND_FAILED", "tfjs-backend-webgpu did not initialise on the device: use --backend wasm");

const globalRecord = globalThis as unknown as Record<string, unknown> & { navigator?: Record<string, unknown> };

/** tfjs-backend-webgpu reads navigator.gpu (Node ≥ 21 has a navigator without one; 20 has none). */
function installNavigatorGpu(gpu: GPU): boolean {
  const own = globalRecord.navigator === undefined;
  if (own) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
  Object.defineProperty(globalRecord.navigator!, "gpu", { value: gpu, configurable: true, writable: true });
  return own;
}

/**
 * Makes `webgpu` the active TF.js backend on the best adapter Dawn finds (a discrete GPU before an
 * integrated one before a software one). Returns the adapter as the run records it.
 */
export async function initWebGpu(options: WebGpuOptions = {}): Promise<GpuAdapter> {
  if (held && !held.fault && held.options.memoryMb === options.memoryMb) {
    // another backend may have been made active meanwhile (tests compare backends in one process)
    if (tf.getBackend() !== "webgpu" && !(await tf.setBackend("webgpu"))) {
      throw notInitialised();
    }
    return held.adapter;
  }
  await releaseWebGpu();
  const dawn: typeof Dawn = await importOrMissing("webgpu (Dawn)", () => import("webgpu"));
  // GPUBufferUsage, GPUMapMode, … that the backend reads as globals
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalRecord[k] = v;
  instance ??= dawn.create([]);
  const gpu = instance;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    throw new AgentError("WEBGPU_NO_ADAPTER", `No WebGPU adapter: ${explainNoAdapter(gatherVulkanFacts())}`);
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter.limits) });
  } catch (e) {
    throw new AgentError(
      "BACKEND_FAILED",
      `${adapter.info.description || "The WebGPU adapter"} refused to create a device (${firstLine((e as Error).message)}): update the GPU driver or use --backend wasm`,
    );
  }
  const info = adapter.info;
  const raw: RawAdapter = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
  };
  const budget = resolveGpuMemoryBudget(
    { ...raw, software: isSoftwareAdapter(raw) },
    { settingMb: options.memoryMb ?? null },
  );
  const described = describeAdapter(raw, () => budget);
  const ownNavigator = installNavigatorGpu(gpu);
  const state: Held = {
    device,
    adapter: described,
    budget,
    options,
    fault: null,
    releasing: false,
    ownNavigator,
  };
  held = state;
  void device.lost.then((lost) => {
    if (!state.releasing) state.fault ??= deviceLostError(lost);
  });
  device.addEventListener("uncapturederror", (event) => {
    // handled here: Dawn would otherwise print it on stdout, amid the JSON log
    event.preventDefault();
    state.fault ??= classifyGpuError((event as GPUUncapturedErrorEvent).error);
  });
  const { WebGPUBackend } = await importOrMissing(
    "@tensorflow/tfjs-backend-webgpu",
    () => import("@tensorflow/tfjs-backend-webgpu"),
  );
  // Importing it with navigator.gpu set registers a factory that makes a device of its own: use ours.
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", () => new WebGPUBackend(device, info), 0);
  if (!(await tf.setBackend("webgpu"))) {
    await releaseWebGpu();
    throw notInitialised();
  }
  await tf.ready();
  return described;
}

/**
 * After a fault (lost device, out of memory, …): a fresh adapter, device and backend. The run that saw
 * the fault has ended and freed its tensors. Throws as initWebGpu does when the GPU is gone for good.
 */
export async function recoverWebGpu(): Promise<GpuAdapter> {
  const options = held?.options ?? {};
  await releaseWebGpu();
  return initWebGpu(options);
}

/** Destroys the device and drops every reference to Dawn, so Node can exit. */
export async function releaseWebGpu(): Promise<void> {
  const state = held;
  if (!state) return;
  state.releasing = true;
  held = null;
  if (tf.findBackend("webgpu") || tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  state.device.destroy();
  if (state.ownNavigator) delete globalRecord.navigator;
  else if (globalRecord.navigator) delete globalRecord.navigator.gpu;
}
