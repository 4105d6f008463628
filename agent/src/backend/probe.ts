// Which TF.js backend runs here. Each candidate is tried in a child process first, because a native
// backend can crash the process (a missing symbol, an abort in libtensorflow) and that cannot be caught.
// Order: tensorflow-gpu (only when a GPU device is really created), webgpu (only on a hardware adapter,
// unless forced), tensorflow, wasm, cpu.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { type BackendId, backendIds, type GpuAdapter } from "@ai623/shared";
import { AgentError } from "../errors";
import { type BackendInit, type BackendInitOptions, initBackend, nativePackages, resolvePackage } from "./init";
import {
  describeAdapter,
  explainNoAdapter,
  formatAdapter,
  gatherVulkanFacts,
  type RawAdapter,
  resolveGpuMemoryBudget,
} from "./webgpu-adapter";

export interface ProbeResult {
  backend: BackendId;
  ok: boolean;
  /** why it was accepted or refused, for people and for the server */
  detail: string;
  /** webgpu: the adapter Dawn found (also when refused for being software) */
  adapter?: GpuAdapter;
  /** the error code when a forced backend is refused for this (default BACKEND_UNAVAILABLE) */
  code?: "BACKEND_MISSING" | "WEBGPU_NO_ADAPTER";
}

export interface ProbeOptions {
  timeoutMs?: number;
  /** webgpu: accept a software adapter (SwiftShader); only --backend webgpu does */
  allowSoftwareAdapter?: boolean;
  /** added to the child's environment */
  env?: Record<string, string>;
  /** --gpu-memory / AI623_GPU_MEMORY_MB, for the adapter's memory budget */
  gpuMemoryMb?: number | null;
}

export interface BackendChoice {
  backend: BackendId;
  reason: string;
  probes: ProbeResult[];
}

