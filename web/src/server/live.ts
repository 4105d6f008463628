// Live updates for the browser. Every successful mutation (a user's or an agent's) rings an
// in-process bell, so a stream on the same server polls at once; a stream also polls every second,
// which carries changes made through another instance (serverless) or by the lease sweep.
import { EventEmitter } from "node:events";
import { type Db, listRunChanges, type RunChange, sweepExpiredLeases } from "@ai623/drizzle";

const globalForLive = globalThis as unknown as { ai623LiveBell?: EventEmitter };
function bell(): EventEmitter {
  if (!globalForLive.ai623LiveBell) {
    globalForLive.ai623LiveBell = new EventEmitter();
    globalForLive.ai623LiveBell.setMaxListeners(0);
  }
  return globalForLive.ai623LiveBell;
}

const sweepEveryMs = 5000;
const globalForSweep = globalThis as unknown as { ai623LastSweep?: number };

/**
 * Claims sweep expired leases, but with no agent claiming, a run whose agent died would show
 * "running" forever. Open streams sweep too, at most every few seconds per server, so the page
 * shows it lost and requeued within a lease.
 */
async function sweepNowAndThen(db: Db): Promise<void> {
  const now = Date.now();
  if (now - (globalForSweep.ai623LastSweep ?? 0) < sweepEveryMs) return;
  globalForSweep.ai623LastSweep = now;
  await sweepExpiredLeases(db);
}

/** Something in the database changed: wake every open stream on this server. */
export function ringLiveBell(): void {
  bell().emit("change");
}

/** The fields of a change the browser acts on; the lease extension alone changes none of them. */
export function changeVersion(c: RunChange): string {
  return [c.status, c.epochsRecorded, c.bestValAcc, c.cancelRequested, c.attempt, c.checkpointEpoch].join("|");
}

export interface LiveStreamOptions {
  db: Db;
  ownerId: string;
  /** Only these runs; all of the user's when empty. */
  runIds: string[];
  signal: AbortSignal;
  pollMs?: number;
  /** updated_at is stamped before commit, so a slow transaction can land behind one already seen. */
  lookbackMs?: number;
}

const encoder = new TextEncoder();
const frame = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * A server-sent event stream of `run` events (one `RunChange` each, only when its version changed),
 * a `ready` event once the first poll is done, and a comment every 15 s so proxies keep it open.
 */
export function liveRunStream({
  db,
  ownerId,
  runIds,
  signal,
  pollMs = 1000,
  lookbackMs = 5000,
}: LiveStreamOptions): ReadableStream<Uint8Array> {
  const sent = new Map<string, string>();
  let newest = Date.now() - lookbackMs;
  let wake: (() => void) | null = null;
  let rung = false;
  // set when the browser goes away (the request aborts or the body is cancelled) or the stream fails
  let closed = false;
  const onBell = () => {
    rung = true;
    wake?.();
  };
  const stop = () => {
    closed = true;
    bell().off("change", onBell);
    wake?.();
  };
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (bytes: Uint8Array) => {
        try {
          controller.enqueue(bytes);
        } catch {
          stop(); // the stream was closed under us
        }
      };
      bell().on("change", onBell);
      signal.addEventListener("abort", stop, { once: true });
      let lastComment = Date.now();
      let first = true;
      try {
        while (!closed && !signal.aborted) {
          rung = false;
          await sweepNowAndThen(db);
          const changes = await listRunChanges(db, ownerId, new Date(newest - lookbackMs), { runIds });
          for (const change of changes) {
            newest = Math.max(newest, change.updatedAt.getTime());
            const version = changeVersion(change);
            if (sent.get(change.id) === version) continue;
            sent.set(change.id, version);
            // the first poll repeats what the page may already show: the browser drops what it has
            send(frame("run", change));
          }
          if (first) send(frame("ready", { at: new Date().toISOString() }));
          first = false;
          if (Date.now() - lastComment > 15_000) {
            send(encoder.encode(": keep-alive\n\n"));
            lastComment = Date.now();
          }
          if (rung || closed) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
        }
      } catch (error) {
        send(frame("error", { message: (error as Error).message }));
      } finally {
        stop();
        try {
          controller.close();
        } catch {
          // already closed by the browser going away
        }
      }
    },
    cancel: stop,
  });
}
