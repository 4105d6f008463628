import { analyzeModel, type RunConfig } from "@ai623/shared";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, BadInputError, ConflictError, NotFoundError } from "../errors";
import { runs } from "../schema";
import { recordRunEvent } from "./events";
import { ensureDefaultProject, getProject } from "./projects";

export type Run = typeof runs.$inferSelect;

export interface CreateRunInput {
  projectId?: string | null;
  name?: string | null;
  /** Already parsed by `runConfigSchema` (every default filled in). */
  config: RunConfig;
  tags?: string[];
  priority?: number;
  requiresGpu?: boolean;
  maxAttempts?: number;
}

/** A readable default name: "cifar100 · pretrained · final_block". */
export function defaultRunName(config: RunConfig): string {
  const skips = config.disabledSkips.length > 0 ? ` · no skip ${config.disabledSkips.join(",")}` : "";
  return `${config.dataset} · ${config.init} · ${config.freezeMode}${skips}`;
}

/** Queue a run (status `queued`, attempt 1) with its model analysis, and write its `created` event. */
export async function createRun(db: Db, ownerId: string, input: CreateRunInput): Promise<Run> {
  const maxAttempts = input.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new BadInputError(`maxAttempts must be a whole number from 1 to 100 (got ${maxAttempts})`);
  }
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    throw new BadInputError(`priority must be a whole number between -1000000 and 1000000 (got ${priority})`);
  }
  const project = input.projectId
    ? await getProject(db, ownerId, input.projectId)
    : await ensureDefaultProject(db, ownerId);
  // the same pure function the launch form shows, so the stored numbers are the ones the user saw
  const analysis = analyzeModel(input.config);
  return db.transaction(async (tx) => {
    const [run] = await tx
      .insert(runs)
      .values({
        projectId: project.id,
        ownerId,
        name: input.name?.trim() || defaultRunName(input.config),
        config: input.config,
        tags: [...new Set(input.tags ?? [])],
        priority,
        requiresGpu: input.requiresGpu ?? false,
        maxAttempts,
        analysis,
        totalParams: analysis.totalParams,
        trainableParams: analysis.trainableParams,
        flops: analysis.flops,
      })
      .returning();
    if (!run) throw new Error("INSERT … RETURNING gave no row");
    await recordRunEvent(tx, {
      runId: run.id,
      kind: "created",
      attempt: run.attempt,
      detail: { projectId: project.id },
    });
    return run;
  });
}

/** The run if it belongs to the user (optionally locked FOR UPDATE inside a transaction), else NotFoundError. */
export async function findOwnedRun(db: Db, ownerId: string, runId: string, lock = false): Promise<Run> {
  assertId(runId, "Run");
  const query = db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.ownerId, ownerId)));
  const [run] = lock ? await query.for("update") : await query;
  if (!run) throw new NotFoundError(`Run ${runId} not found`);
  return run;
}

export function getRun(db: Db, ownerId: string, runId: string): Promise<Run> {
  return findOwnedRun(db, ownerId, runId);
}

/**
 * Cancel a run: a queued run is cancelled at once; a claimed or running one gets `cancelRequested`,
 * which its agent reads in the next heartbeat answer and then finishes as `cancelled`.
 */
export async function requestCancel(db: Db, ownerId: string, runId: string): Promise<Run> {
  return db.transaction(async (tx) => {
    const run = await findOwnedRun(tx, ownerId, runId, true);
    if (run.status === "queued" || run.status === "lost") {
      const [done] = await tx
        .update(runs)
        .set({ status: "cancelled", finishedAt: sql`now()`, leaseExpiresAt: null })
        .where(eq(runs.id, runId))
        .returning();
      await recordRunEvent(tx, { runId, kind: "cancelled", attempt: run.attempt, message: "cancelled while queued" });
      return done!;
    }
    if (run.status === "claimed" || run.status === "running") {
      if (run.cancelRequested) return run;
      const [marked] = await tx.update(runs).set({ cancelRequested: true }).where(eq(runs.id, runId)).returning();
      await recordRunEvent(tx, { runId, kind: "cancel_requested", attempt: run.attempt, agentId: run.agentId });
      return marked!;
    }
    throw new ConflictError(
      `Run ${runId} is already ${run.status}: only queued, claimed or running runs can be cancelled`,
    );
  });
}

/**
 * Put a failed, cancelled or lost run back in the queue as a new attempt. If that attempt is past
 * `maxAttempts`, the limit is raised to it: a person asked for one more try.
 */
export async function requeueRun(db: Db, ownerId: string, runId: string): Promise<Run> {
  return db.transaction(async (tx) => {
    const run = await findOwnedRun(tx, ownerId, runId, true);
    if (!["failed", "cancelled", "lost"].includes(run.status)) {
      throw new ConflictError(
        `Run ${runId} is ${run.status}: only failed, cancelled or lost runs can be requeued${run.status === "queued" ? " (it is already queued)" : ""}`,
      );
    }
    const attempt = run.attempt + 1;
    const [queued] = await tx
      .update(runs)
      .set({
        status: "queued",
        attempt,
        maxAttempts: Math.max(run.maxAttempts, attempt),
        agentId: null,
        leaseExpiresAt: null,
        cancelRequested: false,
        errorCode: null,
        error: null,
        finishedAt: null,
      })
      .where(eq(runs.id, runId))
      .returning();
    await recordRunEvent(tx, {
      runId,
      kind: "requeued",
      attempt,
      message: `requeued by its owner after ${run.status}`,
    });
    return queued!;
  });
}

/** Delete a run with its metrics and events. A run an agent holds must be cancelled first. */
export async function deleteRun(db: Db, ownerId: string, runId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const run = await findOwnedRun(tx, ownerId, runId, true);
    if (run.status === "claimed" || run.status === "running") {
      throw new ConflictError(
        `Run ${runId} is ${run.status} on an agent: cancel it and wait until it stops, then delete it`,
      );
    }
    await tx.delete(runs).where(and(eq(runs.id, runId), inArray(runs.status, [run.status])));
  });
}

export { type ListRunsInput, type ListRunsPage, listRuns, type RunListItem, type RunSort } from "./run-list";

/** Queue several runs at once (a suite): all of them, or none if one is refused. */
export async function createRuns(db: Db, ownerId: string, inputs: CreateRunInput[]): Promise<Run[]> {
  if (inputs.length === 0) throw new BadInputError("A suite needs at least one run");
  return db.transaction(async (tx) => {
    const created: Run[] = [];
    for (const input of inputs) created.push(await createRun(tx, ownerId, input));
    return created;
  });
}
