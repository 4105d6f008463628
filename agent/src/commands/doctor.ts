// `ai623-agent doctor`: can this machine run the agent? Backends (each probed in a child process),
// memory, the cache folder, and, given --server/--token, whether the server answers and takes the token.
import { access, constants, mkdir, statfs } from "node:fs/promises";
import os from "node:os";
import { type BackendId, backendIds, type GpuAdapter, parseRunConfig, presets } from "@ai623/shared";
import { createAgentApi, describeApiError, httpStatusOf } from "../api/client";
import { probeBackend } from "../backend/probe";
import { AgentError } from "../errors";
import { memoryBudgetFor } from "../train/memory-plan";
import { planRunMemory } from "../train/train-run";
import { resolveCacheDir } from "../util/cache-dir";
import { agentVersion } from "../version";

export interface DoctorOptions {
  server?: string;
  token?: string;
  cacheDir?: string;
  /** Skip the backend probes (seconds each); for a quick server check. */
  skipBackends?: boolean;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** not required here (a native backend); shown, never a failure */
  optional?: boolean;
  detail: string;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export async function collectDoctorChecks(o: DoctorOptions, env: NodeJS.ProcessEnv = process.env) {
  const checks: DoctorCheck[] = [];
  checks.push({ name: "agent", ok: true, detail: `ai623-agent ${agentVersion}, Node ${process.versions.node}` });
  if (!o.skipBackends) {
    const gpuMemoryMb = Number(env.AI623_GPU_MEMORY_MB) || null;
    let chosen: { backend: BackendId; adapter: GpuAdapter | null } | null = null;
    for (const backend of backendIds) {
      // webgpu: show a software adapter too (what --backend webgpu would use), marked as such
      const probe = await probeBackend(backend, { allowSoftwareAdapter: true, gpuMemoryMb });
      // Only the portable backends must work; native ones are optional extras.
      const required = backend === "wasm" || backend === "cpu";
      const software = probe.ok && probe.adapter?.software ? " (automatic choice skips a software adapter)" : "";
      checks.push({
        name: `backend ${backend}`,
        ok: probe.ok || !required,
        ...(required ? {} : { optional: true }),
        detail: `${probe.ok ? "works" : `unavailable${required ? "" : " (optional)"}`}: ${probe.detail}${software}`,
      });
      if (probe.ok && !software && !chosen) chosen = { backend, adapter: probe.adapter ?? null };
    }
    if (chosen) checks.push(presetMemoryCheck(chosen.backend, chosen.adapter, gpuMemoryMb, env));
  }
  const free = os.freemem();
  checks.push({
    name: "memory",
    // A ResNet-152 training step at 224 px holds ≈3.5 GB.
    ok: os.totalmem() >= 4 * 2 ** 30,
    detail: `${gib(os.totalmem())} total, ${gib(free)} free; ResNet-152 training needs ≈4 GiB`,
  });
  const cacheDir = resolveCacheDir({ ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), env });
  try {
    await mkdir(cacheDir, { recursive: true });
    await access(cacheDir, constants.W_OK);
    const fs = await statfs(cacheDir);
    const avail = fs.bavail * fs.bsize;
    checks.push({
      name: "cache",
      ok: avail > 2 * 2 ** 30,
      detail: `${cacheDir} writable, ${gib(avail)} free (datasets + weights need ≈1 GiB)`,
    });
  } catch (e) {
    checks.push({ name: "cache", ok: false, detail: `${cacheDir}: ${(e as Error).message}; pass --cache-dir` });
  }
  const server = o.server ?? env.AI623_SERVER;
  const token = o.token ?? env.AI623_TOKEN;
  if (!server) {
    checks.push({ name: "server", ok: true, detail: "not checked (pass --server and --token to check them)" });
  } else {
    try {
      // heartbeat with no run is the cheapest authenticated call and changes nothing but last-seen.
      await createAgentApi({ server, token: token ?? "", timeoutMs: 10_000 }).heartbeat({ runId: null });
      checks.push({ name: "server", ok: true, detail: `${server} answers` });
      checks.push({ name: "token", ok: true, detail: "accepted" });
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === 0) {
        checks.push({ name: "server", ok: false, detail: `${server} unreachable: ${describeApiError(e)}` });
      } else {
        checks.push({ name: "server", ok: true, detail: `${server} answers` });
        checks.push({
          name: "token",
          ok: false,
          detail:
            status === 401
              ? `${token ? "rejected (revoked or unknown)" : "missing: pass --token"}: create one on the Agents page`
              : describeApiError(e),
        });
      }
    }
  }
  return checks;
}

export async function runDoctor(o: DoctorOptions, print: (line: string) => void = console.log): Promise<number> {
  const checks = await collectDoctorChecks(o);
  for (const c of checks) {
    const mark = !c.ok ? "✗" : c.optional && c.detail.startsWith("unavailable") ? "-" : "✓";
    print(`${mark} ${c.name.padEnd(16)} ${c.detail}`);
  }
  const failed = checks.filter((c) => !c.ok);
  print(failed.length ? `${failed.length} problem(s) found` : "All checks passed");
  return failed.length ? 1 : 0;
}

/** How the study's eight presets (224 px, batch 128) fit the backend `auto` would choose. */
export function presetMemoryCheck(
  backend: BackendId,
  adapter: GpuAdapter | null,
  gpuMemoryMb: number | null,
  env: NodeJS.ProcessEnv,
): DoctorCheck {
  const budget = memoryBudgetFor(backend, { adapter, gpuMemoryMb, env });
  const groups = new Map<string, string[]>();
  let refused = 0;
  for (const preset of presets) {
    let how: string;
    try {
      const plan = planRunMemory(parseRunConfig(preset.config), budget);
      how =
        plan.microBatches === 1
          ? `batch ${plan.batchSize} at once${plan.recompute ? ", recomputed" : ""}`
          : `${plan.microBatches} micro-batches of ≤ ${plan.microBatchSize}${plan.recompute ? ", recomputed" : ""}${plan.batchStatistics ? " (BatchNorm sees micro-batches)" : ""}`;
    } catch (e) {
      if (!(e instanceof AgentError)) throw e;
      refused++;
      how = `does not fit (${e.code})`;
    }
    groups.set(how, [...(groups.get(how) ?? []), preset.id]);
  }
  const parts = [...groups].map(([how, ids]) => `${ids.join(", ")}: ${how}`);
  return {
    name: "study presets",
    ok: refused === 0,
    detail: `on ${backend}, within ${Math.round(budget.limitMb)} MB (${budget.source}): ${parts.join("; ")}`,
  };
}
