import type {
  AgentHelloOutput,
  EpochMetrics,
  FailRunInput,
  FinishRunInput,
  HeartbeatOutput,
  HostInfo,
  OkOutput,
  PostEpochOutput,
  ReleaseRunInput,
  ReportCheckpointInput,
  RunStateOutput,
  StartRunInput,
} from "@ai623/shared";
import { asc, count, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { BadInputError } from "../errors";
import { agents, epochMetrics, runs } from "../schema";
import { loadActiveAgent } from "./agents";
import { recordRunEvent } from "./events";
import { lockHeldRun } from "./held-run";
import { defaultHeartbeatSeconds, defaultLeaseSeconds } from "./lease";

const active = ["claimed", "running"] as const;
const state = (runId: string, status: RunStateOutput["status"]): RunStateOutput => ({ runId, status });

/** register: store what the agent runs on; the answer sets its timers. */
export async function helloAgent(
  db: Db,
  agentId: string,
  host: HostInfo,
  opts: { leaseSeconds?: number; heartbeatSeconds?: number } = {},
): Promise<AgentHelloOutput> {
  const agent = await loadActiveAgent(db, agentId);
  const [row] = await db
    .update(agents)
    .set({ ...host, lastHeartbeatAt: sql`now()` })
    .where(eq(agents.id, agent.id))
    .returning({ lastHeartbeatAt: agents.lastHeartbeatAt });
  return {
    agentId: agent.id,
    name: agent.name,
    heartbeatSeconds: opts.heartbeatSeconds ?? defaultHeartbeatSeconds,
    leaseSeconds: opts.leaseSeconds ?? defaultLeaseSeconds,
    serverTime: row?.lastHeartbeatAt ?? new Date(),
  };
}

/**
 * The agent is alive; with a run id, it still works on that run: the lease is extended and the
 * answer says whether the run's owner asked to cancel it.
 */
export async function heartbeatAgent(
  db: Db,
  agentId: string,
  runId: string | null,
  opts: { leaseSeconds?: number } = {},
): Promise<HeartbeatOutput> {
  const leaseSeconds = opts.leaseSeconds ?? defaultLeaseSeconds;
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    await tx.update(agents).set({ lastHeartbeatAt: sql`now()` }).where(eq(agents.id, agent.id));
    if (runId === null) return { cancelRequested: false, leaseExpiresAt: null };
    await lockHeldRun(tx, agent, runId, active);
    const [run] = await tx
      .update(runs)
      .set({ leaseExpiresAt: sql`now() + ${leaseSeconds}::float8 * interval '1 second'` })
      .where(eq(runs.id, runId))
      .returning({ cancelRequested: runs.cancelRequested, leaseExpiresAt: runs.leaseExpiresAt });
    return { cancelRequested: run!.cancelRequested, leaseExpiresAt: run!.leaseExpiresAt };
  });
}

const describeResumePoint = (epoch: number, step: number | undefined) =>
  step === undefined ? `after epoch ${epoch}` : `inside epoch ${epoch} at step ${step + 1}`;

/** Training began on the agent: record the backend and device it got, and whether it resumes a checkpoint. */
export async function startRun(db: Db, agentId: string, input: StartRunInput): Promise<RunStateOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, input.runId, active);
    if (run.status === "running") return state(run.id, run.status); // a retried call
    await tx
      .update(runs)
      .set({
        status: "running",
        backend: input.backend,
        device: input.device,
        prefixCached: input.prefixCached,
        adapter: input.adapter ?? null,
        memoryPlan: input.memoryPlan ?? null,
        startedAt: sql`coalesce(${runs.startedAt}, now())`,
      })
      .where(eq(runs.id, run.id));
    const { runId: _id, ...detail } = input;
    await recordRunEvent(tx, {
      runId: run.id,
      kind: input.resumedFromEpoch === null ? "started" : "resumed",
      attempt: run.attempt,
      agentId: agent.id,
      message:
        input.resumedFromEpoch === null
          ? `started on ${input.device} (${input.backend})`
          : `resumed ${describeResumePoint(input.resumedFromEpoch, input.resumedFromStep)} on ${input.device} (${input.backend})`,
      detail,
    });
    return state(run.id, "running");
  });
}

/**
 * Store one epoch: an upsert on (run, epoch), so a resent epoch leaves one row holding the last
 * values. The run's epochsRecorded / bestValAcc / bestEpoch are recomputed from the rows, which keeps
 * them right when an epoch is overwritten with a worse value.
 */
