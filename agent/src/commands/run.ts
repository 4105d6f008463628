// `ai623-agent [run]`: resolve options (flags > AI623_* environment), pick the backend, then hand over
// to the agent loop until --max-runs, a signal or a revoked token.
import os from "node:os";
import { backendIds } from "@ai623/shared";
import { z } from "zod";
import { createAgentApi } from "../api/client";
import { releaseBackend } from "../backend/init";
import { selectBackend } from "../backend/probe";
import { recoverWebGpu, webGpuFault } from "../backend/webgpu";
import { AgentError } from "../errors";
import { type BackendHealth, type BackendInfo, runAgentLoop } from "../runner/agent-loop";
import { lockCacheDir } from "../runner/cache-lock";
import { watchShutdown } from "../runner/shutdown";
import { createTerminal, type LogFormat } from "../runner/terminal";
import type { ModelOverrides } from "../train/train-run";
import { resolveCacheDir } from "../util/cache-dir";
import { agentVersion } from "../version";

export const backendChoices = ["auto", ...backendIds] as const;

export interface RunOptions {
  server?: string;
  token?: string;
  name?: string;
  backend?: string;
  cacheDir?: string;
  dataDir?: string;
  once?: boolean;
  maxRuns?: string;
  logFormat?: string;
  checkpointEvery?: string;
  gpuMemory?: string;
}

export interface ResolvedRunOptions {
  server: string;
  token: string;
  name: string;
  backend: (typeof backendChoices)[number];
  cacheDir: string;
  dataDir?: string;
  maxRuns: number | null;
  logFormat: LogFormat;
  checkpointEvery: number;
  /** webgpu's GPU memory budget in MB; null = from the adapter (see webgpu-adapter.ts) */
  gpuMemoryMb: number | null;
}

const wholeNumber = (flag: string, value: string, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new AgentError("INVALID_ARGUMENT", `${flag} must be a whole number ≥ ${min}, got "${value}"`, 2);
  }
  return n;
};

/** Flags win over the environment; missing required values are one clear error. */
export function resolveRunOptions(o: RunOptions, env: NodeJS.ProcessEnv = process.env): ResolvedRunOptions {
  const server = o.server ?? env.AI623_SERVER;
  const token = o.token ?? env.AI623_TOKEN;
  if (!server) throw new AgentError("MISSING_SERVER", "No server: pass --server URL or set AI623_SERVER", 2);
  if (!token) {
    throw new AgentError(
      "MISSING_TOKEN",
      "No token: pass --token T or set AI623_TOKEN (create one on the Agents page)",
      2,
    );
  }
  const backend = o.backend ?? env.AI623_BACKEND ?? "auto";
  if (!(backendChoices as readonly string[]).includes(backend)) {
    throw new AgentError(
      "INVALID_ARGUMENT",
      `--backend must be one of ${backendChoices.join(", ")}, got "${backend}"`,
      2,
    );
  }
  const logFormat = o.logFormat ?? env.AI623_LOG_FORMAT ?? "pretty";
  if (logFormat !== "pretty" && logFormat !== "json") {
    throw new AgentError("INVALID_ARGUMENT", `--log-format must be pretty or json, got "${logFormat}"`, 2);
  }
  const maxRunsRaw = o.maxRuns ?? env.AI623_MAX_RUNS;
  const maxRuns = o.once ? 1 : maxRunsRaw ? wholeNumber("--max-runs", maxRunsRaw, 1) : null;
  const dataDir = o.dataDir ?? env.AI623_AGENT_DATA_DIR;
  const gpuMemory = o.gpuMemory ?? env.AI623_GPU_MEMORY_MB;
  return {
    server,
    token,
    name: o.name ?? env.AI623_NAME ?? os.hostname(),
    backend: backend as ResolvedRunOptions["backend"],
    cacheDir: resolveCacheDir({ ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), env }),
    ...(dataDir ? { dataDir } : {}),
    maxRuns,
    logFormat,
    checkpointEvery: wholeNumber("--checkpoint-every", o.checkpointEvery ?? env.AI623_CHECKPOINT_EVERY ?? "1", 0),
    gpuMemoryMb: gpuMemory ? wholeNumber("--gpu-memory", gpuMemory, 1) : null,
  };
}

// Test-only: the same code at a tiny size (tests run the real CLI in a child process). Never documented
// for users; a bad value is an error rather than silently ignored.
const testOverridesSchema = z
  .object({
    blocks: z.array(z.number().int().min(1)).length(4).optional(),
    widths: z.array(z.number().int().min(1)).length(4).optional(),
    synthetic: z
      .object({ train: z.number().int(), test: z.number().int(), seed: z.number().int() })
      .partial()
      .optional(),
    idleMinMs: z.number().int().min(1).optional(),
    idleMaxMs: z.number().int().min(1).optional(),
  })
  .strict();

