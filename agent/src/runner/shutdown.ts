// SIGINT/SIGTERM: the first asks for a graceful stop (finish the step, checkpoint, hand the run back,
// exit 0); a second one exits at once. Training steps block the event loop, so the first signal is
// seen between steps, which is exactly "finish the current step".

export interface Shutdown {
  /** The signal that asked to stop, or null. */
  readonly requested: NodeJS.Signals | null;
  /** Aborted on the first signal: wakes idle sleeps and backoffs. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export function watchShutdown(onFirst: (sig: NodeJS.Signals) => void, onSecond: (sig: NodeJS.Signals) => void) {
  const controller = new AbortController();
  let requested: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (requested) {
      onSecond(sig);
      return;
    }
    requested = sig;
    controller.abort();
    onFirst(sig);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  const shutdown: Shutdown = {
    get requested() {
      return requested;
    },
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
  return shutdown;
}

/** Sleeps `ms`, or less if `signal` aborts first; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Exponential backoff with full jitter: attempt 0 → [min/2, min], doubling up to max. */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
