import { describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors";
import { allEngines, createTestAgent, createTestUser, epochRow, queueTestRun, useTestDb } from "../testing";
import {
  failRun,
  finishRun,
  heartbeatAgent,
  helloAgent,
  releaseRun,
  reportCheckpoint,
  startRun,
  upsertEpochMetrics,
} from "./agent-protocol";
import { listAgents } from "./agents";
import { claimNextRun, toClaimedRun } from "./claim";
import { listRunEvents } from "./events";
import { listEpochMetrics } from "./metrics";
import { getRun, requestCancel } from "./runs";

const host = {
  hostname: "box-1",
  os: "linux 6.1",
  cpu: "AMD EPYC",
  cpuCount: 16,
  memoryMb: 64_000,
  gpu: null,
  backend: "wasm" as const,
  backendReason: "tfjs-node did not load",
  agentVersion: "0.1.0",
};

const startInput = (runId: string, resumedFromEpoch: number | null = null) => ({
  runId,
  backend: "wasm" as const,
  backendReason: "tfjs-node did not load",
  device: "cpu (wasm simd)",
  threads: 1,
  prefixCached: true,
  resumedFromEpoch,
  weightsSha256: null,
});

describe.each(allEngines)("agent protocol on %s", (engine) => {
  const t = useTestDb(engine);

  async function claimed(opts: { epochs?: number } = {}) {
    const owner = await createTestUser(t.db);
    const { agentId } = await createTestAgent(t.db, owner);
    const run = await queueTestRun(t.db, owner, {
      config: (await import("../testing")).testConfig({ epochs: opts.epochs ?? 5 }),
    });
    const got = await claimNextRun(t.db, agentId, { gpu: false });
    expect(got?.id).toBe(run.id);
    return { owner, agentId, runId: run.id };
  }

  it("drives a run from hello to succeeded, with the epoch upsert and best-epoch bookkeeping", async () => {
    const { owner, agentId, runId } = await claimed();
    const hello = await helloAgent(t.db, agentId, host);
    expect(hello).toMatchObject({ agentId, heartbeatSeconds: 10, leaseSeconds: 60 });
    const [listed] = await listAgents(t.db, owner);
    expect(listed).toMatchObject({ hostname: "box-1", backend: "wasm", online: true, currentRun: { id: runId } });
    expect(listed).not.toHaveProperty("tokenHash");

    expect(await startRun(t.db, agentId, startInput(runId))).toEqual({ runId, status: "running" });
    const beat = await heartbeatAgent(t.db, agentId, runId, { leaseSeconds: 120 });
    expect(beat.cancelRequested).toBe(false);
    expect(beat.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 100_000);

    expect(await upsertEpochMetrics(t.db, agentId, runId, epochRow(1, 0.5))).toEqual({
      epochsRecorded: 1,
      bestEpoch: 1,
      bestValAcc: 0.5,
    });
    expect(await upsertEpochMetrics(t.db, agentId, runId, epochRow(2, 0.7))).toMatchObject({ bestEpoch: 2 });
    // the same epoch twice: one row, the last values
    await upsertEpochMetrics(t.db, agentId, runId, epochRow(2, 0.6, { trainLoss: 0.123 }));
    const rows = await listEpochMetrics(t.db, owner, runId);
    expect(rows.map((r) => r.epoch)).toEqual([1, 2]);
    expect(rows[1]).toMatchObject({ valAcc: 0.6, trainLoss: 0.123 });
    // overwritten with a worse value: the best moves, it is not stuck at 0.7
    expect(await getRun(t.db, owner, runId)).toMatchObject({ epochsRecorded: 2, bestEpoch: 2, bestValAcc: 0.6 });
    await upsertEpochMetrics(t.db, agentId, runId, epochRow(2, 0.4));
    expect(await getRun(t.db, owner, runId)).toMatchObject({ epochsRecorded: 2, bestEpoch: 1, bestValAcc: 0.5 });

    await reportCheckpoint(t.db, agentId, { runId, epoch: 2, bytes: 1000, sha256: "a".repeat(64) });
    expect(await finishRun(t.db, agentId, { runId, outcome: "succeeded" })).toEqual({ runId, status: "succeeded" });
    // a retried finish is answered, not refused
    expect(await finishRun(t.db, agentId, { runId, outcome: "succeeded" })).toEqual({ runId, status: "succeeded" });
    const run = await getRun(t.db, owner, runId);
    expect(run).toMatchObject({ status: "succeeded", checkpointEpoch: 2, leaseExpiresAt: null, backend: "wasm" });
    expect(run.finishedAt).toBeInstanceOf(Date);
    const kinds = (await listRunEvents(t.db, owner, runId)).map((e) => e.kind);
    expect(kinds).toEqual(["created", "claimed", "started", "checkpoint", "succeeded"]);

    await expect(upsertEpochMetrics(t.db, agentId, runId, epochRow(3, 0.9))).rejects.toBeInstanceOf(ConflictError);
    await expect(heartbeatAgent(t.db, agentId, runId)).rejects.toBeInstanceOf(ConflictError);
  });

  it("posts epochs without a start call (the curl path) and refuses an epoch past the configured count", async () => {
    const { owner, agentId, runId } = await claimed({ epochs: 2 });
    await upsertEpochMetrics(t.db, agentId, runId, epochRow(1, 0.3));
    expect((await getRun(t.db, owner, runId)).status).toBe("running");
    await expect(upsertEpochMetrics(t.db, agentId, runId, epochRow(3, 0.3))).rejects.toThrow(
      /past this run's 2 epochs/,
    );
  });

  it("answers 403 to an agent posting to a run it does not hold, 404 to unknown and foreign runs", async () => {
    const { owner, agentId, runId } = await claimed();
    const { agentId: intruder } = await createTestAgent(t.db, owner, "intruder");
    await expect(upsertEpochMetrics(t.db, intruder, runId, epochRow(1, 0.5))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(heartbeatAgent(t.db, intruder, runId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(finishRun(t.db, intruder, { runId, outcome: "succeeded" })).rejects.toBeInstanceOf(ForbiddenError);

    const stranger = await createTestUser(t.db);
    const { agentId: foreignAgent } = await createTestAgent(t.db, stranger);
    await expect(upsertEpochMetrics(t.db, foreignAgent, runId, epochRow(1, 0.5))).rejects.toBeInstanceOf(NotFoundError);
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expect(upsertEpochMetrics(t.db, agentId, unknown, epochRow(1, 0.5))).rejects.toBeInstanceOf(NotFoundError);
    await expect(startRun(t.db, agentId, startInput("not-a-uuid"))).rejects.toBeInstanceOf(NotFoundError);
    expect(await listEpochMetrics(t.db, owner, runId)).toEqual([]);
  });

  it("carries cancelRequested in the heartbeat answer, then finishes as cancelled", async () => {
    const { owner, agentId, runId } = await claimed();
    await startRun(t.db, agentId, startInput(runId));
    await requestCancel(t.db, owner, runId);
    expect((await heartbeatAgent(t.db, agentId, runId)).cancelRequested).toBe(true);
    await finishRun(t.db, agentId, { runId, outcome: "cancelled" });
    expect((await getRun(t.db, owner, runId)).status).toBe("cancelled");
    await expect(requestCancel(t.db, owner, runId)).rejects.toBeInstanceOf(ConflictError);
  });

  it("fails a run with the agent's error code and message", async () => {
    const { owner, agentId, runId } = await claimed();
    await failRun(t.db, agentId, {
      runId,
      error: { code: "OUT_OF_MEMORY", message: "wasm memory exhausted at batch 128" },
    });
    expect(await getRun(t.db, owner, runId)).toMatchObject({
      status: "failed",
      errorCode: "OUT_OF_MEMORY",
      error: "wasm memory exhausted at batch 128",
    });
    await expect(finishRun(t.db, agentId, { runId, outcome: "succeeded" })).rejects.toBeInstanceOf(ConflictError);
  });

  it("releases a run back to the queue without using an attempt; the next claimer resumes", async () => {
    const { owner, agentId, runId } = await claimed();
    await startRun(t.db, agentId, startInput(runId));
    await reportCheckpoint(t.db, agentId, { runId, epoch: 1, bytes: 10, sha256: "b".repeat(64) });
    expect(await releaseRun(t.db, agentId, { runId, reason: "SIGTERM" })).toEqual({ runId, status: "queued" });
    expect(await getRun(t.db, owner, runId)).toMatchObject({ status: "queued", attempt: 1, agentId: null });
    await expect(heartbeatAgent(t.db, agentId, runId)).rejects.toBeInstanceOf(ForbiddenError);

    const { agentId: next } = await createTestAgent(t.db, owner, "next");
    const again = await claimNextRun(t.db, next, { gpu: false });
    expect(again).toMatchObject({ id: runId, checkpointEpoch: 1, attempt: 1 });
    await startRun(t.db, next, startInput(runId, 1));
    const kinds = (await listRunEvents(t.db, owner, runId)).map((e) => e.kind);
    expect(kinds).toEqual(["created", "claimed", "started", "checkpoint", "released", "claimed", "resumed"]);
  });

  it("records a checkpoint inside an epoch (step) and offers it to the next claimer; a later epoch-end one clears the step", async () => {
    const { owner, agentId, runId } = await claimed();
    await startRun(t.db, agentId, startInput(runId));
    await reportCheckpoint(t.db, agentId, { runId, epoch: 2, step: 7, bytes: 10, sha256: "c".repeat(64) });
    await releaseRun(t.db, agentId, { runId, reason: "SIGTERM inside epoch 2" });

    const { agentId: next } = await createTestAgent(t.db, owner, "next");
    const again = await claimNextRun(t.db, next, { gpu: false });
    expect(again).toMatchObject({ id: runId, checkpointEpoch: 2, checkpointStep: 7 });
    expect(toClaimedRun(again!)).toMatchObject({ checkpointEpoch: 2, checkpointStep: 7 });
    await startRun(t.db, next, { ...startInput(runId, 2), resumedFromStep: 7 });
    const events = await listRunEvents(t.db, owner, runId);
    expect(events.find((e) => e.kind === "checkpoint")).toMatchObject({
      message: "checkpoint inside epoch 2 after step 7",
      detail: { epoch: 2, step: 7 },
    });
    expect(events.find((e) => e.kind === "resumed")?.message).toMatch(/^resumed inside epoch 2 at step 8 on /);

    await reportCheckpoint(t.db, next, { runId, epoch: 2, bytes: 10, sha256: "d".repeat(64) });
    expect(await getRun(t.db, owner, runId)).toMatchObject({ checkpointEpoch: 2, checkpointStep: null });
  });
});