function readTestOverrides(env: NodeJS.ProcessEnv) {
  const raw = env.AI623_TEST_OVERRIDES;
  if (!raw) return null;
  const parsed = testOverridesSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new AgentError("INVALID_ARGUMENT", `AI623_TEST_OVERRIDES: ${parsed.error.message}`, 2);
  return parsed.data;
}

export async function runAgentCommand(o: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const opts = resolveRunOptions(o, env);
  const test = readTestOverrides(env);
  const unlock = lockCacheDir(opts.cacheDir);
  const terminal = createTerminal(opts.logFormat);
  const log = terminal.log.child({ agent: opts.name });
  const shutdown = watchShutdown(
    (sig) =>
      log.warn(`${sig}: finishing the current step, then checkpointing and handing the run back (again to quit now)`),
    (sig) => {
      log.warn(`${sig} again: exiting now`);
      process.exit(130);
    },
  );
  try {
    const choice = await selectBackend(opts.backend === "auto" ? undefined : opts.backend, {
      gpuMemoryMb: opts.gpuMemoryMb,
    });
    const cpus = os.cpus();
    // what the backend really uses: XNNPACK's pool for wasm (AI623_WASM_THREADS), 1 for cpu and webgpu
    const threads = choice.threads;
    if (choice.threadsNote) log.warn({ threads }, choice.threadsNote);
    const adapter = choice.adapter ?? null;
    const onThreads = `${threads} thread${threads > 1 ? "s" : ""}`;
    const backend: BackendInfo = {
      id: choice.backend,
      reason: choice.reason,
      gpu: choice.backend === "tensorflow-gpu" || (adapter !== null && !adapter.software),
      device: (adapter
        ? adapter.description
        : `${choice.backend === "tensorflow-gpu" ? "GPU" : (cpus[0]?.model.trim() ?? "CPU")} (${onThreads})`
      ).slice(0, 200),
      threads,
      adapter,
    };
    log.info(
      { backend: backend.id, threads, ...(adapter ? { adapter } : {}) },
      `Backend ${backend.id} on ${adapter ? adapter.description : onThreads}: ${choice.reason}`,
    );
    // webgpu: a lost device or a GPU error fails the run, then the device is re-created for the next
    const health: BackendHealth | undefined =
      choice.backend === "webgpu" ? { fault: webGpuFault, recover: recoverWebGpu } : undefined;
    log.info({ cacheDir: opts.cacheDir, server: opts.server }, `Agent ${agentVersion}, cache ${opts.cacheDir}`);
    const overrides: ModelOverrides | undefined = test
      ? {
          ...(test.blocks ? { blocks: test.blocks } : {}),
          ...(test.widths ? { widths: test.widths } : {}),
          ...(test.synthetic ? { synthetic: test.synthetic } : {}),
        }
      : undefined;
    const result = await runAgentLoop({
      api: createAgentApi({ server: opts.server, token: opts.token }),
      server: opts.server,
      token: opts.token,
      host: {
        hostname: os.hostname().slice(0, 200) || "unknown",
        os: `${os.type()} ${os.release()} ${os.arch()}`.slice(0, 200),
        cpu: (cpus[0]?.model.trim() || "unknown").slice(0, 200),
        cpuCount: Math.max(1, cpus.length),
        memoryMb: Math.round(os.totalmem() / 2 ** 20),
        agentVersion,
      },
      backend,
      cacheDir: opts.cacheDir,
      gpuMemoryMb: opts.gpuMemoryMb,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      maxRuns: opts.maxRuns,
      checkpointEvery: opts.checkpointEvery,
      ...(test?.idleMinMs && test.idleMaxMs ? { idle: { minMs: test.idleMinMs, maxMs: test.idleMaxMs } } : {}),
      ...(overrides ? { overrides } : {}),
      ...(health ? { health } : {}),
      terminal,
      shutdown,
    });
    log.info({ runs: result.runs }, `Stopping (${result.stoppedBy}) after ${result.runs} run(s)`);
    return 0;
  } catch (e) {
    // In pretty mode the CLI prints the error itself; a log collector needs it as a JSON line.
    if (e instanceof AgentError && opts.logFormat === "json") log.error({ code: e.code }, e.message);
    throw e;
  } finally {
    shutdown.dispose();
    unlock();
    await releaseBackend();
  }
}
