// The agent's life: hello → (claim → start → train, an epoch report as each ends → finish | fail |
// release)* until --max-runs, a signal or a revoked token. Heartbeats run on their own thread all
// along (heartbeat.ts); reports go through the on-disk outbox (reporter.ts).
import { join } from "node:path";
import type { BackendId, ClaimedRun, GpuAdapter, HostInfo } from "@ai623/shared";
import { type AgentApi, describeApiError, httpStatusOf, tokenRejectedError, trpcEndpoint } from "../api/client";
import { AgentError } from "../errors";
import { type CheckpointInfo, describePosition, listCheckpoints } from "../train/checkpoint";
import { memoryBudgetFor } from "../train/memory-plan";
import { type ModelOverrides, type StopReason, trainRun } from "../train/train-run";
import { Heartbeat } from "./heartbeat";
import { Reporter } from "./reporter";
import { backoffMs, type Shutdown, sleep } from "./shutdown";
import type { Logger, Terminal } from "./terminal";

export interface BackendInfo {
  id: BackendId;
  reason: string;
  gpu: boolean;
  device: string;
  threads: number;
  /** webgpu: the adapter (re-read after a recovery) */
  adapter: GpuAdapter | null;
}

/** A backend that can fail under a run (webgpu: a lost device, GPU out of memory) and be brought back. */
export interface BackendHealth {
  /** the fault that ends the current run; null while healthy */
  fault(): AgentError | null;
  /** re-creates the backend after a fault, before the next claim; throws while it cannot */
  recover(): Promise<GpuAdapter | null>;
}

export interface AgentLoopOptions {
  api: AgentApi;
  server: string;
  token: string;
  host: Omit<HostInfo, "gpu" | "backend" | "backendReason">;
  backend: BackendInfo;
  cacheDir: string;
  dataDir?: string;
  /** Stop after this many runs (succeeded, failed or cancelled); null = forever. */
  maxRuns: number | null;
  /** Idle polling: backoff from minMs to maxMs with jitter. */
  idle?: { minMs: number; maxMs: number };
  checkpointEvery?: number;
  overrides?: ModelOverrides;
  health?: BackendHealth;
  /** --gpu-memory / AI623_GPU_MEMORY_MB (validated): the GPU memory budget on tensorflow-gpu */
  gpuMemoryMb?: number | null;
  terminal: Terminal;
  shutdown: Shutdown;
}

export interface AgentLoopResult {
  runs: number;
  stoppedBy: "max-runs" | "signal";
}

type RunEnd = "finished" | "released" | "lost";

const isTokenRejected = (e: unknown) => httpStatusOf(e) === 401;

/** `fail`'s error: a stable upper-case code and the message; anything unexpected is INTERNAL. */
export function toErrorInfo(error: unknown): { code: string; message: string } {
  const code = error instanceof AgentError ? error.code : "INTERNAL";
  const raw = error instanceof Error ? error.message || error.name : String(error);
  const message = (raw.trim() || "unknown error").slice(0, 10_000);
  return { code, message };
}

