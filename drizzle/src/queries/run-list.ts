import type { DatasetId, FreezeMode, Init, RunStatus } from "@ai623/shared";
import { and, arrayContains, asc, desc, eq, getTableColumns, ilike, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client";
import { BadInputError } from "../errors";
import { agents, projects, runs } from "../schema";
import type { Run } from "./runs";

export type RunSort = "created" | "bestValAcc" | "name";

export interface ListRunsInput {
  status?: RunStatus;
  projectId?: string;
  dataset?: DatasetId;
  freezeMode?: FreezeMode;
  init?: Init;
  tag?: string;
  /** Case-insensitive substring of the name. */
  search?: string;
  sort?: RunSort;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** 1–200, default 50. */
  limit?: number;
}

/** A run as the list shows it: its project's and agent's names beside it. */
export type RunListItem = Run & { projectName: string; agentName: string | null };

export interface ListRunsPage {
  items: RunListItem[];
  nextCursor: string | null;
}

// Sort keys match the runs_owner_*_idx indexes expression for expression, so a page is one index
// range scan: `coalesce(best_val_acc, -1)` must stay a literal here (a bind parameter would not
// match the index expression).
const bestKey = sql<number>`coalesce(${runs.bestValAcc}, -1)`;

type CursorValue = string | number;

function encodeCursor(sort: RunSort, value: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString("base64url");
}

function decodeCursor(cursor: string, sort: RunSort): { value: CursorValue; id: string } {
  const bad = () =>
    new BadInputError("This page cursor is not one listRuns made for this sort order: start again from the first page");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== sort) throw bad();
  const [, value, id] = parsed as [unknown, unknown, unknown];
  if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) throw bad();
  if (sort === "created" && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) throw bad();
  if (sort === "bestValAcc" && typeof value !== "number") throw bad();
  if (sort === "name" && typeof value !== "string") throw bad();
  return { value: value as CursorValue, id };
}

/** The query behind listRuns (exported so tests can EXPLAIN it). */
export function buildListRunsQuery(db: Db, ownerId: string, input: ListRunsInput = {}) {
  const sort = input.sort ?? "created";
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 50), 1), 200);
  const where: (SQL | undefined)[] = [eq(runs.ownerId, ownerId)];
  if (input.status) where.push(eq(runs.status, input.status));
  if (input.projectId) {
    if (!/^[0-9a-f-]{36}$/i.test(input.projectId))
      throw new BadInputError(`projectId ${JSON.stringify(input.projectId)} is not a project id`);
    where.push(eq(runs.projectId, input.projectId));
  }
  if (input.dataset) where.push(sql`${runs.config}->>'dataset' = ${input.dataset}`);
  if (input.freezeMode) where.push(sql`${runs.config}->>'freezeMode' = ${input.freezeMode}`);
  if (input.init) where.push(sql`${runs.config}->>'init' = ${input.init}`);
  if (input.tag) where.push(arrayContains(runs.tags, [input.tag]));
  if (input.search?.trim()) where.push(ilike(runs.name, `%${input.search.trim().replace(/[\\%_]/g, "\\$&")}%`));
  if (input.cursor) {
    const { value, id } = decodeCursor(input.cursor, sort);
    if (sort === "created") where.push(sql`(${runs.createdAt}, ${runs.id}) < (${value}::timestamptz, ${id}::uuid)`);
    if (sort === "bestValAcc") where.push(sql`(${bestKey}, ${runs.id}) < (${value}::float8, ${id}::uuid)`);
    if (sort === "name") where.push(sql`(${runs.name}, ${runs.id}) > (${value}::text, ${id}::uuid)`);
  }
  const order =
    sort === "created"
      ? [desc(runs.createdAt), desc(runs.id)]
      : sort === "bestValAcc"
        ? [desc(bestKey), desc(runs.id)]
        : [asc(runs.name), asc(runs.id)];
  return {
    sort,
    limit,
    query: db
      .select({ ...getTableColumns(runs), projectName: projects.name, agentName: agents.name })
      .from(runs)
      .innerJoin(projects, eq(projects.id, runs.projectId))
      .leftJoin(agents, eq(agents.id, runs.agentId))
      .where(and(...where))
      .orderBy(...order)
      .limit(limit + 1),
  };
}

/** One page of the user's runs, filtered and sorted; pass `nextCursor` back for the next page. */
export async function listRuns(db: Db, ownerId: string, input: ListRunsInput = {}): Promise<ListRunsPage> {
  const { sort, limit, query } = buildListRunsQuery(db, ownerId, input);
  const rows = await query;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (rows.length <= limit || !last) return { items, nextCursor: null };
  const value: CursorValue =
    sort === "created" ? last.createdAt.toISOString() : sort === "bestValAcc" ? (last.bestValAcc ?? -1) : last.name;
  return { items, nextCursor: encodeCursor(sort, value, last.id) };
}
