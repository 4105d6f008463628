// What the agent end-to-end tests share: the real site (web's tRPC handler + better-auth on in-memory
// PGlite, site-server.ts) for a test file, a fresh user per scenario with an agent token and a queued
// run, and reading back what the server recorded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEvents } from "@ai623/drizzle/schema";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import { getServerInstance } from "../../web/src/server/instance";
import { type SiteServer, type SiteUser, signUpUser, startSiteServer } from "./site-server";

export interface RunRow {
  id: string;
  status: string;
  attempt: number;
  epochsRecorded: number;
  bestEpoch: number | null;
  bestValAcc: number | null;
  checkpointEpoch: number | null;
  checkpointStep: number | null;
  prefixCached: boolean | null;
  errorCode: string | null;
  error: string | null;
}
export interface MetricRow {
  epoch: number;
  attempt: number;
  valAcc: number;
}

export interface E2eSite {
  readonly site: SiteServer;
  readonly scratch: string;
}

/** Starts the site before the file's tests and stops it after (one in-memory database per file). */
export function useE2eSite(name: string): E2eSite {
  const state = {} as { site: SiteServer; scratch: string };
  beforeAll(async () => {
    state.scratch = await mkdtemp(join(tmpdir(), `ai623-${name}-`));
    // Read by the server's process-wide database/auth singletons on first request.
    process.env.DATABASE_URL = "memory://";
    process.env.AI623_DATA_DIR = join(state.scratch, "site");
    state.site = await startSiteServer();
  });
  afterAll(async () => {
    await state.site?.close();
    if (state.scratch) await rm(state.scratch, { recursive: true, force: true });
  });
  return state;
}

let users = 0;

/** Queues a run with the e2e defaults (synthetic CIFAR-10, random init, full, 32 px, batch 16). */
export function queueRun(user: SiteUser, name: string, epochs: number, config: Record<string, unknown> = {}) {
  return user.mutate<RunRow>("runs.create", {
    name,
    config: {
      dataset: "synthetic-cifar10",
      init: "random",
      freezeMode: "full",
      epochs,
      batchSize: 16,
      imageSize: 32,
      lr: 5e-3,
      ...config,
    },
  });
}

/** A fresh user (so no scenario claims another's runs), an agent token, a queued run and a cache folder. */
export async function setupScenario(e2e: E2eSite, epochs: number, config: Record<string, unknown> = {}) {
  const n = ++users;
  const user = await signUpUser(e2e.site, `user${n}@example.com`);
  const { token, agent } = await user.mutate<{ token: string; agent: { id: string } }>("agents.create", {
    name: `agent-${n}`,
  });
  const run = await queueRun(user, `e2e ${n}`, epochs, config);
  return { user, token, agentId: agent.id, run, cacheDir: join(e2e.scratch, `cache-${n}`) };
}

export const getRun = (user: SiteUser, runId: string) => user.query<RunRow>("runs.get", { runId });
export const getMetrics = (user: SiteUser, runId: string) => user.query<MetricRow[]>("metrics.byRun", { runId });

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown = null;
  for (;;) {
    // A request can meet a reset when an agent in this process blocks the event loop (a synchronous
    // shader compile) past the server's keep-alive: try again.
    const value = await probe().catch((e: unknown) => {
      failure = e;
      return null;
    });
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: failure });
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function eventsOf(runId: string) {
  const { db } = await getServerInstance();
  return db
    .select({ kind: runEvents.kind, attempt: runEvents.attempt, detail: runEvents.detail })
    .from(runEvents)
    .where(eq(runEvents.runId, runId))
    .orderBy(asc(runEvents.id));
}