export async function runAgentLoop(opt: AgentLoopOptions): Promise<AgentLoopResult> {
  const { terminal, shutdown } = opt;
  const idle = opt.idle ?? { minMs: 2_000, maxMs: 30_000 };
  const hello = await callWithRetry(opt, "hello", () =>
    opt.api.hello({
      host: {
        ...opt.host,
        gpu: opt.backend.adapter?.description.slice(0, 200) ?? null,
        backend: opt.backend.id,
        backendReason: opt.backend.reason.slice(0, 1000),
      },
    }),
  );
  if (!hello) return { runs: 0, stoppedBy: "signal" };
  const log = terminal.log.child({ agentId: hello.agentId });
  log.info({ name: hello.name, heartbeatSeconds: hello.heartbeatSeconds }, `Registered as "${hello.name}"`);
  const reporter = new Reporter(join(opt.cacheDir, "outbox.jsonl"), opt.api, log);
  if (reporter.pending > 0) log.info({ pending: reporter.pending }, "Replaying reports kept from a previous session");
  const heartbeat = new Heartbeat({
    endpoint: trpcEndpoint(opt.server),
    token: opt.token,
    intervalMs: hello.heartbeatSeconds * 1000,
    onError: (message) => log.debug({ message }, "Heartbeat failed"),
  });
  let runs = 0;
  try {
    if (!(await reporter.drain(shutdown.signal))) return { runs, stoppedBy: "signal" };
    for (let idleAttempt = 0; ; ) {
      if (shutdown.requested) return { runs, stoppedBy: "signal" };
      if (heartbeat.tokenRejected) throw tokenRejectedError();
      if (opt.health?.fault()) {
        // the run that met the fault has failed; claim nothing until the backend is back
        try {
          opt.backend.adapter = await opt.health.recover();
          log.info({ adapter: opt.backend.adapter }, "Backend re-created after the fault; claiming again");
        } catch (e) {
          terminal.idle(`${toErrorInfo(e).message}; retrying`);
          await sleep(backoffMs(idleAttempt++, idle.minMs, idle.maxMs), shutdown.signal);
          continue;
        }
      }
      let run: ClaimedRun | null = null;
      try {
        run = (await opt.api.claim({ gpu: opt.backend.gpu })).run;
      } catch (e) {
        if (isTokenRejected(e)) throw tokenRejectedError(describeApiError(e));
        if (e instanceof AgentError) throw e;
        const status = httpStatusOf(e);
        // A refusal on the merits (e.g. another protocol version) would repeat forever: stop and say why.
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          throw new AgentError("SERVER_REFUSED", `The server refused to hand out runs: ${describeApiError(e)}`);
        }
        terminal.idle(`Server unreachable (${describeApiError(e)}); retrying`);
      }
      if (!run) {
        const wait = backoffMs(idleAttempt++, idle.minMs, idle.maxMs);
        terminal.idle(`Waiting for a queued run (checking every ≤${Math.round(idle.maxMs / 1000)} s)`);
        await sleep(wait, shutdown.signal);
        continue;
      }
      idleAttempt = 0;
      terminal.clear();
      const end = await processRun(opt, run, log.child({ runId: run.id }), heartbeat, reporter);
      if (end === "released") return { runs, stoppedBy: "signal" };
      runs++;
      if (opt.maxRuns !== null && runs >= opt.maxRuns) {
        await reporter.drain(shutdown.signal);
        return { runs, stoppedBy: "max-runs" };
      }
    }
  } finally {
    terminal.clear();
    await heartbeat.stop();
  }
}

