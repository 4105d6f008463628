import { claimNextRun } from "@ai623/drizzle";
import { createTestAgent, createTestUser, queueTestRun, useTestDb } from "@ai623/drizzle/testing";
import { describe, expect, it } from "vitest";
import { liveRunStream, ringLiveBell } from "./live";

/** Reads server-sent events from a stream: each `event:`/`data:` pair, parsed. */
function reader(stream: ReadableStream<Uint8Array>) {
  const r = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async function next(): Promise<{ event: string; data: Record<string, unknown> }> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(":")) continue; // keep-alive comment
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
        return { event, data };
      }
      const { value, done } = await r.read();
      if (done) throw new Error("the stream ended");
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe("the live run stream", () => {
  const t = useTestDb("pglite");

  it("sends the user's recent changes, then each new one as soon as the bell rings, and stops when the browser leaves", async () => {
    const owner = await createTestUser(t.db);
    const stranger = await createTestUser(t.db);
    const run = await queueTestRun(t.db, owner, { name: "watched" });
    const abort = new AbortController();
    // a long poll interval: anything that arrives quickly came through the bell
    const next = reader(liveRunStream({ db: t.db, ownerId: owner, runIds: [], signal: abort.signal, pollMs: 60_000 }));

    expect(await next()).toMatchObject({ event: "run", data: { id: run.id, status: "queued" } });
    expect((await next()).event).toBe("ready");

    await queueTestRun(t.db, stranger); // not this user's: never sent
    const { agentId } = await createTestAgent(t.db, owner);
    await claimNextRun(t.db, agentId, { gpu: false });
    const started = Date.now();
    ringLiveBell();
    expect(await next()).toMatchObject({ event: "run", data: { id: run.id, status: "claimed", epochsRecorded: 0 } });
    expect(Date.now() - started).toBeLessThan(5000);

    abort.abort();
    await expect(next()).rejects.toThrow("the stream ended");
  });

  it("watches only the runs asked for", async () => {
    const owner = await createTestUser(t.db);
    await queueTestRun(t.db, owner, { name: "other" });
    const mine = await queueTestRun(t.db, owner, { name: "mine" });
    const abort = new AbortController();
    const next = reader(
      liveRunStream({ db: t.db, ownerId: owner, runIds: [mine.id], signal: abort.signal, pollMs: 50 }),
    );
    expect(await next()).toMatchObject({ event: "run", data: { id: mine.id } });
    expect((await next()).event).toBe("ready");
    abort.abort();
  });

  it("sweeps expired leases, so a run whose agent died shows lost and requeued without any agent claiming", async () => {
    const owner = await createTestUser(t.db);
    const run = await queueTestRun(t.db, owner, { name: "orphan" });
    const { agentId } = await createTestAgent(t.db, owner);
    await claimNextRun(t.db, agentId, { gpu: false, leaseSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    (globalThis as { ai623LastSweep?: number }).ai623LastSweep = 0;
    const abort = new AbortController();
    const next = reader(liveRunStream({ db: t.db, ownerId: owner, runIds: [run.id], signal: abort.signal }));
    expect(await next()).toMatchObject({ event: "run", data: { id: run.id, status: "queued", attempt: 2 } });
    abort.abort();
  });
});
