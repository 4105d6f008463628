// The API's contract, driven through the real /api/auth and /api/trpc handlers. Each engine's test
// file points DATABASE_URL at a fresh database, then calls defineApiSuite().
import { randomUUID } from "node:crypto";
import { closeDb } from "@ai623/drizzle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createRun, listRuns, type Page, type RunRow, smallConfig } from "./fixtures";
import { type Caller, getAuthSession, mutate, query, signIn, signUp, signUpRaw } from "./http";
import { defineProtocolTests } from "./protocol-suite";

export function defineApiSuite(engine: string, cleanup?: () => Promise<void>) {
  let alice: Caller;
  let bob: Caller;

  beforeAll(async () => {
    alice = await signUp(`alice-${engine}@example.com`);
    bob = await signUp(`bob-${engine}@example.com`);
  });
  afterAll(async () => {
    await closeDb();
    await cleanup?.();
  });

  describe(`auth (${engine})`, () => {
    it("makes the first account the owner and later ones members", async () => {
      const a = await (await getAuthSession(alice)).json();
      const b = await (await getAuthSession(bob)).json();
      expect(a.user.role).toBe("owner");
      expect(b.user.role).toBe("member");
    });

    it("signs in with the password and refuses a wrong one", async () => {
      expect((await signIn(`alice-${engine}@example.com`, "correct-horse-battery")).status).toBe(200);
      expect((await signIn(`alice-${engine}@example.com`, "wrong-password")).status).toBe(401);
    });

    it("refuses a cookie-carrying auth call from another site (CSRF) and accepts this site behind a proxy", async () => {
      const email = `alice-${engine}@example.com`;
      const foreign = await signIn(email, "correct-horse-battery", {
        cookie: alice.cookie ?? "",
        origin: "https://evil.example",
      });
      expect(foreign.status).toBe(403);
      const proxied = await signIn(email, "correct-horse-battery", {
        cookie: alice.cookie ?? "",
        origin: "https://ai623.example.org",
        "x-forwarded-host": "ai623.example.org",
        "x-forwarded-proto": "https",
      });
      expect(proxied.status).toBe(200);
    });

    it("refuses a duplicate email", async () => {
      const res = await signUpRaw(`alice-${engine}@example.com`);
      expect(res.status).toBeGreaterThanOrEqual(400);
    });

    it("answers 401 to every user procedure without a session", async () => {
      for (const [kind, path, input] of [
        ["query", "runs.list", {}],
        ["mutation", "runs.create", { config: smallConfig }],
        ["query", "runs.get", { runId: randomUUID() }],
        ["query", "metrics.byRun", { runId: randomUUID() }],
        ["query", "agents.list", undefined],
        ["mutation", "agents.create", { name: "x" }],
      ] as const) {
        const res = kind === "query" ? await query(path, input) : await mutate(path, input);
        expect(res.status, path).toBe(401);
        expect(res.error?.data.code).toBe("UNAUTHORIZED");
      }
      // a forged cookie is no session either
      expect((await query("runs.list", {}, { cookie: "better-auth.session_token=forged.value" })).status).toBe(401);
    });

    it("does not accept an agent token as a user session", async () => {
      const { token } = await createAgent(alice, "not-a-user");
      expect((await query("runs.list", {}, { token })).status).toBe(401);
    });
  });

  describe(`runs (${engine})`, () => {
    it("creates with the study's defaults filled in and lists only the owner's runs", async () => {
      const run = await createRun(alice, "alice run");
      expect(run.status).toBe("queued");
      expect(run.config).toMatchObject({ dataset: "synthetic-cifar10", epochs: 2 });
      expect((run.config as Record<string, unknown>).optimizer).toBe("adam");
      expect((run.config as Record<string, unknown>).seed).toBe(42);
      expect((await listRuns(alice)).map((r) => r.id)).toContain(run.id);
      expect((await listRuns(bob)).map((r) => r.id)).not.toContain(run.id);
    });

    it("pages with a cursor, newest first, without repeats", async () => {
      const carol = await signUp(`carol-${engine}@example.com`);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createRun(carol, `page ${i}`)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Awaited<ReturnType<typeof query<Page>>> = await query<Page>(
          "runs.list",
          { limit: 2, cursor },
          carol,
        );
        expect(res.error).toBeNull();
        seen.push(...res.data!.items.map((r) => r.id));
        cursor = res.data!.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const filtered = await query<Page>("runs.list", { search: "PAGE 3" }, carol);
      expect(filtered.data?.items.map((r) => r.name)).toEqual(["page 3"]);
    });

    it("answers 404 for another user's run, and changes nothing", async () => {
      const run = await createRun(alice, "private");
      expect((await query("runs.get", { runId: run.id }, bob)).status).toBe(404);
      expect((await query("metrics.byRun", { runId: run.id }, bob)).status).toBe(404);
      expect((await mutate("runs.cancel", { runId: run.id }, bob)).status).toBe(404);
      expect((await mutate("runs.delete", { runId: run.id }, bob)).status).toBe(404);
      const still = await query<RunRow>("runs.get", { runId: run.id }, alice);
      expect(still.data?.status).toBe("queued");
    });

    it("answers 404 for unknown ids", async () => {
      const unknown = randomUUID();
      for (const [kind, path] of [
        ["query", "runs.get"],
        ["query", "metrics.byRun"],
        ["mutation", "runs.cancel"],
        ["mutation", "runs.requeue"],
        ["mutation", "runs.delete"],
      ] as const) {
        const res =
          kind === "query"
            ? await query(path, { runId: unknown }, alice)
            : await mutate(path, { runId: unknown }, alice);
        expect(res.status, path).toBe(404);
        expect(res.error?.message).toMatch(/not found/i);
      }
      expect((await mutate("agents.revoke", { agentId: unknown }, alice)).status).toBe(404);
    });

    it("cancels a queued run and deletes it", async () => {
      const run = await createRun(alice, "to cancel");
      const cancelled = await mutate<RunRow>("runs.cancel", { runId: run.id }, alice);
      expect(cancelled.data?.status).toBe("cancelled");
      const requeued = await mutate<RunRow>("runs.requeue", { runId: run.id }, alice);
      expect(requeued.data?.status).toBe("queued");
      expect((await mutate("runs.delete", { runId: run.id }, alice)).status).toBe(200);
      expect((await query("runs.get", { runId: run.id }, alice)).status).toBe(404);
    });

    it("rejects malformed input with 400 and the validation message, writing nothing", async () => {
      const before = (await listRuns(alice)).length;
      const bad = await mutate("runs.create", { name: "bad", config: { ...smallConfig, epochs: 0 } }, alice);
      expect(bad.status).toBe(400);
      expect(bad.error?.data.code).toBe("BAD_REQUEST");
      expect(bad.error?.message).toMatch(/epochs/);
      expect(bad.error?.message).toMatch(/>=\s*1|at least 1|too small/i);
      const skip = await mutate("runs.create", { config: { ...smallConfig, disabledSkips: ["layer9.9"] } }, alice);
      expect(skip.status).toBe(400);
      expect(skip.error?.message).toContain('Unknown block "layer9.9"');
      const extra = await mutate("runs.create", { config: { ...smallConfig, optimiser: "adam" } }, alice);
      expect(extra.status).toBe(400);
      expect(extra.error?.message).toMatch(/optimiser/);
      const garbage = await mutate("runs.create", null, alice, "{not json");
      expect(garbage.status).toBe(400);
      expect((await listRuns(alice)).length).toBe(before);
    });

    it("rejects an oversized body before reading it all, writing nothing", async () => {
      const before = (await listRuns(alice)).length;
      const huge = { name: "x".repeat(2 * 1024 * 1024), config: smallConfig };
      const res = await mutate("runs.create", huge, alice);
      expect(res.status).toBe(413);
      expect(res.error?.message).toMatch(/too large/);
      expect((await listRuns(alice)).length).toBe(before);
    });
  });

  defineProtocolTests(engine);
}
