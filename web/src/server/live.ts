// Live updates for the browser. Every successful mutation (a user's or an agent's) rings an
// in-process bell, so a stream on the same server polls at once; a stream also polls every second,
// which carries changes made through another instance (serverless) or by the lease sweep.
import { EventEmitter } from "node:events";
import { type Db, listRunChanges, type RunChange } from "@ai623/drizzle";

const globalForLive = globalThis as unknown as { ai623LiveBell?: EventEmitter };
function bell(): EventEmitter {
  if (!globalForLive.ai623LiveBell) {
    globalForLive.ai623LiveBell = new EventEmitter();
    globalForLive.ai623LiveBell.setMaxListeners(0);
  }
  return globalForLive.ai623LiveBell;
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
  const onBell = () => {
    rung = true;
    wake?.();
  };
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      bell().on("change", onBell);
      const stop = () => {
        bell().off("change", onBell);
        wake?.();
      };
      signal.addEventListener("abort", stop, { once: true });
      let lastComment = Date.now();
      let first = true;
      try {
        while (!signal.aborted) {
          rung = false;
          const changes = await listRunChanges(db, ownerId, new Date(newest - lookbackMs), { runIds });
          for (const change of changes) {
            newest = Math.max(newest, change.updatedAt.getTime());
            const version = changeVersion(change);
            if (sent.get(change.id) === version) continue;
            sent.set(change.id, version);
            // the first poll repeats what the page may already show: the browser drops what it has
            controller.enqueue(frame("run", change));
          }
          if (first) controller.enqueue(frame("ready", { at: new Date().toISOString() }));
          first = false;
          if (Date.now() - lastComment > 15_000) {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            lastComment = Date.now();
          }
          if (rung || signal.aborted) continue;
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
        if (!signal.aborted) controller.enqueue(frame("error", { message: (error as Error).message }));
      } finally {
        stop();
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      }
    },
    cancel() {
      bell().off("change", onBell);
      wake?.();
    },
  });
}
