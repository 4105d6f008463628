// The API's contract, driven through the real /api/auth and /api/trpc handlers. Each engine's test
// file points DATABASE_URL at a fresh database, then calls defineApiSuite().
import { randomUUID } from "node:crypto";
import { closeDb } from "@ai623/drizzle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Caller, getAuthSession, mutate, origin, query, signIn, signUp, signUpRaw } from "./http";

interface RunRow {
  id: string;
  name: string;
  status: string;
  attempt: number;
  epochsRecorded: number;
  bestValAcc: number | null;
  bestEpoch: number | null;
  config: { dataset: string; epochs: number };
}
interface Page {
  items: RunRow[];
  nextCursor: string | null;
}
interface Created {
  agent: { id: string; name: string };
  token: string;
  command: string;
}
interface MetricRow {
  epoch: number;
  valAcc: number;
  trainLoss: number;
}

const host = {
  hostname: "test-box",
  os: "linux x64",
  cpu: "Test CPU",
  cpuCount: 2,
  memoryMb: 4096,
  agentVersion: "0.1.0",
};

const epoch = (n: number, valAcc: number, trainLoss = 1 / n) => ({
  epoch: n,
  trainLoss,
  trainAcc: 0.5,
  valLoss: 1.2,
  valAcc,
  lr: 1e-3,
  epochSeconds: 12.5,
  imagesPerSec: 400,
  peakMemoryMb: 2048,
});

const smallConfig = { dataset: "synthetic-cifar10", epochs: 2, imageSize: 32, trainSubset: 64, valSubset: 32 };

