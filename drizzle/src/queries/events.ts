import type { RunEventKind } from "@ai623/shared";
import { asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { runEvents } from "../schema";
import { findOwnedRun } from "./runs";

export type RunEvent = typeof runEvents.$inferSelect;

export interface NewRunEvent {
  runId: string;
  kind: RunEventKind;
  attempt: number;
  agentId?: string | null;
  message?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Append to a run's timeline; callers do it in the transaction that changed the run. */
export async function recordRunEvent(db: Db, event: NewRunEvent): Promise<void> {
  await db.insert(runEvents).values(event);
}

/** A run's timeline, oldest first. */
export async function listRunEvents(db: Db, ownerId: string, runId: string): Promise<RunEvent[]> {
  await findOwnedRun(db, ownerId, runId);
  return db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(asc(runEvents.id));
}
