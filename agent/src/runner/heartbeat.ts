// Heartbeats on their own thread. Training steps are synchronous wasm/native calls that can hold the
// main event loop for minutes (a full ResNet-152 step at 224 px on a CPU), so a timer on the main
// thread would let the lease expire mid-step. A worker thread keeps beating regardless and publishes
// the server's answer through shared memory, which the training loop reads between steps.
import { Worker } from "node:worker_threads";

/** Flag slots in the shared Int32Array. */
const CANCEL = 0;
const FATAL = 1;
const BEATS = 2;
const LOST = 3;
const slots = 4;

export interface HeartbeatOptions {
  /** tRPC endpoint, e.g. http://host:3000/api/trpc */
  endpoint: string;
  token: string;
  intervalMs: number;
  /** Give up on a single request after this long (it is retried at the next beat). */
  timeoutMs?: number;
  onError?: (message: string) => void;
}

/**
 * The worker's whole program. Plain JS evaluated with `eval: true`, so it runs the same from source,
 * under vitest and from the bundled CLI. It speaks tRPC's HTTP shape for one mutation with superjson
 * (`{"json": input}` in, `result.data.json` out).
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { endpoint, token, intervalMs, timeoutMs, flags } = workerData;
const view = new Int32Array(flags);
let runId = null;
let timer = null;
// bumped by every "run" message: a beat started before it is stale
let generation = 0;
parentPort.on("message", (msg) => {
  if (msg.type === "run") { runId = msg.runId; generation++; Atomics.store(view, 0, 0); Atomics.store(view, 3, 0); beat(); }
  if (msg.type === "stop") { clearTimeout(timer); parentPort.close(); }
});
async function beat() {
  clearTimeout(timer);
  // An answer speaks of the run it was asked about: one that arrives after the agent moved on to
  // another run (a run that failed at once, its beat still in flight) must not cancel or drop the next,
  // nor start a second beat loop beside the one the "run" message started.
  const asked = runId;
  const gen = generation;
  try {
    const res = await fetch(endpoint + "/agent.heartbeat", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + token },
      body: JSON.stringify({ json: { runId: asked } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.json().catch(() => null);
    if (gen !== generation) {
      if (res.status === 401) Atomics.store(view, 1, 401);
      return;
    }
    if (res.ok) {
      const data = body && body.result && body.result.data && body.result.data.json;
      if (data && data.cancelRequested) Atomics.store(view, 0, 1);
      Atomics.add(view, 2, 1);
    } else {
      const err = body && body.error && body.error.json;
      const message = (err && err.message) || ("HTTP " + res.status);
      if (res.status === 401) Atomics.store(view, 1, 401);
      // The run is no longer this agent's (lease lost and reclaimed, deleted): stop training it.
      if (runId !== null && (res.status === 403 || res.status === 404 || res.status === 409)) Atomics.store(view, 3, 1);
      parentPort.postMessage({ type: "error", status: res.status, message });
    }
  } catch (e) {
    if (gen !== generation) return;
    parentPort.postMessage({ type: "error", status: 0, message: String((e && e.message) || e) });
  }
  timer = setTimeout(beat, intervalMs);
}
beat();
`;

export class Heartbeat {
  private readonly flags = new Int32Array(new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;

  constructor(opts: HeartbeatOptions) {
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        endpoint: opts.endpoint,
        token: opts.token,
        intervalMs: opts.intervalMs,
        timeoutMs: opts.timeoutMs ?? Math.max(5_000, opts.intervalMs),
        flags: this.flags.buffer,
      },
    });
    this.worker.unref();
    this.worker.on("message", (msg: { type: string; message: string }) => {
      if (msg.type === "error") opts.onError?.(msg.message);
    });
  }

  /** Beat for this run from now on (null while idle); clears a previous run's cancel flag. */
  setRun(runId: string | null): void {
    this.worker.postMessage({ type: "run", runId });
  }

  /** The server asked to cancel the current run. Safe to call between synchronous steps. */
  get cancelRequested(): boolean {
    return Atomics.load(this.flags, CANCEL) === 1;
  }

  /** The server refused the token (revoked): the agent must stop. */
  get tokenRejected(): boolean {
    return Atomics.load(this.flags, FATAL) === 401;
  }

  /** The server says the current run is not this agent's any more. */
  get runLost(): boolean {
    return Atomics.load(this.flags, LOST) === 1;
  }

  /** Successful beats so far (for tests and `doctor`). */
  get beats(): number {
    return Atomics.load(this.flags, BEATS);
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: "stop" });
    await this.worker.terminate();
  }
}
