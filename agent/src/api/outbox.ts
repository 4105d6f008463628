// Every report the agent sends (start, epoch metrics, checkpoints, finish…) goes through this outbox:
// appended to a JSONL file and fsynced first, then delivered in order. A post that fails for a
// passing reason (network, 5xx) stays on disk and is replayed, in the same order, once the server
// answers again — after an outage or a crash and restart. The server's upserts make replays harmless.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface OutboxEntry<K extends string = string> {
  seq: number;
  kind: K;
  runId: string;
  payload: unknown;
  queuedAt: string;
}

/** What to do with an entry whose delivery threw. */
export type DeliveryVerdict = "retry" | "drop" | "fatal";

export interface FlushResult {
  delivered: number;
  dropped: { entry: OutboxEntry; error: unknown }[];
  /** Entries still waiting (the first one failed with a passing error). */
  remaining: number;
  lastError: unknown;
}

export class Outbox<K extends string = string> {
  private entries: OutboxEntry<K>[] = [];
  private nextSeq = 1;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      const { entries, torn } = parseJournal(file);
      this.entries = entries as OutboxEntry<K>[];
      // drop the torn fragment now, or the next append would glue onto it
      if (torn) this.rewrite();
    }
    this.nextSeq = (this.entries.at(-1)?.seq ?? 0) + 1;
  }

  get size(): number {
    return this.entries.length;
  }

  pending(): readonly OutboxEntry<K>[] {
    return this.entries;
  }

  /** Durably records an entry; returns once it is on disk. */
  add(kind: K, runId: string, payload: unknown): OutboxEntry<K> {
    const entry: OutboxEntry<K> = { seq: this.nextSeq++, kind, runId, payload, queuedAt: new Date().toISOString() };
    const fd = openSync(this.file, "a");
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.entries.push(entry);
    return entry;
  }

  /**
   * Delivers waiting entries oldest first. Stops at the first entry that fails with a passing error
   * (so nothing overtakes it); drops entries the server rejected for good (`drop`); rethrows `fatal`
   * errors (e.g. a revoked token) after saving what was delivered.
   */
  async flush(
    deliver: (entry: OutboxEntry<K>) => Promise<void>,
    classify: (error: unknown) => DeliveryVerdict,
  ): Promise<FlushResult> {
    const result: FlushResult = { delivered: 0, dropped: [], remaining: 0, lastError: null };
    let done = 0;
    try {
      for (const entry of this.entries) {
        try {
          await deliver(entry);
          result.delivered++;
        } catch (error) {
          const verdict = classify(error);
          if (verdict === "fatal") throw error;
          if (verdict === "retry") {
            result.lastError = error;
            break;
          }
          result.dropped.push({ entry, error });
        }
        done++;
      }
    } finally {
      if (done > 0) {
        this.entries = this.entries.slice(done);
        this.rewrite();
      }
      result.remaining = this.entries.length;
    }
    return result;
  }

  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, this.entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

/** Reads a journal; a torn last line (crash mid-append) is ignored, any other bad line is an error. */
function parseJournal(file: string): { entries: OutboxEntry[]; torn: boolean } {
  const lines = readFileSync(file, "utf8").split("\n");
  const entries: OutboxEntry[] = [];
  let torn = false;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      entries.push(JSON.parse(line) as OutboxEntry);
    } catch (err) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === "");
      if (!isLast) throw new Error(`Outbox journal ${file} is corrupt at line ${i + 1}: ${(err as Error).message}`);
      torn = true;
    }
  });
  return { entries, torn };
}
