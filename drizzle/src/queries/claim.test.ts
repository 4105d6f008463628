import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, type DbHandle, openDb } from "../client";
import { UnauthorizedError } from "../errors";
import { runEvents, runs } from "../schema";
import { createTestAgent, createTestUser, queueTestRun, sqlEngines, testConfig, useTestDb } from "../testing";
import { revokeAgent } from "./agents";
import { buildClaimStatement, claimNextRun, claimNextRunUnsafe } from "./claim";
import { listRunEvents } from "./events";

describe.each(sqlEngines)("claimNextRun on %s", (engine) => {
  const t = useTestDb(engine);

  it("takes the owner's highest-priority, then oldest, queued run and writes a claimed event", async () => {
    const owner = await createTestUser(t.db);
    const other = await createTestUser(t.db);
    await queueTestRun(t.db, other, { name: "someone else's", priority: 100 });
    const low = await queueTestRun(t.db, owner, { name: "low" });
    const high = await queueTestRun(t.db, owner, { name: "high", priority: 5 });
    const { agentId } = await createTestAgent(t.db, owner);

    const first = await claimNextRun(t.db, agentId, { gpu: false, leaseSeconds: 30 });
    expect(first?.id).toBe(high.id);
    expect(first?.status).toBe("claimed");
    expect(first?.agentId).toBe(agentId);
    expect(first!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect((await claimNextRun(t.db, agentId, { gpu: false }))?.id).toBe(low.id);
    expect(await claimNextRun(t.db, agentId, { gpu: false })).toBeNull();

    const events = await listRunEvents(t.db, owner, high.id);
    expect(events.map((e) => e.kind)).toEqual(["created", "claimed"]);
    expect(events[1]?.agentId).toBe(agentId);
  });

  it("gives GPU-only runs to GPU agents only", async () => {
    const owner = await createTestUser(t.db);
    const gpuRun = await queueTestRun(t.db, owner, { requiresGpu: true, priority: 1 });
    const cpuRun = await queueTestRun(t.db, owner);
    const { agentId } = await createTestAgent(t.db, owner);
    expect((await claimNextRun(t.db, agentId, { gpu: false }))?.id).toBe(cpuRun.id);
    expect(await claimNextRun(t.db, agentId, { gpu: false })).toBeNull();
    expect((await claimNextRun(t.db, agentId, { gpu: true }))?.id).toBe(gpuRun.id);
  });

  it("refuses a revoked agent", async () => {
    const owner = await createTestUser(t.db);
    await queueTestRun(t.db, owner);
    const { agentId } = await createTestAgent(t.db, owner);
    await revokeAgent(t.db, owner, agentId);
    await expect(claimNextRun(t.db, agentId, { gpu: false })).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

// ≥ 8 agents, each with its own pool (its own connection), race for ≥ 40 queued runs.
const claimers = 8;
const queued = 40;

describe.each(["postgres", "neon"] as const)("concurrent claims on %s", (engine) => {
  const t = useTestDb(engine);
  const pools: DbHandle[] = [];
  let owner = "";
  let agentIds: string[] = [];

  beforeAll(async () => {
    owner = await createTestUser(t.db);
    agentIds = [];
    for (let i = 0; i < claimers; i++) agentIds.push((await createTestAgent(t.db, owner, `agent-${i}`)).agentId);
    for (let i = 0; i < claimers; i++) pools.push(await openDb(t.env, { poolMax: 1 }));
  });
  afterAll(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  async function queueRuns(): Promise<void> {
    await t.db.delete(runs).where(sql`${runs.ownerId} = ${owner}`);
    const { projectId } = await queueTestRun(t.db, owner, { name: "run-0" });
    await t.db.insert(runs).values(
      Array.from({ length: queued - 1 }, (_, i) => ({
        projectId,
        ownerId: owner,
        name: `run-${i + 1}`,
        config: testConfig(),
      })),
    );
  }

  /** Every agent claims until the queue is empty; `holdMs` keeps each claim's transaction open. */
  async function race(claim: typeof claimNextRun, holdMs: number): Promise<string[][]> {
    return Promise.all(
      pools.map(async (pool, k) => {
        const mine: string[] = [];
        for (let tries = 0; tries < queued * 2; tries++) {
          const agentId = agentIds[k]!;
          const run =
            holdMs > 0
              ? await pool.db.transaction(async (tx) => {
                  const r = await claim(tx as unknown as Db, agentId, { gpu: false });
                  await tx.execute(sql`select pg_sleep(${holdMs / 1000})`);
                  return r;
                })
              : await claim(pool.db, agentId, { gpu: false });
          if (!run) break;
          mine.push(run.id);
        }
        return mine;
      }),
    );
  }

  it(`never hands one run to two of ${claimers} agents (${queued} runs, FOR UPDATE SKIP LOCKED)`, async () => {
    for (const holdMs of [0, 20]) {
      await queueRuns();
      const got = await race(claimNextRun, holdMs);
      const all = got.flat();
      expect(all).toHaveLength(queued);
      expect(new Set(all).size).toBe(queued);
      expect(got.filter((mine) => mine.length > 0).length).toBeGreaterThan(1); // they really raced
      const [events] = await t.db
        .select({ n: count() })
        .from(runEvents)
        .innerJoin(runs, eq(runs.id, runEvents.runId))
        .where(and(eq(runs.ownerId, owner), eq(runEvents.kind, "claimed")));
      expect(events?.n).toBe(queued);
    }
  });

  it("negative control: the same claim without the row lock does claim runs twice", async () => {
    await queueRuns();
    const got = await race(claimNextRunUnsafe, 20);
    const all = got.flat();
    const duplicates = all.length - new Set(all).size;
    expect(duplicates).toBeGreaterThan(0);
  });
});

describe("the claim's query plan on postgres", () => {
  const t = useTestDb("postgres");

  it("finds the next of 10,000 queued runs through runs_queue_idx without sorting them", async () => {
    const owner = await createTestUser(t.db);
    const seed = await queueTestRun(t.db, owner);
    await t.db.execute(sql`
      insert into runs (project_id, owner_id, name, config, priority, requires_gpu, created_at)
      select ${seed.projectId}, ${owner}, 'run ' || g, ${JSON.stringify(testConfig())}::jsonb, g % 5, g % 7 = 0,
             now() - g * interval '1 second'
      from generate_series(1, 10000) g`);
    await t.db.execute(sql`analyze runs`);
    const { agent } = await createTestAgent(t.db, owner);
    for (const gpu of [false, true]) {
      const statement = buildClaimStatement(t.db, { ...agent, tokenHash: "" }, { gpu }, true);
      const result = (await t.db.execute(sql`explain ${statement.getSQL()}`)) as unknown as {
        rows: Record<string, string>[];
      };
      const plan = result.rows.map((r) => Object.values(r)[0]).join("\n");
      expect(plan, plan).toContain("runs_queue_idx");
      expect(plan, plan).toContain("LockRows");
      expect(plan, plan).not.toMatch(/\bSort\b/);
    }
  });
});
