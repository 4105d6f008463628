// Every report to the server (start, epochs, checkpoints, finish, fail, release) goes through the
// on-disk outbox, delivered in order by one flush at a time. Training never waits on the network:
// `add` journals and kicks a background flush; `drain` waits (with backoff) until all is delivered.
import { type AgentApi, classifyDeliveryError, describeApiError, httpStatusOf } from "../api/client";
import { Outbox, type OutboxEntry } from "../api/outbox";
import { backoffMs, sleep } from "./shutdown";
import type { Logger } from "./terminal";

export type ReportKind = "start" | "postEpoch" | "checkpoint" | "finish" | "fail" | "release";

export class Reporter {
  private readonly outbox: Outbox<ReportKind>;
  private chain: Promise<void> = Promise.resolve();
  /** Runs the server refused a report for with 403/404/409: no longer this agent's to train. */
  readonly lostRuns = new Set<string>();
  /** A fatal delivery error (revoked token); the agent must stop. */
  fatal: unknown = null;
  lastError: string | null = null;
  /** An outage is under way (said once when it starts, once when it ends). */
  private offline = false;

  constructor(
    file: string,
    private readonly api: AgentApi,
    private readonly log: Logger,
  ) {
    this.outbox = new Outbox<ReportKind>(file);
  }

  get pending(): number {
    return this.outbox.size;
  }

  /** Journals the report (fsynced) and starts delivering it in the background. */
  add(kind: ReportKind, runId: string, payload: unknown): void {
    this.outbox.add(kind, runId, payload);
    void this.flush();
  }

  /** One pass over the journal; resolves when it ends (delivered, or stopped at a passing error). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.flushOnce());
    return this.chain;
  }

  /**
   * Retries until everything is delivered. Returns false if `signal` aborted or `maxMs` passed
   * first (the journal keeps the rest for the next start); throws on a fatal error.
   */
  async drain(signal?: AbortSignal, maxMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    for (let attempt = 0; ; attempt++) {
      await this.flush();
      if (this.fatal) throw this.fatal;
      if (this.outbox.size === 0) return true;
      if (signal?.aborted || Date.now() >= deadline) return false;
      const wait = Math.min(backoffMs(attempt, 1_000, 30_000), Math.max(0, deadline - Date.now()));
      if (attempt > 0 && attempt % 10 === 0) {
        this.log.warn({ pending: this.outbox.size }, `Still waiting for the server (${this.lastError})`);
      }
      await sleep(wait, signal);
    }
  }

  private async flushOnce(): Promise<void> {
    if (this.outbox.size === 0 || this.fatal) return;
    try {
      const result = await this.outbox.flush((entry) => this.deliver(entry), classifyDeliveryError);
      this.lastError = result.lastError ? describeApiError(result.lastError) : null;
      if (result.remaining > 0 && this.lastError && !this.offline) {
        this.offline = true;
        this.log.warn(
          { pending: result.remaining },
          `Server unreachable (${this.lastError}): reports are kept on disk and sent when it answers`,
        );
      } else if (result.remaining === 0 && this.offline) {
        this.offline = false;
        this.log.info({ delivered: result.delivered }, "Server reachable again: kept reports delivered");
      }
      for (const { entry, error } of result.dropped) {
        const status = httpStatusOf(error);
        if (status === 403 || status === 404 || status === 409) this.lostRuns.add(entry.runId);
        this.log.warn(
          { runId: entry.runId, kind: entry.kind, status },
          `The server refused a ${entry.kind} report for good: ${describeApiError(error)}`,
        );
      }
    } catch (error) {
      this.fatal = error;
    }
  }

  private async deliver(entry: OutboxEntry<ReportKind>): Promise<void> {
    const p = entry.payload as never;
    const api = this.api;
    switch (entry.kind) {
      case "start":
        await api.start(p);
        return;
      case "postEpoch":
        await api.postEpoch(p);
        return;
      case "checkpoint":
        await api.checkpoint(p);
        return;
      case "finish":
        await api.finish(p);
        return;
      case "fail":
        await api.fail(p);
        return;
      case "release":
        await api.release(p);
        return;
    }
  }
}
