import { asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { epochMetrics } from "../schema";
import { findOwnedRun } from "./runs";

export type EpochMetricsRow = typeof epochMetrics.$inferSelect;

/** Every epoch of a run, in order. */
export async function listEpochMetrics(db: Db, ownerId: string, runId: string): Promise<EpochMetricsRow[]> {
  await findOwnedRun(db, ownerId, runId);
  return db.select().from(epochMetrics).where(eq(epochMetrics.runId, runId)).orderBy(asc(epochMetrics.epoch));
}
