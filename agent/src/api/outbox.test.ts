import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DeliveryVerdict, Outbox, type OutboxEntry } from "./outbox";

const dirs: string[] = [];
const journal = () => {
  const dir = mkdtempSync(join(tmpdir(), "ai623-outbox-"));
  dirs.push(dir);
  return join(dir, "nested", "outbox.jsonl");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

class Transient extends Error {}
class Rejected extends Error {}
class Revoked extends Error {}
const classify = (e: unknown): DeliveryVerdict =>
  e instanceof Transient ? "retry" : e instanceof Rejected ? "drop" : "fatal";

describe("outbox", () => {
  it("delivers in order and empties the journal", async () => {
    const box = new Outbox(journal());
    box.add("epoch", "r1", { epoch: 1 });
    box.add("epoch", "r1", { epoch: 2 });
    const seen: unknown[] = [];
    const r = await box.flush(async (e) => void seen.push(e.payload), classify);
    expect(seen).toEqual([{ epoch: 1 }, { epoch: 2 }]);
    expect(r).toMatchObject({ delivered: 2, remaining: 0 });
    expect(readFileSync(box.file, "utf8")).toBe("");
  });

  it("keeps everything from the first passing failure on, and survives a restart", async () => {
    const file = journal();
    const box = new Outbox(file);
    for (let epoch = 1; epoch <= 4; epoch++) box.add("epoch", "r1", { epoch });
    let calls = 0;
    const r = await box.flush(async () => {
      if (++calls === 3) throw new Transient("server down");
    }, classify);
    expect(r).toMatchObject({ delivered: 2, remaining: 2 });

    const reopened = new Outbox(file); // a new process after a crash
    expect(reopened.pending().map((e) => (e.payload as { epoch: number }).epoch)).toEqual([3, 4]);
    const next = reopened.add("finish", "r1", {});
    expect(next.seq).toBe(5);
    const order: string[] = [];
    await reopened.flush(async (e) => void order.push(`${e.kind}:${e.seq}`), classify);
    expect(order).toEqual(["epoch:3", "epoch:4", "finish:5"]);
  });

  it("drops entries the server rejects for good and goes on", async () => {
    const box = new Outbox(journal());
    box.add("epoch", "gone", {});
    box.add("epoch", "r1", {});
    const delivered: OutboxEntry[] = [];
    const r = await box.flush(async (e) => {
      if (e.runId === "gone") throw new Rejected("403: not your run");
      delivered.push(e);
    }, classify);
    expect(r.dropped.map((d) => d.entry.runId)).toEqual(["gone"]);
    expect(delivered.map((e) => e.runId)).toEqual(["r1"]);
    expect(box.size).toBe(0);
  });

  it("rethrows fatal errors and keeps the undelivered entries", async () => {
    const box = new Outbox(journal());
    box.add("epoch", "r1", { epoch: 1 });
    box.add("epoch", "r1", { epoch: 2 });
    let n = 0;
    await expect(
      box.flush(async () => {
        if (++n === 2) throw new Revoked("401");
      }, classify),
    ).rejects.toBeInstanceOf(Revoked);
    expect(new Outbox(box.file).pending().map((e) => e.seq)).toEqual([2]);
  });

  it("ignores a torn last line but refuses a corrupt journal", () => {
    const file = journal();
    const box = new Outbox(file);
    box.add("epoch", "r1", { epoch: 1 });
    appendFileSync(file, '{"seq":2,"kind":"ep');
    const reopened = new Outbox(file);
    expect(reopened.size).toBe(1);
    reopened.add("epoch", "r1", { epoch: 2 });
    expect(new Outbox(file).pending().map((e) => e.seq)).toEqual([1, 2]);
    appendFileSync(file, '{"seq":3,"ki\n{"seq":4}\n');
    expect(() => new Outbox(file)).toThrow(/corrupt at line 3/);
  });
});
