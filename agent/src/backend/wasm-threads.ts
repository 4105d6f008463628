// Real pthreads for @tensorflow/tfjs-backend-wasm 4.22 under Node, without editing node_modules.
// Out of the box tfjs turns threads off in Node: it hands Emscripten the pthread worker script as a
// blob: URL (Node's Worker refuses those, ERR_WORKER_PATH) and the factory source as a Blob that each
// worker would importScripts(). The shim writes the worker script to a real .cjs file whose 'load'
// handler imports the package's own threaded-simd.js by path, and makes URL.createObjectURL return
// that file for the worker Blob. Everything else (shared memory, Atomics, worker_threads) is stock
// Emscripten. Results are bit-identical to one thread (see wasm-threads.test.ts).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { AgentError } from "../errors";

// The worker's import of the factory, which only works in a browser. Replaced by an import by path.
const workerImportNeedle =
  /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{var objectUrl=URL\.createObjectURL\(e\.data\.urlOrBlob\);importScripts\(objectUrl\);URL\.revokeObjectURL\(objectUrl\)\}/;

/**
 * Threads wanted from AI623_WASM_THREADS: unset or empty = every core, `all` = every core, N = N
 * (1 = off). Every core by default: with the XNNPACK-based gradient kernels (wasm-conv-*.ts) two
 * threads beat one on every row of `npm run bench:train` on the 2-core machines we measured; the
 * remaining single-threaded work (tfjs's transposes, Adam's elementwise ops) caps the gain.
 */
export function parseWasmThreads(value: string | undefined, cores = os.availableParallelism()): number {
  if (value === undefined || value.trim() === "") return cores;
  if (value.trim() === "all") return cores;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new AgentError(
      "BAD_WASM_THREADS",
      `AI623_WASM_THREADS="${value}" is not a thread count; use a whole number from 1 (off) to 256, or "all" for every core (${cores})`,
    );
  }
  return n;
}

export interface WasmThreadsSetup {
  workerFile: string;
  threads: number;
  /** Undo the core-count report; call once the backend is initialised. */
  restore: () => void;
}

/** The patched worker source for the installed package, or a reason why it cannot be patched. */
export function buildWorkerSource(): { source: string; mainJs: string } | { reason: string } {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  } catch {
    return { reason: "@tensorflow/tfjs-backend-wasm is not installed" };
  }
  const mainJs = path.join(pkgDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.js");
  const workerJs = path.join(pkgDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.worker.js");
  let contents: unknown;
  try {
    contents = (require(workerJs) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  } catch (e) {
    return { reason: `cannot load ${workerJs}: ${(e as Error).message}` };
  }
  if (typeof contents !== "string") return { reason: `${workerJs} no longer exports wasmWorkerContents` };
  if (!workerImportNeedle.test(contents)) {
    return { reason: "the tfjs-backend-wasm worker script changed (the shim's needle no longer matches)" };
  }
  // The same escaping tfjs applies before making its Blob: the template literal holds raw newlines.
  const source = contents
    .replace(/\n/g, "\\n")
    .replace(workerImportNeedle, `importScripts(${JSON.stringify(mainJs)});`);
  return { source, mainJs };
}

/**
 * Writes `source` as `dir`/tfjs-wasm-worker-<hash>.cjs, atomically: other agents may be starting
 * workers from the same file, so it is written under a unique name and renamed into place. The name
 * carries a hash of the content, so two installs never overwrite each other's file.
 */
export function writeWorkerFile(dir: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const file = path.join(dir, `tfjs-wasm-worker-${hash}.cjs`);
  try {
    if (readFileSync(file, "utf8") === source) return file;
  } catch {
    // not written yet
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, source);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

let patchedWorkerFile: string | null = null;

/**
 * Prepares the wasm backend for `threads` threads. Call before tf.setBackend("wasm"), then restore()
 * after tf.ready(). Returns a reason string instead when threads cannot be enabled (the caller stays
 * single-threaded and logs it).
 */
export function enableWasmThreads(
  tf: { env(): { set(flag: string, value: unknown): void } },
  setThreadsCount: (n: number) => void,
  threads: number,
  dir = path.join(os.tmpdir(), "ai623-wasm-threads"),
): WasmThreadsSetup | { reason: string } {
  const built = buildWorkerSource();
  if ("reason" in built) return built;
  let workerFile: string;
  try {
    workerFile = writeWorkerFile(dir, built.source);
  } catch (e) {
    return { reason: `cannot write the worker script to ${dir}: ${(e as Error).message}` };
  }
  if (patchedWorkerFile === null) {
    const original = URL.createObjectURL.bind(URL);
    // Emscripten asks locateFile for the worker script each time it starts a worker; tfjs turns it
    // into the only application/javascript Blob it makes on the main thread.
    URL.createObjectURL = (obj: Blob) =>
      obj && (obj as { type?: string }).type === "application/javascript" && patchedWorkerFile
        ? patchedWorkerFile
        : original(obj);
  }
  patchedWorkerFile = workerFile;
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  // backend.cc caps the XNNPACK pool at emscripten_num_logical_cores()/2 (it assumes SMT): 1 thread
  // on a 2-vCPU box whatever setThreadsCount says. In Node that is os.cpus().length, read once while
  // the module is instantiated, so report 2× the wanted count until the backend is up.
  const originalCpus = os.cpus;
  os.cpus = () => {
    const c = originalCpus.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]!);
  };
  return {
    workerFile,
    threads,
    restore: () => {
      os.cpus = originalCpus;
    },
  };
}
