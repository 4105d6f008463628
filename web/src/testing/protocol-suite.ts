// The agent side of the API: tokens, and the protocol an `ai623-agent` speaks, through the real handler.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveLeaseSettings } from "../server/lease-settings";
import { createAgent, createRun, epoch, host, type MetricRow, type RunRow } from "./fixtures";
import { type Caller, mutate, origin, query, signUp } from "./http";

export function defineProtocolTests(engine: string) {
  let ann: Caller;
  let ben: Caller;
  beforeAll(async () => {
    ann = await signUp(`ann-${engine}@example.com`);
    ben = await signUp(`ben-${engine}@example.com`);
  });

  describe(`agents and the protocol (${engine})`, () => {
    it("shows the token once with the exact command, and lists agents without it", async () => {
      const created = await createAgent(ann, "lab-gpu-1");
      expect(created.token).toMatch(/^ai623_/);
      expect(created.command).toBe(`npx ai623-agent --server ${origin} --token ${created.token}`);
      const list = await query<Record<string, unknown>[]>("agents.list", undefined, ann);
      const listed = list.data?.find((a) => a.id === created.agent.id);
      expect(listed).toBeDefined();
      expect(JSON.stringify(list.data)).not.toContain(created.token);
      expect(listed).not.toHaveProperty("tokenHash");
      const bobs = await query<unknown[]>("agents.list", undefined, ben);
      expect(JSON.stringify(bobs.data)).not.toContain(created.agent.id);
    });

    it("answers 401 to a missing, unknown or revoked token", async () => {
      expect((await mutate("agent.claim", { gpu: false })).status).toBe(401);
      expect((await mutate("agent.claim", { gpu: false }, { token: `ai623_${"A".repeat(43)}` })).status).toBe(401);
      const { agent, token } = await createAgent(ann, "short-lived");
      expect((await mutate("agent.hello", { host }, { token })).status).toBe(200);
      expect((await mutate("agents.revoke", { agentId: agent.id }, ben)).status).toBe(404);
      expect((await mutate("agents.revoke", { agentId: agent.id }, ann)).status).toBe(200);
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

      const hello = await mutate<{ heartbeatSeconds: number; leaseSeconds: number; serverTime: Date }>(
        "agent.hello",
        { host },
        agent,
      );
      expect(hello.error).toBeNull();
      expect(hello.data?.serverTime).toBeInstanceOf(Date);
      // AI623_LEASE_SECONDS (set by the suite's file, or the default): announced, and granted below
      const lease = resolveLeaseSettings();
      expect(hello.data).toMatchObject(lease);
      const leaseEndsNear = (at: Date | undefined) =>
        expect(Math.abs((at?.getTime() ?? 0) - Date.now() - lease.leaseSeconds * 1000)).toBeLessThan(5_000);

      const claimed = await mutate<{
        run: { id: string; config: { epochs: number }; attempt: number; leaseExpiresAt: Date };
      }>("agent.claim", { gpu: false }, agent);
      expect(claimed.data?.run.id).toBe(run.id);
      leaseEndsNear(claimed.data?.run.leaseExpiresAt);
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
      leaseEndsNear(beat.data?.leaseExpiresAt);

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