/** `cleanup` runs after the server's connection is closed (e.g. dropping the test database). */
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

  const listRuns = async (who: Caller) => {
    const res = await query<Page>("runs.list", {}, who);
    expect(res.status).toBe(200);
    return res.data?.items ?? [];
  };
  const createAgent = async (who: Caller, name: string) => {
    const res = await mutate<Created>("agents.create", { name }, who);
    expect(res.error).toBeNull();
    return res.data!;
  };
  const createRun = async (who: Caller, name: string) => {
    const res = await mutate<RunRow>("runs.create", { name, config: smallConfig }, who);
    expect(res.error).toBeNull();
    return res.data!;
  };

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

  describe(`agents and the protocol (${engine})`, () => {
    it("shows the token once with the exact command, and lists agents without it", async () => {
      const created = await createAgent(alice, "lab-gpu-1");
      expect(created.token).toMatch(/^ai623_/);
      expect(created.command).toBe(`npx ai623-agent --server ${origin} --token ${created.token}`);
      const list = await query<Record<string, unknown>[]>("agents.list", undefined, alice);
      const listed = list.data?.find((a) => a.id === created.agent.id);
      expect(listed).toBeDefined();
      expect(JSON.stringify(list.data)).not.toContain(created.token);
      expect(listed).not.toHaveProperty("tokenHash");
      const bobs = await query<unknown[]>("agents.list", undefined, bob);
      expect(JSON.stringify(bobs.data)).not.toContain(created.agent.id);
    });

    it("answers 401 to a missing, unknown or revoked token", async () => {
      expect((await mutate("agent.claim", { gpu: false })).status).toBe(401);
      expect((await mutate("agent.claim", { gpu: false }, { token: `ai623_${"A".repeat(43)}` })).status).toBe(401);
      const { agent, token } = await createAgent(alice, "short-lived");
      expect((await mutate("agent.hello", { host }, { token })).status).toBe(200);
      expect((await mutate("agents.revoke", { agentId: agent.id }, bob)).status).toBe(404);
      expect((await mutate("agents.revoke", { agentId: agent.id }, alice)).status).toBe(200);
      const after = await mutate("agent.heartbeat", { runId: null }, { token });
      expect(after.status).toBe(401);
      expect(after.error?.message).toMatch(/revoked/);
    });

    it("answers 403 to an agent posting to a run it does not hold, and 404 to another user's run", async () => {
      const dave = await signUp(`dave-${engine}@example.com`);
      const holder = await createAgent(dave, "holder");
      const other = await createAgent(dave, "other");
      const run = await createRun(dave, "held");
      const claim = await mutate<{ run: { id: string } | null }>(
        "agent.claim",
        { gpu: false },
        { token: holder.token },
      );
      expect(claim.data?.run?.id).toBe(run.id);
      const posted = await mutate("agent.postEpoch", { runId: run.id, metrics: epoch(1, 0.3) }, { token: other.token });
      expect(posted.status).toBe(403);
      expect(posted.error?.message).toMatch(/not held/);
      const finished = await mutate("agent.finish", { runId: run.id, outcome: "succeeded" }, { token: other.token });
      expect(finished.status).toBe(403);
      const eve = await signUp(`eve-${engine}@example.com`);
      const stranger = await createAgent(eve, "stranger");
      expect(
        (await mutate("agent.postEpoch", { runId: run.id, metrics: epoch(1, 0.3) }, { token: stranger.token })).status,
      ).toBe(404);
      const unknownRun = { runId: randomUUID(), metrics: epoch(1, 0.3) };
      expect((await mutate("agent.postEpoch", unknownRun, { token: holder.token })).status).toBe(404);
      const metrics = await query<MetricRow[]>("metrics.byRun", { runId: run.id }, dave);
      expect(metrics.data).toEqual([]);
    });

    it("runs the whole protocol: token, run, claim, heartbeat, two epochs (one twice), finish", async () => {
      const frank = await signUp(`frank-${engine}@example.com`);
      const { token } = await createAgent(frank, "worker");
      const agent = { token };
      const run = await createRun(frank, "walkthrough");

      const hello = await mutate<{ heartbeatSeconds: number; serverTime: Date }>("agent.hello", { host }, agent);
      expect(hello.error).toBeNull();
      expect(hello.data?.serverTime).toBeInstanceOf(Date);

      const claimed = await mutate<{ run: { id: string; config: { epochs: number }; attempt: number } }>(
        "agent.claim",
        { gpu: false },
        agent,
      );
      expect(claimed.data?.run.id).toBe(run.id);
      expect(claimed.data?.run.attempt).toBe(1);
      const again = await mutate<{ run: null }>("agent.claim", { gpu: false }, agent);
      expect(again.data?.run).toBeNull();

      const beat = await mutate<{ cancelRequested: boolean; leaseExpiresAt: Date }>(
        "agent.heartbeat",
        { runId: run.id },
        agent,
      );
      expect(beat.data?.cancelRequested).toBe(false);
      expect(beat.data?.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now());

      const started = await mutate<{ status: string }>(
        "agent.start",
        {
          runId: run.id,
          backend: "wasm",
          backendReason: "no native TensorFlow here",
          device: "cpu",
          threads: 1,
          prefixCached: true,
          resumedFromEpoch: null,
          weightsSha256: null,
        },
        agent,
      );
      expect(started.data?.status).toBe("running");

      const badEpoch = await mutate("agent.postEpoch", { runId: run.id, metrics: { ...epoch(1, 1.5) } }, agent);
      expect(badEpoch.status).toBe(400);
      expect(badEpoch.error?.message).toMatch(/valAcc/);

      expect((await mutate("agent.postEpoch", { runId: run.id, metrics: epoch(1, 0.4, 2.0) }, agent)).status).toBe(200);
      // the same epoch again (a retry with newer numbers): one row, the last values
      expect((await mutate("agent.postEpoch", { runId: run.id, metrics: epoch(1, 0.45, 1.9) }, agent)).status).toBe(
        200,
      );
      const second = await mutate<{ epochsRecorded: number; bestEpoch: number; bestValAcc: number }>(
        "agent.postEpoch",
        { runId: run.id, metrics: epoch(2, 0.6) },
        agent,
      );
      expect(second.data).toEqual({ epochsRecorded: 2, bestEpoch: 2, bestValAcc: 0.6 });

      const checkpoint = await mutate(
        "agent.checkpoint",
        { runId: run.id, epoch: 2, bytes: 1234, sha256: "a".repeat(64) },
        agent,
      );
      expect(checkpoint.data).toEqual({ ok: true });

      const finished = await mutate<{ status: string }>("agent.finish", { runId: run.id, outcome: "succeeded" }, agent);
      expect(finished.data).toEqual({ runId: run.id, status: "succeeded" });

      const shown = await query<RunRow>("runs.get", { runId: run.id }, frank);
      expect(shown.data).toMatchObject({ status: "succeeded", epochsRecorded: 2, bestEpoch: 2, bestValAcc: 0.6 });
      const metrics = await query<MetricRow[]>("metrics.byRun", { runId: run.id }, frank);
      expect(metrics.data?.map((m) => [m.epoch, m.valAcc, m.trainLoss])).toEqual([
        [1, 0.45, 1.9],
        [2, 0.6, 0.5],
      ]);

      const cancelDone = await mutate("runs.cancel", { runId: run.id }, frank);
      expect(cancelDone.status).toBe(409);
      expect(cancelDone.error?.message).toMatch(/already succeeded/);

      // a finished run is no longer the agent's to post to
      const late = await mutate("agent.postEpoch", { runId: run.id, metrics: epoch(3, 0.7) }, agent);
      expect([403, 409]).toContain(late.status);
    });

    it("passes a user's cancel to the agent in its heartbeat answer", async () => {
      const gina = await signUp(`gina-${engine}@example.com`);
      const { token } = await createAgent(gina, "worker");
      const run = await createRun(gina, "to stop");
      await mutate("agent.claim", { gpu: false }, { token });
      const requested = await mutate<RunRow & { cancelRequested: boolean }>("runs.cancel", { runId: run.id }, gina);
      expect(requested.data).toMatchObject({ status: "claimed", cancelRequested: true });
      const beat = await mutate<{ cancelRequested: boolean }>("agent.heartbeat", { runId: run.id }, { token });
      expect(beat.data?.cancelRequested).toBe(true);
      const stopped = await mutate("agent.finish", { runId: run.id, outcome: "cancelled" }, { token });
      expect(stopped.data).toEqual({ runId: run.id, status: "cancelled" });
    });
  });
}
