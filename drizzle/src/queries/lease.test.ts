import { describe, expect, it } from "vitest";
import { ForbiddenError } from "../errors";
import { createTestAgent, createTestUser, queueTestRun, sqlEngines, useTestDb } from "../testing";
import { heartbeatAgent, helloAgent } from "./agent-protocol";
import { claimNextRun } from "./claim";
import { listRunEvents } from "./events";
import { sweepExpiredLeases } from "./lease";
import { getRun, requestCancel } from "./runs";

const future = () => new Date(Date.now() + 3600_000);

describe.each(sqlEngines)("lease expiry on %s", (engine) => {
  const t = useTestDb(engine);

  it("lost → requeued as attempt + 1 → … → failed after maxAttempts, with events and a clear error", async () => {
    const owner = await createTestUser(t.db);
    const { agentId } = await createTestAgent(t.db, owner, "flaky");
    await helloAgent(t.db, agentId, {
      hostname: "h",
      os: "linux",
      cpu: "x",
      cpuCount: 1,
      memoryMb: 1,
      gpu: null,
      backend: null,
      backendReason: null,
      agentVersion: "0.1.0",
    });
    const run = await queueTestRun(t.db, owner, { maxAttempts: 3 });

    for (const attempt of [1, 2, 3]) {
      const claimed = await claimNextRun(t.db, agentId, { gpu: false });
      expect(claimed).toMatchObject({ id: run.id, attempt, status: "claimed" });
      expect(await sweepExpiredLeases(t.db)).toEqual([]); // the lease has not expired yet
      const swept = (await sweepExpiredLeases(t.db, future())).filter((s) => s.runId === run.id);
      expect(swept).toEqual([{ runId: run.id, attempt, outcome: attempt < 3 ? "requeued" : "failed" }]);
    }
    const failed = await getRun(t.db, owner, run.id);
    expect(failed).toMatchObject({ status: "failed", errorCode: "LEASE_EXPIRED", agentId: null, attempt: 3 });
    expect(failed.error).toMatch(/^lease expired on attempt 3 of 3; last heartbeat \d{4}-.* from agent flaky/);
    const events = (await listRunEvents(t.db, owner, run.id)).map((e) => `${e.kind}@${e.attempt}`);
    expect(events).toEqual([
      "created@1",
      "claimed@1",
      "lost@1",
      "requeued@2",
      "claimed@2",
      "lost@2",
      "requeued@3",
      "claimed@3",
      "lost@3",
      "failed@3",
    ]);
    // the agent that lost the run may not keep posting to it
    await expect(heartbeatAgent(t.db, agentId, run.id)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a heartbeat keeps the lease; a claim sweeps expired leases lazily; a lost run with a cancel request ends cancelled", async () => {
    const owner = await createTestUser(t.db);
    const { agentId } = await createTestAgent(t.db, owner);
    const run = await queueTestRun(t.db, owner);
    await claimNextRun(t.db, agentId, { gpu: false, leaseSeconds: 0.2 });
    const { leaseExpiresAt } = await heartbeatAgent(t.db, agentId, run.id, { leaseSeconds: 0.2 });
    expect(leaseExpiresAt).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 300));
    // the next claim (any agent of the owner) finds the run back in the queue as attempt 2
    const { agentId: other } = await createTestAgent(t.db, owner, "other");
    expect(await claimNextRun(t.db, other, { gpu: false })).toMatchObject({ id: run.id, attempt: 2, agentId: other });

    await requestCancel(t.db, owner, run.id);
    await sweepExpiredLeases(t.db, future());
    expect(await getRun(t.db, owner, run.id)).toMatchObject({ status: "cancelled", agentId: null });
  });
});
