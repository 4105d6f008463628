import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { AgentError } from "../errors";
import { parseBackendName, resolvePackage } from "./init";
import { chooseBackend, judgeProbe, missingCudaLibraries, probeBackend, selectBackend } from "./probe";

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
    expect(choice.probes.map((p) => p.backend)).toEqual(["tensorflow-gpu", "tensorflow", "wasm"]);
  });

  it("honours --backend and refuses one that cannot run", async () => {
    const choice = await selectBackend("cpu");
    expect(choice.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(choice.reason).toMatch(/^forced by --backend/);
    if (!resolvePackage("@tensorflow/tfjs-node")) {
      await expect(chooseBackend("tensorflow")).rejects.toThrow(
        /--backend tensorflow cannot run here: .*not installed/,
      );
    }
    expect(() => parseBackendName("gpu")).toThrow(AgentError);
  });
});