export async function upsertEpochMetrics(
  db: Db,
  agentId: string,
  runId: string,
  metrics: EpochMetrics,
): Promise<PostEpochOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, runId, active);
    if (metrics.epoch > run.config.epochs) {
      throw new BadInputError(`Epoch ${metrics.epoch} is past this run's ${run.config.epochs} epochs`);
    }
    const values = { ...metrics, attempt: run.attempt };
    await tx
      .insert(epochMetrics)
      .values({ runId, ...values })
      .onConflictDoUpdate({
        target: [epochMetrics.runId, epochMetrics.epoch],
        set: { ...values, recordedAt: sql`now()` },
      });
    const [counted] = await tx.select({ n: count() }).from(epochMetrics).where(eq(epochMetrics.runId, runId));
    const [best] = await tx
      .select({ epoch: epochMetrics.epoch, valAcc: epochMetrics.valAcc })
      .from(epochMetrics)
      .where(eq(epochMetrics.runId, runId))
      .orderBy(desc(epochMetrics.valAcc), asc(epochMetrics.epoch))
      .limit(1);
    const summary: PostEpochOutput = {
      epochsRecorded: counted?.n ?? 0,
      bestEpoch: best?.epoch ?? null,
      bestValAcc: best?.valAcc ?? null,
    };
    await tx
      .update(runs)
      .set({
        ...summary,
        // the curl path may post without a start call: the run is evidently running
        status: "running",
        startedAt: sql`coalesce(${runs.startedAt}, now())`,
      })
      .where(eq(runs.id, runId));
    return summary;
  });
}

/**
 * The agent saved a checkpoint after `epoch`, or inside it after `step` training steps (a graceful
 * stop mid-epoch): the next attempt may resume from it.
 */
export async function reportCheckpoint(db: Db, agentId: string, input: ReportCheckpointInput): Promise<OkOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, input.runId, active);
    if (input.epoch > run.config.epochs) {
      throw new BadInputError(`Checkpoint epoch ${input.epoch} is past this run's ${run.config.epochs} epochs`);
    }
    await tx
      .update(runs)
      .set({ checkpointEpoch: input.epoch, checkpointStep: input.step ?? null, checkpointSha256: input.sha256 })
      .where(eq(runs.id, run.id));
    await recordRunEvent(tx, {
      runId: run.id,
      kind: "checkpoint",
      attempt: run.attempt,
      agentId: agent.id,
      message:
        input.step === undefined
          ? `checkpoint after epoch ${input.epoch}`
          : `checkpoint inside epoch ${input.epoch} after step ${input.step}`,
      detail: { epoch: input.epoch, step: input.step ?? null, bytes: input.bytes, sha256: input.sha256 },
    });
    return { ok: true };
  });
}

/** Training ended: `succeeded`, or `cancelled` after the owner asked. A repeated call is answered, not refused. */
export async function finishRun(db: Db, agentId: string, input: FinishRunInput): Promise<RunStateOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, input.runId, [...active, input.outcome]);
    if (run.status === input.outcome) return state(run.id, run.status);
    await tx
      .update(runs)
      .set({ status: input.outcome, leaseExpiresAt: null, finishedAt: sql`now()` })
      .where(eq(runs.id, run.id));
    await recordRunEvent(tx, {
      runId: run.id,
      kind: input.outcome,
      attempt: run.attempt,
      agentId: agent.id,
      message: input.outcome === "succeeded" ? `finished: ${run.epochsRecorded} epochs recorded` : "stopped on request",
    });
    return state(run.id, input.outcome);
  });
}

/** Training failed on the agent; the error names its cause. Final: a person decides whether to requeue. */
export async function failRun(db: Db, agentId: string, input: FailRunInput): Promise<RunStateOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, input.runId, [...active, "failed"]);
    if (run.status === "failed") return state(run.id, run.status);
    await tx
      .update(runs)
      .set({
        status: "failed",
        errorCode: input.error.code,
        error: input.error.message,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
      })
      .where(eq(runs.id, run.id));
    await recordRunEvent(tx, {
      runId: run.id,
      kind: "failed",
      attempt: run.attempt,
      agentId: agent.id,
      message: `${input.error.code}: ${input.error.message}`,
      detail: { code: input.error.code },
    });
    return state(run.id, "failed");
  });
}

/**
 * Graceful hand-back (the agent is shutting down): the run is queued again without using up an
 * attempt, or cancelled if its owner had asked for that.
 */
export async function releaseRun(db: Db, agentId: string, input: ReleaseRunInput): Promise<RunStateOutput> {
  return db.transaction(async (tx) => {
    const agent = await loadActiveAgent(tx, agentId);
    const run = await lockHeldRun(tx, agent, input.runId, active);
    const status = run.cancelRequested ? "cancelled" : "queued";
    await tx
      .update(runs)
      .set({
        status,
        agentId: status === "queued" ? null : run.agentId,
        leaseExpiresAt: null,
        finishedAt: status === "cancelled" ? sql`now()` : null,
      })
      .where(eq(runs.id, run.id));
    await recordRunEvent(tx, {
      runId: run.id,
      kind: "released",
      attempt: run.attempt,
      agentId: agent.id,
      message: input.reason,
    });
    if (status === "cancelled") {
      await recordRunEvent(tx, {
        runId: run.id,
        kind: "cancelled",
        attempt: run.attempt,
        message: "released after a cancel request",
      });
    }
    return state(run.id, status);
  });
}