async function processRun(
  opt: AgentLoopOptions,
  run: ClaimedRun,
  log: Logger,
  heartbeat: Heartbeat,
  reporter: Reporter,
): Promise<RunEnd> {
  const { shutdown, terminal } = opt;
  heartbeat.setRun(run.id);
  // A refusal replayed from an earlier session (another attempt) says nothing about this claim.
  reporter.lostRuns.delete(run.id);
  // Only the checkpoint the server knows is resumed: the epochs it has recorded match it.
  const local = await listCheckpoints(opt.cacheDir, run.id);
  const known = run.checkpointEpoch === null ? null : { epoch: run.checkpointEpoch, step: run.checkpointStep ?? null };
  const resumeFrom = known && local.some((p) => p.epoch === known.epoch && p.step === known.step) ? known : null;
  log.info(
    { attempt: run.attempt, epochs: run.config.epochs, resumeFrom: resumeFrom?.epoch, resumeStep: resumeFrom?.step },
    resumeFrom
      ? `Claimed "${run.name}" (attempt ${run.attempt}): resuming ${describePosition(resumeFrom)} from the local checkpoint`
      : `Claimed "${run.name}" (attempt ${run.attempt}): training ${run.config.epochs} epoch(s) from the start`,
  );
  const reportCheckpoint = (checkpoint: CheckpointInfo) =>
    reporter.add("checkpoint", run.id, {
      runId: run.id,
      epoch: checkpoint.epoch,
      ...(checkpoint.step === null ? {} : { step: checkpoint.step }),
      bytes: checkpoint.bytes,
      sha256: checkpoint.sha256,
    });
  const stopReason = (): StopReason | null => {
    const fault = opt.health?.fault();
    if (fault) throw fault; // the step's results are not to be trusted: fail the run now
    if (shutdown.requested) return "signal";
    if (heartbeat.tokenRejected || reporter.fatal) return "token";
    if (heartbeat.cancelRequested) return "cancel";
    if (heartbeat.runLost || reporter.lostRuns.has(run.id)) return "lost";
    return null;
  };
  try {
    const result = await trainRun({
      runId: run.id,
      config: run.config,
      cacheDir: opt.cacheDir,
      ...(opt.dataDir ? { dataDir: opt.dataDir } : {}),
      resumeFrom,
      ...(opt.checkpointEvery !== undefined ? { checkpointEvery: opt.checkpointEvery } : {}),
      ...(opt.overrides ? { overrides: opt.overrides } : {}),
      shouldStop: stopReason,
      memoryBudget: memoryBudgetFor(opt.backend.id, { adapter: opt.backend.adapter, gpuMemoryMb: opt.gpuMemoryMb }),
      log: (message) => log.info(message),
      onReady: (info) => {
        reporter.add("start", run.id, {
          runId: run.id,
          backend: opt.backend.id,
          backendReason: opt.backend.reason.slice(0, 1000),
          device: opt.backend.device,
          threads: opt.backend.threads,
          ...(opt.backend.adapter ? { adapter: opt.backend.adapter } : {}),
          prefixCached: info.prefixCache.cached,
          memoryPlan: info.memoryPlan,
          resumedFromEpoch: info.resumedFrom?.epoch ?? null,
          ...(info.resumedFrom?.step != null ? { resumedFromStep: info.resumedFrom.step } : {}),
          weightsSha256: info.weightsSha256,
        });
        log.info(
          { trainImages: info.trainImages, valImages: info.valImages, stepsPerEpoch: info.stepsPerEpoch },
          `Training ${info.freeze.trainableLayers.length} layer(s) (${run.config.freezeMode}), ${info.stepsPerEpoch} steps per epoch`,
        );
      },
      onStep: (p) => terminal.progress(p),
      onEpoch: (m, checkpoint) => {
        terminal.clear();
        reporter.add("postEpoch", run.id, { runId: run.id, metrics: m });
        if (checkpoint) reportCheckpoint(checkpoint);
        log.info(
          { epoch: m.epoch, trainLoss: m.trainLoss, valAcc: m.valAcc, imagesPerSec: Math.round(m.imagesPerSec) },
          `Epoch ${m.epoch}/${run.config.epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${(m.trainAcc * 100).toFixed(1)} % · val loss ${m.valLoss.toFixed(4)} acc ${(m.valAcc * 100).toFixed(1)} % · ${m.epochSeconds.toFixed(1)} s`,
        );
      },
    });
    terminal.clear();
    const fault = opt.health?.fault();
    if (fault) throw fault; // seen after the last step: its results are not to be trusted either
    const stop = result.stopReason;
    if (stop === "token") throw tokenRejectedError();
    if (stop === "lost") {
      log.warn("The server gave this run to another agent (its lease expired): dropping it");
      return "lost";
    }
    if (stop === "signal") {
      const at = result.stopCheckpoint ?? { epoch: result.lastEpoch, step: null };
      const reason = `agent stopped by ${shutdown.requested ?? "a signal"} ${describePosition(at)}`;
      // Reported before the release, so the next claim already offers this checkpoint.
      if (result.stopCheckpoint) reportCheckpoint(result.stopCheckpoint);
      reporter.add("release", run.id, { runId: run.id, reason });
      log.info(
        { lastEpoch: result.lastEpoch, checkpointEpoch: at.epoch, checkpointStep: at.step },
        `Handing the run back to the queue (${reason})`,
      );
      // Bounded: a person pressed Ctrl-C. What is not delivered stays in the journal for next time.
      await reporter.drain(undefined, 15_000);
      return "released";
    }
    const outcome = stop === "cancel" ? "cancelled" : "succeeded";
    reporter.add("finish", run.id, { runId: run.id, outcome });
    log.info({ outcome, lastEpoch: result.lastEpoch }, `Run ${outcome} after epoch ${result.lastEpoch}`);
  } catch (error) {
    terminal.clear();
    if (error instanceof AgentError && error.code === "TOKEN_REJECTED") throw error;
    if (reporter.fatal) throw tokenRejectedError();
    // a GPU fault makes later steps fail with vaguer errors: report the cause
    const info = toErrorInfo(opt.health?.fault() ?? error);
    log.error({ code: info.code }, `Run failed: ${info.message}`);
    reporter.add("fail", run.id, { runId: run.id, error: info });
  } finally {
    heartbeat.setRun(null);
  }
  await reporter.drain(shutdown.signal);
  return "finished";
}

/** hello at start-up: the server may not be up yet; retry (with backoff) until it answers. */
async function callWithRetry<T>(opt: AgentLoopOptions, what: string, call: () => Promise<T>): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (isTokenRejected(e)) throw tokenRejectedError(describeApiError(e));
      const status = httpStatusOf(e);
      if (e instanceof AgentError || (status >= 400 && status < 500)) {
        throw new AgentError("SERVER_REFUSED", `The server refused ${what}: ${describeApiError(e)}`, 1);
      }
      opt.terminal.idle(`Server unreachable (${describeApiError(e)}); retrying`);
      await sleep(backoffMs(attempt, 1_000, 30_000), opt.shutdown.signal);
      if (opt.shutdown.requested) return null;
    }
  }
}
