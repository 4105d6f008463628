import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Heartbeat } from "./heartbeat";

const RUN_A = "00000000-0000-4000-8000-00000000000a";
const RUN_B = "00000000-0000-4000-8000-00000000000b";

/** A heartbeat endpoint: run A is gone (409), answered slowly; anything else is fine, with cancel per run. */
async function startServer(opts: { slowMs: number; cancel?: string }) {
  const asked: (string | null)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const runId = (JSON.parse(body) as { json: { runId: string | null } }).json.runId;
      asked.push(runId);
      const reply = () => {
        res.setHeader("content-type", "application/json");
        if (runId === RUN_A) {
          res.statusCode = 409;
          res.end(JSON.stringify({ error: { json: { message: "not yours" } } }));
          return;
        }
        const data = { cancelRequested: runId === opts.cancel, leaseExpiresAt: null };
        res.end(JSON.stringify({ result: { data: { json: data } } }));
      };
      if (runId === RUN_A) setTimeout(reply, opts.slowMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/trpc`;
  return { url, asked, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const until = async (what: string, ok: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("Heartbeat", () => {
  it("binds each answer to the run it asked about: a late 'not yours' for the last run spares the next", async () => {
    const server = await startServer({ slowMs: 300 });
    cleanups.push(server.close);
    const hb = new Heartbeat({ endpoint: server.url, token: "t", intervalMs: 60_000 });
    cleanups.push(() => hb.stop());
    hb.setRun(RUN_A);
    await until("the beat for A is asked", () => server.asked.includes(RUN_A));
    hb.setRun(RUN_B); // A failed at once; its beat is still in flight
    await until("B is beaten", () => hb.beats > 0);
    await new Promise((r) => setTimeout(r, 500)); // A's 409 has arrived by now
    expect(hb.runLost).toBe(false);
    // one beat loop: nothing beyond the first beat of each run within the interval
    expect(server.asked.filter((r) => r === RUN_B)).toHaveLength(1);
  });

  it("still reports the current run lost or cancelled", async () => {
    const server = await startServer({ slowMs: 0, cancel: RUN_B });
    cleanups.push(server.close);
    const hb = new Heartbeat({ endpoint: server.url, token: "t", intervalMs: 60_000 });
    cleanups.push(() => hb.stop());
    hb.setRun(RUN_A);
    await until("A is lost", () => hb.runLost);
    hb.setRun(RUN_B);
    await until("B's cancel arrives", () => hb.cancelRequested);
    expect(hb.runLost).toBe(false);
  });
});
