import { randomBytes } from "node:crypto";
import {
  type ComparisonInput,
  type ComparisonReport,
  generateComparisonReport,
  parseComparisonInput,
} from "@ai623/shared";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, BadInputError, NotFoundError } from "../errors";
import { type ShareSnapshot, shares } from "../schema";
import { loadComparisonRuns } from "./compare";

export type Share = typeof shares.$inferSelect;
/** A share as its owner lists it: without the stored snapshot (it can be large). */
export type ShareSummary = Omit<Share, "snapshot">;

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface CreateShareInput {
  runIds: string[];
  title: string;
  /** snapshot: frozen now; live: the runs as they are whenever the link is opened. */
  mode: "snapshot" | "live";
}

/** A new link to a comparison of the user's runs; a snapshot link stores the runs, metrics and report now. */
export async function createShare(db: Db, ownerId: string, input: CreateShareInput): Promise<ShareSummary> {
  const title = input.title.trim();
  if (title === "" || title.length > 200) throw new BadInputError("A share link needs a title of 1 to 200 characters");
  // validates ownership of every run, and what a visitor would see
  const runs = await loadComparisonRuns(db, ownerId, input.runIds, { visibility: "public" });
  const snapshot: ShareSnapshot | null =
    input.mode === "snapshot"
      ? { runs, report: generateComparisonReport(runs), takenAt: new Date().toISOString() }
      : null;
  const [share] = await db
    .insert(shares)
    .values({
      ownerId,
      token: randomBytes(32).toString("base64url"),
      title,
      mode: input.mode,
      runIds: runs.map((r) => r.id),
      snapshot,
    })
    .returning();
  if (!share) throw new Error("INSERT … RETURNING gave no row");
  const { snapshot: _s, ...summary } = share;
  return summary;
}

/** The user's links, newest first, revoked ones included (marked). */
export async function listShares(db: Db, ownerId: string): Promise<ShareSummary[]> {
  return db
    .select({
      id: shares.id,
      ownerId: shares.ownerId,
      token: shares.token,
      title: shares.title,
      mode: shares.mode,
      runIds: shares.runIds,
      revokedAt: shares.revokedAt,
      createdAt: shares.createdAt,
      updatedAt: shares.updatedAt,
    })
    .from(shares)
    .where(eq(shares.ownerId, ownerId))
    .orderBy(desc(shares.createdAt), desc(shares.id));
}

/** The link stops working at once; revoking twice is harmless. */
export async function revokeShare(db: Db, ownerId: string, shareId: string): Promise<void> {
  assertId(shareId, "Share link");
  const [row] = await db
    .update(shares)
    .set({ revokedAt: sql`coalesce(${shares.revokedAt}, now())` })
    .where(and(eq(shares.id, shareId), eq(shares.ownerId, ownerId)))
    .returning({ id: shares.id });
  if (!row) throw new NotFoundError(`Share link ${shareId} not found`);
}

/** What a visitor of a link sees: no owner, no agent, no host, only the runs of the link. */
export interface SharedComparison {
  title: string;
  mode: "snapshot" | "live";
  /** When the snapshot was taken, or now for a live link. */
  asOf: string;
  runs: ComparisonInput;
  report: ComparisonReport;
}

/** The comparison behind a link; NotFoundError for an unknown or revoked token (never say which). */
export async function viewShare(db: Db, token: string): Promise<SharedComparison> {
  const notFound = () => new NotFoundError("This share link does not exist or was revoked by its owner");
  if (!tokenPattern.test(token)) throw notFound();
  const [share] = await db
    .select()
    .from(shares)
    .where(and(eq(shares.token, token), isNull(shares.revokedAt)));
  if (!share) throw notFound();
  if (share.mode === "snapshot") {
    if (!share.snapshot) throw new Error(`Snapshot share ${share.id} has no snapshot`);
    // stored JSON is re-validated: a snapshot written by an older version must still make sense
    const runs = parseComparisonInput(share.snapshot.runs);
    return { title: share.title, mode: "snapshot", asOf: share.snapshot.takenAt, runs, report: share.snapshot.report };
  }
  // live: the runs as they are now; one deleted since the link was made is simply gone from it
  const runs = await loadComparisonRuns(db, share.ownerId, share.runIds, { visibility: "public", skipMissing: true });
  return {
    title: share.title,
    mode: "live",
    asOf: new Date().toISOString(),
    runs,
    report: generateComparisonReport(runs),
  };
}
