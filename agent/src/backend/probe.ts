// Which TF.js backend runs here. Each candidate is tried in a child process first, because a native
// backend can crash the process (a missing symbol, an abort in libtensorflow) and that cannot be caught.
// Order: tensorflow-gpu (only when a GPU device is really created), tensorflow, wasm, cpu.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { type BackendId, backendIds } from "@ai623/shared";
import { AgentError } from "../errors";
import { type BackendInit, initBackend, nativePackages, resolvePackage } from "./init";

export interface ProbeResult {
  backend: BackendId;
  ok: boolean;
  /** why it was accepted or refused, for people and for the server */
  detail: string;
}

export interface BackendChoice {
  backend: BackendId;
  reason: string;
  probes: ProbeResult[];
}

// Runs in the child: load the backend, run one conv, report what the backend says about itself.
const childScript = `
const entry = process.env.AI623_PROBE_ENTRY, kind = process.env.AI623_PROBE_KIND;
const util = (await import("node:util")).default;
util.isNullOrUndefined ??= (v) => v === null || v === undefined;
util.isArray ??= Array.isArray;
const mod = await import(entry);
const tf = mod.default ?? mod;
if (kind === "wasm") {
  await import(process.env.AI623_PROBE_WASM);
  if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') returned false");
}
await tf.ready();
const y = tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, "same");
const v = await y.data();
if (v[4 * 9] !== 27) throw new Error("conv2d gave " + v[4 * 9] + ", expected 27");
console.log("AI623_PROBE " + JSON.stringify({ backend: tf.getBackend(), gpu: tf.backend().isUsingGpuDevice === true }));
`;

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runChild(env: Record<string, string>, timeoutMs: number): Promise<ChildOutcome> {
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

/** Tries one backend in a child process. cpu needs no probe: it is pure JavaScript. */
export async function probeBackend(backend: BackendId, timeoutMs = 120_000): Promise<ProbeResult> {
  if (backend === "cpu") return { backend, ok: true, detail: "pure JavaScript, always available (slow)" };
  const tfjs = resolvePackage("@tensorflow/tfjs");
  if (backend === "wasm") {
    const wasm = resolvePackage("@tensorflow/tfjs-backend-wasm");
    if (!tfjs || !wasm) return { backend, ok: false, detail: "@tensorflow/tfjs-backend-wasm is not installed" };
    const env = { AI623_PROBE_ENTRY: pathToFileURL(tfjs).href, AI623_PROBE_WASM: pathToFileURL(wasm).href };
    return judgeProbe(backend, await runChild({ ...env, AI623_PROBE_KIND: backend }, timeoutMs));
  }
  const entry = resolvePackage(nativePackages[backend]);
  if (!entry) return { backend, ok: false, detail: `${nativePackages[backend]} is not installed` };
  return judgeProbe(
    backend,
    await runChild({ AI623_PROBE_ENTRY: pathToFileURL(entry).href, AI623_PROBE_KIND: backend }, timeoutMs),
  );
}

/**
 * The best working backend, or the forced one (which must then work: never a silent fallback).
 * Does not initialise it; see selectBackend.
 */
export async function chooseBackend(forced?: BackendId): Promise<BackendChoice> {
  if (forced) {
    const probe = await probeBackend(forced);
    if (!probe.ok) {
      throw new AgentError("BACKEND_UNAVAILABLE", `--backend ${forced} cannot run here: ${probe.detail}`);
    }
    return { backend: forced, reason: `forced by --backend: ${probe.detail}`, probes: [probe] };
  }
  const probes: ProbeResult[] = [];
  for (const backend of backendIds) {
    const probe = await probeBackend(backend);
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
export async function selectBackend(forced?: BackendId): Promise<BackendChoice & BackendInit> {
  const choice = await chooseBackend(forced);
  return { ...choice, ...(await initBackend(choice.backend)) };
}
