// The agent end to end against the real site API (web's tRPC handler + better-auth on in-memory
// PGlite, on a free port): the CLI runs in child processes with the same ResNet code at a tiny size
// and a synthetic dataset. Slow (each agent start probes its backend and loads TF.js).
import { runs } from "@ai623/drizzle/schema";
import { type MemoryPlan, parseRunConfig } from "@ai623/shared";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getServerInstance } from "../../web/src/server/instance";
import { collectDoctorChecks } from "../src/commands/doctor";
import { segmentShapes } from "../src/model/segment-shapes";
import { estimateStep, memoryBudgetFor } from "../src/train/memory-plan";
import { spawnAgent, tinyOverrides } from "./agent-process";
import { eventsOf, getMetrics, getRun, queueRun, setupScenario, useE2eSite, waitFor } from "./e2e-scenario";

const slow = process.env.AI623_FAST === "1";

const e2e = useE2eSite("agent-e2e");
const setup = (epochs: number, config: Record<string, unknown> = {}) => setupScenario(e2e, epochs, config);

describe.skipIf(slow)("ai623-agent against the real API", { timeout: 300_000 }, () => {
  it("claims a run, posts every epoch, finishes it with the best epoch recorded, logs JSON with ids", async () => {
    const { user, token, agentId, run, cacheDir } = await setup(3);
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    expect(await agent.exited, agent.stderr()).toBe(0);
    const done = await getRun(user, run.id);
    expect(done, `${done.errorCode}: ${done.error}`).toMatchObject({
      status: "succeeded",
      epochsRecorded: 3,
      checkpointEpoch: 3,
      attempt: 1,
      prefixCached: false,
    });
    expect(done.bestEpoch).not.toBeNull();
    expect((await getMetrics(user, run.id)).map((m) => m.epoch)).toEqual([1, 2, 3]);
    const epochLine = agent.logs.find((l) => l.epoch === 2 && typeof l.valAcc === "number");
    expect(epochLine).toMatchObject({ runId: run.id, agentId });
    expect(agent.logs.some((l) => String(l.msg).startsWith("Backend wasm"))).toBe(true);
    expect((await eventsOf(run.id)).map((e) => e.kind)).toEqual(
      expect.arrayContaining(["claimed", "started", "checkpoint", "succeeded"]),
    );
  });

  it("trains head_only with bnFrozen eval on a cached frozen prefix and records it on the run", async () => {
    const { user, token, run, cacheDir } = await setup(2, { freezeMode: "head_only", bnFrozen: "eval" });
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    expect(await agent.exited, agent.stderr()).toBe(0);
    const done = await getRun(user, run.id);
    expect(done, `${done.errorCode}: ${done.error}`).toMatchObject({ status: "succeeded", prefixCached: true });
    expect(agent.logs.some((l) => String(l.msg).startsWith("Prefix cache: training on avgpool"))).toBe(true);
  });

  it("stops a run within a step of a cancel request and reports it cancelled", async () => {
    const { user, token, run, cacheDir } = await setup(200);
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    await waitFor("the first epoch", async () => (await getRun(user, run.id)).epochsRecorded >= 1);
    await user.mutate("runs.cancel", { runId: run.id });
    expect(await agent.exited, agent.stderr()).toBe(0);
    const done = await getRun(user, run.id);
    expect(done.status).toBe("cancelled");
    expect(done.epochsRecorded).toBeLessThan(200);
  });

  it("after kill -9 and an expired lease, a second agent with the same cache resumes from the checkpoint", async () => {
    const { user, token, run, cacheDir } = await setup(5);
    const first = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    await waitFor("checkpoint 2 reported", async () => ((await getRun(user, run.id)).checkpointEpoch ?? 0) >= 2);
    first.child.kill("SIGKILL");
    await first.exited;
    const killedAt = await getRun(user, run.id);
    expect(killedAt.status).toBe("running");
    // The lease is the server's 60 s; instead of waiting it out, let it lapse now.
    const { db } = await getServerInstance();
    await db.update(runs).set({ leaseExpiresAt: sql`now() - interval '1 second'` }).where(eq(runs.id, run.id));
    const second = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    expect(await second.exited, second.stderr()).toBe(0);
    const done = await getRun(user, run.id);
    expect(done).toMatchObject({ status: "succeeded", attempt: 2, epochsRecorded: 5 });
    const metrics = await getMetrics(user, run.id);
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    const resumedAfter = second.logs.find((l) => typeof l.resumeFrom === "number")?.resumeFrom as number;
    expect(resumedAfter).toBeGreaterThanOrEqual(2);
    // Epochs up to the checkpoint keep the first attempt's rows; the rest came from the resumed attempt.
    for (const m of metrics) expect(m.attempt, `epoch ${m.epoch}`).toBe(m.epoch <= resumedAfter ? 1 : 2);
    const kinds = (await eventsOf(run.id)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["lost", "requeued", "resumed", "succeeded"]));
  });

  it("keeps every epoch through a server outage and delivers them once it is back", async () => {
    const { user, token, run, cacheDir } = await setup(5);
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, args: ["--once"] });
    await waitFor("the first epoch", async () => (await getRun(user, run.id)).epochsRecorded >= 1);
    await e2e.site.pause();
    // Epochs end while the server is away: the agent journals them.
    await agent.waitForLog((l) => l.epoch === 3 && typeof l.valAcc === "number");
    await agent.waitForLog((l) => String(l.msg).startsWith("Server unreachable"));
    await e2e.site.resume();
    expect(await agent.exited, agent.stderr()).toBe(0);
    expect(agent.logs.some((l) => String(l.msg).startsWith("Server reachable again"))).toBe(true);
    expect((await getMetrics(user, run.id)).map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect((await getRun(user, run.id)).status).toBe("succeeded");
  });

  it("on SIGTERM checkpoints inside the epoch, hands the run back, exits 0; the next agent resumes at the next step", async () => {
    const { user, token, run, cacheDir } = await setup(3);
    // 30 training steps per epoch against 2 validation steps: the signal lands inside an epoch's training
    const overrides = { synthetic: { train: 480, test: 24, seed: 1 } };
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir, overrides });
    await waitFor("the first epoch", async () => (await getRun(user, run.id)).epochsRecorded >= 1);
    await new Promise((r) => setTimeout(r, 300));
    agent.child.kill("SIGTERM");
    expect(await agent.exited, agent.stderr()).toBe(0);
    const released = await getRun(user, run.id);
    expect(released).toMatchObject({ status: "queued", attempt: 1 });
    const events = await eventsOf(run.id);
    expect(events.map((e) => e.kind)).toContain("released");
    // the checkpoint reported last lies inside the epoch after the last one recorded
    const reported = events.filter((e) => e.kind === "checkpoint").at(-1)?.detail as { epoch: number; step: number };
    expect(reported.epoch).toBe(released.epochsRecorded + 1);
    expect(reported.step).toBeGreaterThanOrEqual(1);
    expect(released).toMatchObject({ checkpointEpoch: reported.epoch, checkpointStep: reported.step });

    const second = spawnAgent({ server: e2e.site.url, token, cacheDir, overrides, args: ["--once"] });
    expect(await second.exited, second.stderr()).toBe(0);
    expect(second.logs.find((l) => typeof l.resumeFrom === "number")).toMatchObject({
      resumeFrom: reported.epoch,
      resumeStep: reported.step,
    });
    const done = await getRun(user, run.id);
    expect(done).toMatchObject({ status: "succeeded", epochsRecorded: 3 });
    // every epoch trained to its end once: the first agent's before the stop, the second's from it
    const epochsOf = (a: typeof agent) => a.logs.filter((l) => typeof l.valAcc === "number").map((l) => l.epoch);
    const before = Array.from({ length: reported.epoch - 1 }, (_, i) => i + 1);
    expect(epochsOf(agent)).toEqual(before);
    expect(epochsOf(second)).toEqual([1, 2, 3].filter((e) => e >= reported.epoch));
    expect((await getMetrics(user, run.id)).map((m) => m.epoch)).toEqual([1, 2, 3]);
    const kinds = (await eventsOf(run.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === "resumed")).toHaveLength(1);
    expect(kinds.at(-1)).toBe("succeeded");
  });

  it("fails a run that cannot fit before it loads anything, then trains the next in micro-batches it records", async () => {
    // A memory limit (AI623_MEMORY_MB) under which the tiny network at 224 px fits about 4 images at
    // a time, recomputed: computed from the pre-flight's own estimate, so the test follows its constants.
    const config = { freezeMode: "full", imageSize: 224, batchSize: 16 } as const;
    const shapes = segmentShapes({
      ...parseRunConfig(config),
      numClasses: 10,
      blocks: tinyOverrides.blocks,
      widths: tinyOverrides.widths,
    });
    const wasm = memoryBudgetFor("wasm", { env: {} });
    const one = estimateStep(shapes, { microBatchSize: 1, recompute: true }, "adam", wasm);
    const limitMb = Math.floor(one.fixedMb + 4.5 * one.perImageMb);
    const { user, token, run: tooBig, cacheDir } = await setup(1, { ...config, microBatchSize: 16 });
    const fits = await queueRun(user, "fits in micro-batches", 1, config);
    const agent = spawnAgent({
      server: e2e.site.url,
      token,
      cacheDir,
      args: ["--max-runs", "2"],
      env: { AI623_MEMORY_MB: String(limitMb) },
    });
    expect(await agent.exited, agent.stderr()).toBe(0);
    const failed = await getRun(user, tooBig.id);
    expect(failed).toMatchObject({ status: "failed", errorCode: "MEMORY_WONT_FIT", epochsRecorded: 0 });
    expect(failed.error).toMatch(/a micro-batch of 16 needs .*Set the micro-batch to 4 or less/);
    // nothing was loaded for it: the failure came before the data and the model
    const kinds = (await eventsOf(tooBig.id)).map((e) => e.kind);
    expect(kinds).not.toContain("started");
    const done = await getRun(user, fits.id);
    expect(done, `${done.errorCode}: ${done.error}`).toMatchObject({ status: "succeeded", epochsRecorded: 1 });
    const { db } = await getServerInstance();
    const [row] = await db.select({ plan: runs.memoryPlan }).from(runs).where(eq(runs.id, fits.id));
    expect(row?.plan).toMatchObject({
      batchSize: 16,
      microBatchSize: 4,
      microBatches: 4,
      recompute: true,
      batchStatistics: true,
      limitMb,
      limitSource: "AI623_MEMORY_MB",
    } satisfies Partial<MemoryPlan>);
    expect(agent.logs.some((l) => String(l.msg).startsWith("Memory plan: batch 16 as 4 micro-batches"))).toBe(true);
  });

  it("stops with a clear message and a non-zero exit when its token is revoked", async () => {
    const { user, token, agentId, run, cacheDir } = await setup(1);
    await user.mutate("runs.cancel", { runId: run.id });
    const doctor = async () => {
      const checks = await collectDoctorChecks({ server: e2e.site.url, token, cacheDir, skipBackends: true }, {});
      return Object.fromEntries(checks.map((c) => [c.name, c]));
    };
    expect((await doctor()).token).toMatchObject({ ok: true });
    const agent = spawnAgent({ server: e2e.site.url, token, cacheDir });
    await agent.waitForLog((l) => String(l.msg).startsWith("Registered as"));
    await user.mutate("agents.revoke", { agentId });
    expect(await agent.exited).toBe(3);
    expect(agent.stderr()).toMatch(/rejected this agent's token.*\[TOKEN_REJECTED\]/);
    const after = await doctor();
    expect(after.server).toMatchObject({ ok: true });
    expect(after.token).toMatchObject({ ok: false, detail: expect.stringMatching(/revoked/) });
    const unreachable = await collectDoctorChecks(
      { server: "http://127.0.0.1:9", token, cacheDir, skipBackends: true },
      {},
    );
    expect(unreachable.find((c) => c.name === "server")).toMatchObject({ ok: false });
  });
});
