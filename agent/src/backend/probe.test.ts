import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { swiftShader } from "../../test/swiftshader";
import { AgentError } from "../errors";
import { parseBackendName, resolvePackage } from "./init";
import { chooseBackend, judgeProbe, missingCudaLibraries, probeBackend, selectBackend } from "./probe";
import { gatherVulkanFacts } from "./webgpu-adapter";

const gpuLog = `2026-11-29 I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 78000 MB memory:  -> device: 0, name: NVIDIA H100`;
const cpuLog = `W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file
W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Skipping registering GPU devices...`;
const ok = (gpu: boolean) => `AI623_PROBE ${JSON.stringify({ backend: "tensorflow", gpu })}\n`;

describe("judgeProbe", () => {
  it("accepts tfjs-node-gpu only when a GPU device was really created", () => {
    const base = { code: 0, signal: null, timedOut: false };
    expect(judgeProbe("tensorflow-gpu", { ...base, stdout: ok(true), stderr: gpuLog })).toMatchObject({ ok: true });
    const onCpu = judgeProbe("tensorflow-gpu", { ...base, stdout: ok(false), stderr: cpuLog });
    expect(onCpu.ok).toBe(false);
    expect(onCpu.detail).toContain("libcudnn.so.8");
    expect(judgeProbe("tensorflow-gpu", { ...base, stdout: ok(true), stderr: "" }).ok).toBe(false);
    expect(judgeProbe("tensorflow", { ...base, stdout: ok(false), stderr: "" }).ok).toBe(true);
    const crashed = judgeProbe("tensorflow", { ...base, code: null, signal: "SIGABRT", stdout: "", stderr: "abort\n" });
    expect(crashed).toEqual({ backend: "tensorflow", ok: false, detail: "crashed (SIGABRT): abort" });
    expect(missingCudaLibraries(`${cpuLog}\n${cpuLog}`)).toEqual(["libcudnn.so.8"]);
  });
});

describe("probing in a child process", () => {
  it("finds wasm working and explains why the native backends were skipped", async () => {
    expect((await probeBackend("wasm")).ok).toBe(true);
    const choice = await chooseBackend();
    if (resolvePackage("@tensorflow/tfjs-node-gpu") || resolvePackage("@tensorflow/tfjs-node")) return;
    expect(choice.backend).toBe("wasm");
    expect(choice.reason).toContain("@tensorflow/tfjs-node-gpu is not installed");
    expect(choice.probes.map((p) => p.backend)).toEqual(["tensorflow-gpu", "webgpu", "tensorflow", "wasm"]);
    // no GPU here: no adapter at all, or SwiftShader when VK_ICD_FILENAMES points at it, which auto refuses
    expect(choice.reason).toMatch(/webgpu: (no WebGPU adapter: |only a software adapter)/);
  });

  it("honours --backend and refuses one that cannot run", async () => {
    const choice = await selectBackend("cpu");
    expect(choice.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(choice.reason).toMatch(/^forced by --backend/);
    if (!resolvePackage("@tensorflow/tfjs-node")) {
      await expect(chooseBackend("tensorflow")).rejects.toMatchObject({
        code: "BACKEND_MISSING",
        message: expect.stringMatching(/--backend tensorflow cannot run here: .*not installed/),
      });
    }
    expect(() => parseBackendName("gpu")).toThrow(AgentError);
  });
});

describe("probing webgpu", () => {
  it("says which part of the Vulkan stack is missing when Dawn finds no adapter", async () => {
    const env = { VK_ICD_FILENAMES: "/nonexistent/icd.json" };
    const probe = await probeBackend("webgpu", { env });
    expect(probe).toMatchObject({ ok: false, code: "WEBGPU_NO_ADAPTER" });
    expect(probe.detail).toMatch(
      gatherVulkanFacts().loader
        ? /^no WebGPU adapter: VK_ICD_FILENAMES names \/nonexistent\/icd.json, which does not exist/
        : /^no WebGPU adapter: .*apt-get install libvulkan1/,
    );
    await expect(chooseBackend("webgpu", { env })).rejects.toMatchObject({ code: "WEBGPU_NO_ADAPTER" });
  });

  it.skipIf(swiftShader.skip)("uses SwiftShader only when forced, and describes the adapter", async () => {
    expect(swiftShader.icd, swiftShader.missing).not.toBeNull();
    const env = swiftShader.env;
    const forced = await probeBackend("webgpu", { env, allowSoftwareAdapter: true, gpuMemoryMb: 2048 });
    expect(forced).toMatchObject({ ok: true, adapter: { architecture: "swiftshader", software: true } });
    expect(forced.detail).toMatch(/^WebGPU on SwiftShader driver .*software.*memory budget 2048 MB$/);
    const auto = await probeBackend("webgpu", { env });
    expect(auto).toMatchObject({ ok: false, adapter: { software: true } });
    expect(auto.detail).toMatch(/only a software adapter \(SwiftShader.*\).*pass --backend webgpu to use it/);
    const choice = await chooseBackend("webgpu", { env });
    expect(choice.reason).toMatch(/^forced by --backend: WebGPU on SwiftShader/);
  });
});
