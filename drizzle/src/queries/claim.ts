import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { BadInputError } from "../errors";
import { runs } from "../schema";
import { type Agent, loadActiveAgent } from "./agents";
import { recordRunEvent } from "./events";
import { defaultLeaseSeconds, sweepExpiredLeases } from "./lease";
import type { Run } from "./runs";

export interface ClaimOptions {
  /** The agent trains on a GPU, so it may take runs that require one. */
  gpu: boolean;
  leaseSeconds?: number;
}

/**
 * The claim itself (exported for EXPLAIN in tests): ONE statement that picks the agent owner's best queued run it can serve and
 * takes it. `FOR UPDATE SKIP LOCKED` makes concurrent claimers pass over a row another claimer is
 * taking instead of both taking it; `locked: false` is the racy negative control for tests only.
 */
export function buildClaimStatement(db: Db, agent: Agent, opts: ClaimOptions, locked: boolean) {
  const leaseSeconds = opts.leaseSeconds ?? defaultLeaseSeconds;
  if (!(leaseSeconds > 0 && leaseSeconds <= 86_400)) {
    throw new BadInputError(`leaseSeconds must be in (0, 86400] (got ${leaseSeconds})`);
  }
  const pick = db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.ownerId, agent.ownerId),
        eq(runs.status, "queued"),
        opts.gpu ? undefined : eq(runs.requiresGpu, false),
      ),
    )
    .orderBy(desc(runs.priority), asc(runs.createdAt), asc(runs.id))
    .limit(1);
  return db
    .update(runs)
    .set({
      status: "claimed",
      agentId: agent.id,
      leaseExpiresAt: sql`now() + ${leaseSeconds}::float8 * interval '1 second'`,
      cancelRequested: false,
    })
    .where(eq(runs.id, locked ? pick.for("update", { skipLocked: true }) : pick))
    .returning();
}

async function claimWith(db: Db, agentId: string, opts: ClaimOptions, locked: boolean): Promise<Run | null> {
  const agent = await loadActiveAgent(db, agentId);
  return db.transaction(async (tx) => {
    const [run] = await buildClaimStatement(tx, agent, opts, locked);
    if (!run) return null;
    await recordRunEvent(tx, {
      runId: run.id,
      kind: "claimed",
      attempt: run.attempt,
      agentId: agent.id,
      message: `claimed by ${agent.name}`,
      detail: {
        gpu: opts.gpu,
        checkpointEpoch: run.checkpointEpoch,
        checkpointStep: run.checkpointStep,
        epochsRecorded: run.epochsRecorded,
      },
    });
    return run;
  });
}

/**
 * Hand the agent the next queued run of its owner (highest priority, then oldest), or null.
 * Expired leases are swept first, so a lost run is back in the queue for this very claim.
 */
export async function claimNextRun(db: Db, agentId: string, opts: ClaimOptions): Promise<Run | null> {
  await sweepExpiredLeases(db);
  return claimWith(db, agentId, opts, true);
}

/** NEGATIVE CONTROL for tests: the same claim without row locking, which claims runs twice under load. */
export function claimNextRunUnsafe(db: Db, agentId: string, opts: ClaimOptions): Promise<Run | null> {
  return claimWith(db, agentId, opts, false);
}

/** The claimed run as the protocol sends it (`claimedRunSchema`). */
export function toClaimedRun(run: Run) {
  return {
    id: run.id,
    name: run.name,
    config: run.config,
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    checkpointEpoch: run.checkpointEpoch,
    checkpointStep: run.checkpointStep,
    epochsRecorded: run.epochsRecorded,
    leaseExpiresAt: run.leaseExpiresAt ?? new Date(),
  };
}
