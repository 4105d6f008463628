import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client";
import { agents, runs } from "../schema";
import { recordRunEvent } from "./events";

/** How long a claim lasts without a heartbeat; an agent beats every `defaultHeartbeatSeconds`. */
export const defaultLeaseSeconds = 60;
export const defaultHeartbeatSeconds = 10;

export interface SweptRun {
  runId: string;
  /** The attempt whose lease expired. */
  attempt: number;
  outcome: "requeued" | "failed" | "cancelled";
}

/**
 * Runs whose lease expired (the agent died, lost its network, or was revoked) are `lost`: each gets a
 * `lost` event and goes back to the queue as attempt + 1 (`requeued`), or becomes `failed` once its
 * attempts are used up, or `cancelled` if its owner had asked for that. Serverless hosts have no timers,
 * so claims call this lazily; a cron route may call it too. Rows another sweeper holds are skipped.
 * `now` defaults to the database's clock.
 */
export async function sweepExpiredLeases(db: Db, now?: Date): Promise<SweptRun[]> {
  return db.transaction(async (tx) => {
    const expired = await tx
      .select({
        id: runs.id,
        attempt: runs.attempt,
        maxAttempts: runs.maxAttempts,
        agentId: runs.agentId,
        leaseExpiresAt: runs.leaseExpiresAt,
        cancelRequested: runs.cancelRequested,
        agentName: agents.name,
        lastHeartbeatAt: agents.lastHeartbeatAt,
      })
      .from(runs)
      .leftJoin(agents, eq(agents.id, runs.agentId))
      .where(and(inArray(runs.status, ["claimed", "running"]), lt(runs.leaseExpiresAt, now ?? sql`now()`)))
      .for("update", { of: runs, skipLocked: true });

    const swept: SweptRun[] = [];
    for (const run of expired) {
      const heartbeat = run.lastHeartbeatAt
        ? `last heartbeat ${run.lastHeartbeatAt.toISOString()}`
        : "no heartbeat received";
      const who = run.agentName ? ` from agent ${run.agentName}` : "";
      const lostMessage = `lease expired at ${run.leaseExpiresAt?.toISOString()} on attempt ${run.attempt} of ${run.maxAttempts}; ${heartbeat}${who}`;
      await recordRunEvent(tx, {
        runId: run.id,
        kind: "lost",
        attempt: run.attempt,
        agentId: run.agentId,
        message: lostMessage,
      });
      const released = { agentId: null, leaseExpiresAt: null } as const;
      if (run.cancelRequested) {
        await tx
          .update(runs)
          .set({ ...released, status: "cancelled", finishedAt: sql`now()` })
          .where(eq(runs.id, run.id));
        await recordRunEvent(tx, {
          runId: run.id,
          kind: "cancelled",
          attempt: run.attempt,
          message: "cancel was requested and the agent is gone",
        });
        swept.push({ runId: run.id, attempt: run.attempt, outcome: "cancelled" });
      } else if (run.attempt < run.maxAttempts) {
        await tx
          .update(runs)
          .set({ ...released, status: "queued", attempt: run.attempt + 1 })
          .where(eq(runs.id, run.id));
        await recordRunEvent(tx, {
          runId: run.id,
          kind: "requeued",
          attempt: run.attempt + 1,
          message: `requeued as attempt ${run.attempt + 1} of ${run.maxAttempts} after the lease expired`,
        });
        swept.push({ runId: run.id, attempt: run.attempt, outcome: "requeued" });
      } else {
        const error = `lease expired on attempt ${run.attempt} of ${run.maxAttempts}; ${heartbeat}${who}. No attempts left: requeue the run to try again`;
        await tx
          .update(runs)
          .set({ ...released, status: "failed", errorCode: "LEASE_EXPIRED", error, finishedAt: sql`now()` })
          .where(eq(runs.id, run.id));
        await recordRunEvent(tx, { runId: run.id, kind: "failed", attempt: run.attempt, message: error });
        swept.push({ runId: run.id, attempt: run.attempt, outcome: "failed" });
      }
    }
    return swept;
  });
}
