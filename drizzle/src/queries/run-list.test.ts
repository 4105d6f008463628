import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Db } from "../client";
import { BadInputError } from "../errors";
import { runs } from "../schema";
import { createTestUser, queueTestRun, sqlEngines, testConfig, useTestDb } from "../testing";
import { buildListRunsQuery, type ListRunsInput, listRuns, type RunSort } from "./run-list";
import { requestCancel } from "./runs";

async function pageThrough(db: Db, ownerId: string, input: ListRunsInput): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const { items, nextCursor }: Awaited<ReturnType<typeof listRuns>> = await listRuns(db, ownerId, {
      ...input,
      cursor,
    });
    seen.push(...items.map((r) => r.id));
    if (!nextCursor) return seen;
    cursor = nextCursor;
  }
  throw new Error("pagination did not end");
}

async function explain(db: Db, query: ReturnType<typeof buildListRunsQuery>["query"]): Promise<string> {
  const result = (await db.execute(sql`explain ${query}`)) as unknown as { rows: Record<string, string>[] };
  return result.rows.map((r) => Object.values(r)[0]).join("\n");
}

describe.each(sqlEngines)("listRuns on %s", (engine) => {
  const t = useTestDb(engine);

  it("pages through every run exactly once in each sort order, ties included", async () => {
    const owner = await createTestUser(t.db);
    const first = await queueTestRun(t.db, owner, { name: "seed" });
    const sameInstant = new Date("2026-01-01T00:00:00.000Z");
    await t.db.insert(runs).values(
      Array.from({ length: 23 }, (_, i) => ({
        projectId: first.projectId,
        ownerId: owner,
        name: `run ${i % 5}`, // duplicate names: the id breaks the tie
        config: testConfig(),
        createdAt: i < 10 ? sameInstant : new Date(sameInstant.getTime() + i * 1000),
        bestValAcc: i % 3 === 0 ? null : (i % 4) / 10, // duplicates and nulls
      })),
    );
    const all = (await t.db.select({ id: runs.id }).from(runs).where(eq(runs.ownerId, owner))).map((r) => r.id);
    for (const sort of ["created", "bestValAcc", "name"] as RunSort[]) {
      const seen = await pageThrough(t.db, owner, { sort, limit: 4 });
      expect(seen).toHaveLength(all.length);
      expect(new Set(seen)).toEqual(new Set(all));
      const oneShot = (await listRuns(t.db, owner, { sort, limit: 200 })).items.map((r) => r.id);
      expect(seen).toEqual(oneShot); // pages concatenate to the same order as one big page
    }
    const byBest = (await listRuns(t.db, owner, { sort: "bestValAcc", limit: 200 })).items;
    expect(byBest[0]?.bestValAcc).toBe(0.3);
    expect(byBest.at(-1)?.bestValAcc).toBeNull();
  });

  it("filters by status, project, dataset, freeze mode, init, tag and name", async () => {
    const owner = await createTestUser(t.db);
    const a = await queueTestRun(t.db, owner, {
      name: "100% pretrained",
      config: testConfig({ dataset: "cifar100", freezeMode: "full" }),
      tags: ["study"],
    });
    const b = await queueTestRun(t.db, owner, { name: "random head", config: testConfig({ init: "random" }) });
    await requestCancel(t.db, owner, b.id);
    const ids = async (input: ListRunsInput) => (await listRuns(t.db, owner, input)).items.map((r) => r.id);
    expect(await ids({ status: "cancelled" })).toEqual([b.id]);
    expect(await ids({ dataset: "cifar100" })).toEqual([a.id]);
    expect(await ids({ freezeMode: "full" })).toEqual([a.id]);
    expect(await ids({ init: "random" })).toEqual([b.id]);
    expect(await ids({ tag: "study" })).toEqual([a.id]);
    expect(await ids({ search: "100%" })).toEqual([a.id]); // % is literal, not a wildcard
    expect(await ids({ search: "HEAD" })).toEqual([b.id]);
    expect(await ids({ projectId: a.projectId })).toEqual([b.id, a.id]);
  });

  it("refuses a cursor it did not make, or one from another sort order", async () => {
    const owner = await createTestUser(t.db);
    await queueTestRun(t.db, owner);
    await queueTestRun(t.db, owner);
    const { nextCursor } = await listRuns(t.db, owner, { limit: 1 });
    expect(nextCursor).toBeTypeOf("string");
    await expect(listRuns(t.db, owner, { cursor: "garbage" })).rejects.toBeInstanceOf(BadInputError);
    await expect(listRuns(t.db, owner, { cursor: nextCursor, sort: "name" })).rejects.toBeInstanceOf(BadInputError);
  });

  it("reads a page of 10,000 runs with one index scan and no sort, in every order", async () => {
    const owner = await createTestUser(t.db);
    const seed = await queueTestRun(t.db, owner);
    await t.db.execute(sql`
      insert into runs (project_id, owner_id, name, config, best_val_acc, created_at)
      select ${seed.projectId}, ${owner}, 'run ' || g, ${JSON.stringify(testConfig())}::jsonb,
             case when g % 3 = 0 then null else (g % 997) / 1000.0 end,
             now() - g * interval '1 second'
      from generate_series(1, 10000) g`);
    await t.db.execute(sql`analyze runs`);
    const indexFor: Record<RunSort, string> = {
      created: "runs_owner_created_idx",
      bestValAcc: "runs_owner_best_idx",
      name: "runs_owner_name_idx",
    };
    for (const sort of ["created", "bestValAcc", "name"] as RunSort[]) {
      const { nextCursor } = await listRuns(t.db, owner, { sort, limit: 50 });
      for (const cursor of [null, nextCursor]) {
        const plan = await explain(t.db, buildListRunsQuery(t.db, owner, { sort, limit: 50, cursor }).query);
        expect(plan, plan).toContain(indexFor[sort]);
        expect(plan, plan).not.toMatch(/\bSort\b/);
      }
    }
    if (engine === "postgres") {
      const seen = await pageThrough(t.db, owner, { sort: "bestValAcc", limit: 200 });
      expect(seen).toHaveLength(10_001);
      expect(new Set(seen).size).toBe(10_001);
    }
  });
});
