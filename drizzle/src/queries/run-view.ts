import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { agents, projects, runs } from "../schema";
import { agentOnlineSeconds } from "./agents";
import { findOwnedRun, type Run } from "./runs";

/** The agent that holds or last held a run, as its owner may see it (never the token hash). */
export interface RunAgent {
  id: string;
  name: string;
  online: boolean;
  lastHeartbeatAt: Date | null;
  hostname: string | null;
  os: string | null;
  cpu: string | null;
  cpuCount: number | null;
  memoryMb: number | null;
  gpu: string | null;
  backend: string | null;
  backendReason: string | null;
  agentVersion: string | null;
  revoked: boolean;
}

export interface RunView {
  run: Run;
  project: { id: string; name: string };
  agent: RunAgent | null;
}

/** One of the user's runs with its project and agent, for the run page. */
export async function getRunView(db: Db, ownerId: string, runId: string, now = new Date()): Promise<RunView> {
  const run = await findOwnedRun(db, ownerId, runId);
  const [project] = await db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(eq(projects.id, run.projectId));
  if (!project) throw new Error(`Run ${runId} points at project ${run.projectId}, which does not exist`);
  if (!run.agentId) return { run, project, agent: null };
  const [row] = await db.select().from(agents).where(eq(agents.id, run.agentId));
  if (!row) return { run, project, agent: null };
  const age = row.lastHeartbeatAt ? (now.getTime() - row.lastHeartbeatAt.getTime()) / 1000 : Number.POSITIVE_INFINITY;
  return {
    run,
    project,
    agent: {
      id: row.id,
      name: row.name,
      online: row.revokedAt === null && age <= agentOnlineSeconds,
      lastHeartbeatAt: row.lastHeartbeatAt,
      hostname: row.hostname,
      os: row.os,
      cpu: row.cpu,
      cpuCount: row.cpuCount,
      memoryMb: row.memoryMb,
      gpu: row.gpu,
      backend: row.backend,
      backendReason: row.backendReason,
      agentVersion: row.agentVersion,
      revoked: row.revokedAt !== null,
    },
  };
}

/** What the live stream sends for a run that changed: enough to update a list row without a fetch. */
export interface RunChange {
  id: string;
  status: Run["status"];
  epochsRecorded: number;
  bestValAcc: number | null;
  cancelRequested: boolean;
  attempt: number;
  checkpointEpoch: number | null;
  updatedAt: Date;
}

/**
 * The user's runs updated after `since` (oldest change first, at most `limit`), optionally only
 * `runIds`. The live stream polls this, so a change made by another server instance (serverless)
 * still arrives; `updated_at` is stamped before commit, so callers look back a few seconds and drop
 * what they already sent.
 */
export async function listRunChanges(
  db: Db,
  ownerId: string,
  since: Date,
  options: { runIds?: string[]; limit?: number } = {},
): Promise<RunChange[]> {
  const where = [eq(runs.ownerId, ownerId), gt(runs.updatedAt, since)];
  if (options.runIds && options.runIds.length > 0) where.push(inArray(runs.id, options.runIds));
  return db
    .select({
      id: runs.id,
      status: runs.status,
      epochsRecorded: runs.epochsRecorded,
      bestValAcc: runs.bestValAcc,
      cancelRequested: runs.cancelRequested,
      attempt: runs.attempt,
      checkpointEpoch: runs.checkpointEpoch,
      updatedAt: runs.updatedAt,
    })
    .from(runs)
    .where(and(...where))
    .orderBy(asc(runs.updatedAt), asc(runs.id))
    .limit(options.limit ?? 500);
}
