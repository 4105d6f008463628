// The agent on webgpu (SwiftShader here) against the real site API: a run trained end to end by the
// CLI with --backend webgpu records its backend and adapter; doctor shows the adapter; and a GPU device
// lost under a run fails that run with GPU_DEVICE_LOST while the agent (in this process, so the test
// can take the device away) re-creates the device and trains the next run.
import { PassThrough } from "node:stream";
import { runs } from "@ai623/drizzle/schema";
import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServerInstance } from "../../web/src/server/instance";
import { createAgentApi } from "../src/api/client";
import { currentGpuAdapter, initWebGpu, recoverWebGpu, releaseWebGpu, webGpuFault } from "../src/backend/webgpu";
import { collectDoctorChecks } from "../src/commands/doctor";
import { runAgentLoop } from "../src/runner/agent-loop";
import { createTerminal } from "../src/runner/terminal";
import { spawnAgent, tinyOverrides } from "./agent-process";
import { getRun, queueRun, setupScenario, useE2eSite, waitFor } from "./e2e-scenario";
import { swiftShader, useSwiftShader } from "./swiftshader";

const e2e = useE2eSite("agent-webgpu");

async function storedRun(runId: string) {
  const { db } = await getServerInstance();
  const [row] = await db
    .select({ backend: runs.backend, device: runs.device, adapter: runs.adapter })
    .from(runs)
    .where(eq(runs.id, runId));
  return row!;
}

describe.skipIf(swiftShader.skip || process.env.AI623_FAST === "1")(
  "ai623-agent on webgpu",
  { timeout: 300_000 },
  () => {
    beforeAll(() => {
      expect(swiftShader.icd, swiftShader.missing).not.toBeNull();
      useSwiftShader(); // inherited by the agents and probes this file starts
    });
    afterAll(async () => {
      await releaseWebGpu();
    });

    it("trains a run with --backend webgpu and records the backend and the adapter", async () => {
      const { user, token, run, cacheDir } = await setupScenario(e2e, 2);
      const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, backend: "webgpu", args: ["--once"] });
      expect(await agent.exited, agent.stderr()).toBe(0);
      const done = await getRun(user, run.id);
      expect(done, `${done.errorCode}: ${done.error}`).toMatchObject({ status: "succeeded", epochsRecorded: 2 });
      const stored = await storedRun(run.id);
      expect(stored).toMatchObject({ backend: "webgpu", device: expect.stringMatching(/^SwiftShader/) });
      expect(stored.adapter).toMatchObject({ architecture: "swiftshader", software: true });
      expect(stored.adapter!.memoryBudgetMb).toBeGreaterThan(0);
      const started = agent.logs.find((l) => String(l.msg).startsWith("Backend webgpu on SwiftShader"));
      expect(started, "the startup line names the adapter").toBeDefined();
      expect(started!.adapter).toEqual(stored.adapter);
    });

    it("doctor shows the software adapter and that automatic choice skips it", async () => {
      const checks = await collectDoctorChecks({ skipBackends: false, cacheDir: e2e.scratch }, {});
      const webgpu = checks.find((c) => c.name === "backend webgpu")!;
      expect(webgpu).toMatchObject({ ok: true, optional: true });
      expect(webgpu.detail).toMatch(/^works: WebGPU on SwiftShader.*memory budget \d+ MB \(automatic choice skips/);
    });

    it("fails the run whose GPU device is lost, re-creates the device and trains the next run", async () => {
      const { user, token, run, cacheDir } = await setupScenario(e2e, 40);
      const next = await queueRun(user, "after the loss", 1);
      const adapter = await initWebGpu();
      const logs = new PassThrough();
      let logText = "";
      logs.on("data", (d: Buffer) => {
        logText += d.toString();
      });
      const loop = runAgentLoop({
        api: createAgentApi({ server: e2e.site.url, token }),
        server: e2e.site.url,
        token,
        host: { hostname: "test", os: "linux", cpu: "test", cpuCount: 1, memoryMb: 1024, agentVersion: "test" },
        backend: { id: "webgpu", reason: "test", gpu: false, device: adapter.description, threads: 1, adapter },
        cacheDir,
        maxRuns: 2,
        idle: { minMs: tinyOverrides.idleMinMs, maxMs: tinyOverrides.idleMaxMs },
        overrides: { blocks: tinyOverrides.blocks, widths: tinyOverrides.widths, synthetic: tinyOverrides.synthetic },
        health: { fault: webGpuFault, recover: recoverWebGpu },
        terminal: createTerminal("pretty", { stream: logs, tty: false }),
        shutdown: { requested: null, signal: new AbortController().signal, dispose: () => undefined },
      });
      await waitFor("the first epoch", async () => (await getRun(user, run.id)).epochsRecorded >= 1);
      const lost = (tf.backend() as WebGPUBackend).device;
      lost.destroy(); // from the agent's side, what a driver reset does
      expect(await loop).toEqual({ runs: 2, stoppedBy: "max-runs" });
      const failed = await getRun(user, run.id);
      expect(failed).toMatchObject({ status: "failed", errorCode: "GPU_DEVICE_LOST" });
      expect(failed.error).toMatch(/re-creates the device/);
      expect(failed.epochsRecorded).toBeLessThan(40);
      const after = await getRun(user, next.id);
      expect(after, `${after.errorCode}: ${after.error}`).toMatchObject({ status: "succeeded", epochsRecorded: 1 });
      expect((tf.backend() as WebGPUBackend).device).not.toBe(lost);
      expect(webGpuFault()).toBeNull();
      expect(currentGpuAdapter()).toMatchObject({ architecture: "swiftshader" });
      expect(logText).toMatch(/Backend re-created after the fault/);
    });
  },
);
