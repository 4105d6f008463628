// The webgpu backend on a real Dawn device (SwiftShader here, test/swiftshader.ts): how the device is
// made, what is said about the adapter, and what a lost device or a GPU error turns into.

import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { swiftShader, useSwiftShader } from "../../test/swiftshader";
import { AgentError } from "../errors";
import {
  classifyGpuError,
  currentGpuAdapter,
  currentGpuMemoryBudget,
  initWebGpu,
  recoverWebGpu,
  releaseWebGpu,
  webGpuFault,
} from "./webgpu";

const device = () => (tf.backend() as WebGPUBackend).device;
/** conv2d of ones: every interior output is 27 (a 3×3×3 window) */
const convOfOnes = () =>
  tf.tidy(() => tf.conv2d(tf.ones([1, 8, 8, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 1, "same"));
const waitFor = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(ok(), what).toBe(true);
};
const gpuGlobal = (name: string) => (globalThis as unknown as Record<string, new (m: string) => Error>)[name]!;

describe.skipIf(swiftShader.skip)("the webgpu backend on SwiftShader", () => {
  beforeAll(() => {
    expect(swiftShader.icd, swiftShader.missing).not.toBeNull();
    useSwiftShader();
  });
  afterAll(async () => {
    await releaseWebGpu();
  });

  it("creates the device with the adapter's buffer maxima and describes the adapter as software", async () => {
    const adapter = await initWebGpu();
    expect(tf.getBackend()).toBe("webgpu");
    expect(adapter).toMatchObject({ vendor: "google", architecture: "swiftshader", software: true });
    expect(adapter.description).toMatch(/SwiftShader/);
    // WebGPU's default is 256 MiB per buffer; SwiftShader offers 1 GiB and the device got it
    expect(adapter.maxBufferSize).toBeGreaterThan(256 * 2 ** 20);
    expect(device().limits.maxBufferSize).toBe(adapter.maxBufferSize);
    expect(device().limits.maxStorageBufferBindingSize).toBe(adapter.maxStorageBufferBindingSize);
    expect(currentGpuAdapter()).toEqual(adapter);
    expect(currentGpuMemoryBudget()).toMatchObject({ mb: adapter.memoryBudgetMb, source: /half the host's RAM/ });
    expect((await convOfOnes().data())[4 * 9]).toBe(27);
    // a second call keeps the healthy device
    expect(await initWebGpu()).toBe(adapter);
  });

  it("turns a lost device into GPU_DEVICE_LOST and recovers with a new device", async () => {
    await initWebGpu();
    const lost = device();
    lost.destroy(); // what a driver reset looks like from here: the device is gone under the agent
    await waitFor("the loss to be seen", () => webGpuFault() !== null);
    expect(webGpuFault()).toMatchObject({ code: "GPU_DEVICE_LOST", message: /re-creates the device/ });
    await expect(convOfOnes().data()).rejects.toBeDefined();
    await recoverWebGpu();
    expect(webGpuFault()).toBeNull();
    expect(device()).not.toBe(lost);
    expect((await convOfOnes().data())[4 * 9]).toBe(27);
  });

  it("turns an uncaptured GPU error into the run's error code", async () => {
    await initWebGpu();
    const limit = device().limits.maxBufferSize;
    device().createBuffer({ size: limit + 4, usage: GPUBufferUsage.STORAGE });
    await waitFor("the validation error to arrive", () => webGpuFault() !== null);
    expect(webGpuFault()).toMatchObject({ code: "GPU_BUFFER_LIMIT", message: /lower the batch size/ });
    // Out-of-memory and internal errors cannot be provoked on SwiftShader: Dawn's own error objects
    const oom = classifyGpuError(new (gpuGlobal("GPUOutOfMemoryError"))("Out of memory allocating a buffer"));
    expect(oom).toBeInstanceOf(AgentError);
    expect(oom).toMatchObject({ code: "GPU_OUT_OF_MEMORY", message: /AI623_GPU_MEMORY_MB/ });
    const validation = classifyGpuError(new (gpuGlobal("GPUValidationError"))("Binding size is zero"));
    expect(validation.code).toBe("GPU_VALIDATION_ERROR");
    expect(classifyGpuError(new (gpuGlobal("GPUInternalError"))("lost")).code).toBe("GPU_INTERNAL_ERROR");
    // a faulted device is replaced, even by a plain init
    await initWebGpu();
    expect(webGpuFault()).toBeNull();
    expect((await convOfOnes().data())[4 * 9]).toBe(27);
  });

  it("releases the device: no backend, no navigator.gpu, and the destruction is not a loss", async () => {
    await initWebGpu({ memoryMb: 1234 });
    expect(currentGpuAdapter()?.memoryBudgetMb).toBe(1234);
    const held = device();
    const lost = held.lost;
    await releaseWebGpu();
    expect((await lost).reason).toBe("destroyed");
    expect(currentGpuAdapter()).toBeNull();
    expect(webGpuFault()).toBeNull();
    expect(tf.findBackend("webgpu")).toBeNull();
    expect(tf.findBackendFactory("webgpu")).toBeNull();
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });
});