// Runs in the child: load the backend, run one conv, report what the backend says about itself. For
// webgpu it first asks Dawn for an adapter and reports it (the parent judges it: webgpu-adapter.ts).
// It exits explicitly: Dawn can keep Node alive.
const childScript = `
const env = process.env, kind = env.AI623_PROBE_KIND;
const util = (await import("node:util")).default;
util.isNullOrUndefined ??= (v) => v === null || v === undefined;
util.isArray ??= Array.isArray;
if (kind === "webgpu") {
  const { create, globals } = await import(env.AI623_PROBE_DAWN);
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) globalThis[k] = v;
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    console.log("AI623_PROBE_NO_ADAPTER");
    process.exit(0);
  }
  const i = adapter.info, l = adapter.limits;
  const raw = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    isFallbackAdapter: i.isFallbackAdapter === true, maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize };
  console.log("AI623_PROBE_ADAPTER " + JSON.stringify(raw));
  if (globalThis.navigator === undefined) globalThis.navigator = {};
  Object.defineProperty(globalThis.navigator, "gpu", { value: gpu, configurable: true });
}
const mod = await import(env.AI623_PROBE_ENTRY);
const tf = mod.default ?? mod;
if (kind === "wasm" || kind === "webgpu") {
  await import(env.AI623_PROBE_BACKEND);
  if (!(await tf.setBackend(kind))) throw new Error("setBackend('" + kind + "') returned false");
}
await tf.ready();
const y = tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, "same");
const v = await y.data();
if (v[4 * 9] !== 27) throw new Error("conv2d gave " + v[4 * 9] + ", expected 27");
console.log("AI623_PROBE " + JSON.stringify({ backend: tf.getBackend(), gpu: tf.backend().isUsingGpuDevice === true }));
process.exit(0);
`;

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runChild(env: Record<string, string | undefined>, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", childScript], {
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

const lastLine = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .at(-1) ?? "";

/** CUDA/cuDNN libraries libtensorflow 2.9 failed to dlopen, from its log. */
export function missingCudaLibraries(log: string): string[] {
  const found = [...log.matchAll(/Could not load dynamic library '([^']+)'/g)].map((m) => m[1]!);
  return [...new Set(found)];
}

/** Decides from a child's outcome whether `backend` is usable. */
export function judgeProbe(backend: BackendId, out: ChildOutcome): ProbeResult {
  if (out.timedOut) return { backend, ok: false, detail: "the probe did not finish in time" };
  const line = out.stdout.split("\n").find((l) => l.startsWith("AI623_PROBE "));
  if (out.code !== 0 || !line) {
    const how = out.signal ? `crashed (${out.signal})` : `failed (exit ${out.code})`;
    return { backend, ok: false, detail: `${how}: ${lastLine(out.stderr) || "no output"}` };
  }
  const seen = JSON.parse(line.slice("AI623_PROBE ".length)) as { backend: string; gpu: boolean };
  if (backend !== "tensorflow-gpu") return { backend, ok: true, detail: `${seen.backend} backend works` };
  const created = /Created device .*GPU:0/.test(out.stderr);
  if (seen.gpu && created) {
    const device = /Created device [^\n]*GPU:0[^\n]*/.exec(out.stderr)?.[0] ?? "GPU:0";
    return { backend, ok: true, detail: `TensorFlow created a GPU device (${device.trim()})` };
  }
  const missing = missingCudaLibraries(out.stderr);
  const why = missing.length
    ? `missing CUDA 11.2 / cuDNN 8.1 libraries: ${missing.join(", ")}`
    : "TensorFlow created no GPU device";
  return { backend, ok: false, detail: `loads but would run on the CPU (${why})` };
}

/** Judges a webgpu child: the adapter it found (software ones only when allowed), or why there was none. */
export function judgeWebGpuProbe(out: ChildOutcome, opt: ProbeOptions = {}, env: NodeJS.ProcessEnv = process.env) {
  const backend = "webgpu" as const;
  if (out.stdout.includes("AI623_PROBE_NO_ADAPTER")) {
    const facts = gatherVulkanFacts({ ...env, ...opt.env });
    const detail = `no WebGPU adapter: ${explainNoAdapter(facts, out.stderr)}`;
    return { backend, ok: false, detail, code: "WEBGPU_NO_ADAPTER" as const };
  }
  const line = out.stdout.split("\n").find((l) => l.startsWith("AI623_PROBE_ADAPTER "));
  if (!line) return judgeProbe(backend, out);
  const raw = JSON.parse(line.slice("AI623_PROBE_ADAPTER ".length)) as RawAdapter;
  const adapter = describeAdapter(raw, (software) =>
    resolveGpuMemoryBudget({ ...raw, software }, { settingMb: opt.gpuMemoryMb ?? null }),
  );
  const ran = judgeProbe(backend, out);
  if (!ran.ok) return { ...ran, detail: `${adapter.description}: ${ran.detail}`, adapter };
  if (adapter.software && !opt.allowSoftwareAdapter) {
    const detail = `only a software adapter (${adapter.description}), far slower than a GPU: pass --backend webgpu to use it`;
    return { backend, ok: false, detail, adapter };
  }
  return { backend, ok: true, detail: `WebGPU on ${formatAdapter(adapter)}`, adapter };
}

/** Tries one backend in a child process. cpu needs no probe: it is pure JavaScript. */
export async function probeBackend(backend: BackendId, opt: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opt.timeoutMs ?? 120_000;
  if (backend === "cpu") return { backend, ok: true, detail: "pure JavaScript, always available (slow)" };
  const tfjs = resolvePackage("@tensorflow/tfjs");
  if (backend === "wasm" || backend === "webgpu") {
    const pkg = backend === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-webgpu";
    const entry = resolvePackage(pkg);
    const dawn = backend === "webgpu" ? resolvePackage("webgpu") : tfjs;
    if (!tfjs || !entry || !dawn) {
      const missing = !tfjs || !entry ? pkg : "webgpu (Dawn)";
      return {
        backend,
        ok: false,
        detail: `${missing} is not installed: reinstall ai623-agent`,
        code: "BACKEND_MISSING",
      };
    }
    const env = {
      ...opt.env,
      AI623_PROBE_KIND: backend,
      AI623_PROBE_ENTRY: pathToFileURL(tfjs).href,
      AI623_PROBE_BACKEND: pathToFileURL(entry).href,
      AI623_PROBE_DAWN: pathToFileURL(dawn).href,
    };
    const out = await runChild(env, timeoutMs);
    return backend === "wasm" ? judgeProbe(backend, out) : judgeWebGpuProbe(out, opt);
  }
  const entry = resolvePackage(nativePackages[backend]);
  if (!entry)
    return { backend, ok: false, detail: `${nativePackages[backend]} is not installed`, code: "BACKEND_MISSING" };
  const env = { ...opt.env, AI623_PROBE_ENTRY: pathToFileURL(entry).href, AI623_PROBE_KIND: backend };
  return judgeProbe(backend, await runChild(env, timeoutMs));
}

/**
 * The best working backend, or the forced one (which must then work: never a silent fallback).
 * Does not initialise it; see selectBackend.
 */
export async function chooseBackend(forced?: BackendId, opt: ProbeOptions = {}): Promise<BackendChoice> {
  if (forced) {
    const probe = await probeBackend(forced, { ...opt, allowSoftwareAdapter: true });
    if (!probe.ok) {
      throw new AgentError(probe.code ?? "BACKEND_UNAVAILABLE", `--backend ${forced} cannot run here: ${probe.detail}`);
    }
    return { backend: forced, reason: `forced by --backend: ${probe.detail}`, probes: [probe] };
  }
  const probes: ProbeResult[] = [];
  for (const backend of backendIds) {
    const probe = await probeBackend(backend, { ...opt, allowSoftwareAdapter: false });
    probes.push(probe);
    if (probe.ok) {
      const refused = probes.filter((p) => !p.ok).map((p) => `${p.backend}: ${p.detail}`);
      const reason = refused.length ? `${probe.detail}; skipped ${refused.join("; ")}` : probe.detail;
      return { backend, reason, probes };
    }
  }
  throw new AgentError("NO_BACKEND", "No TF.js backend works here");
}

/** Chooses, then initialises the backend in this process. Returns what to print and report. */
export async function selectBackend(
  forced?: BackendId,
  opt: ProbeOptions & BackendInitOptions = {},
): Promise<BackendChoice & BackendInit> {
  const choice = await chooseBackend(forced, opt);
  return { ...choice, ...(await initBackend(choice.backend, opt)) };
}
