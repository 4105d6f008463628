import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildWorkerSource, parseWasmThreads } from "./wasm-threads";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

async function runCheck(threads: number): Promise<{ threads: number; hash: string; threadsNote?: string }> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", path.join(here, "wasm-threads-check.ts"), `${threads}`],
    {
      timeout: 60_000,
    },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("AI623_CHECK "));
  if (!line) throw new Error(`no result from the check script: ${stdout}`);
  return JSON.parse(line.slice("AI623_CHECK ".length));
}

describe("AI623_WASM_THREADS", () => {
  it("defaults to every core, takes a count or `all`, and refuses nonsense with a code", () => {
    expect(parseWasmThreads(undefined, 6)).toBe(6);
    expect(parseWasmThreads(" ", 6)).toBe(6);
    expect(parseWasmThreads("all", 6)).toBe(6);
    expect(parseWasmThreads("1", 6)).toBe(1);
    expect(parseWasmThreads("3", 6)).toBe(3);
    for (const bad of ["0", "-2", "1.5", "every"]) {
      expect(() => parseWasmThreads(bad, 6)).toThrow(expect.objectContaining({ code: "BAD_WASM_THREADS" }));
    }
  });
});

describe("wasm threads shim", () => {
  it("patches the installed worker script to import the threaded module by path", () => {
    const built = buildWorkerSource();
    if ("reason" in built) throw new Error(built.reason);
    expect(built.source).toContain(`importScripts(${JSON.stringify(built.mainJs)});`);
    expect(built.source).not.toContain("e.data.urlOrBlob");
    expect(readFileSync(built.mainJs, "utf8")).toContain("WasmBackendModuleThreadedSimd");
  });

  it("writes the worker file atomically when several agents start at once", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ai623-wasm-worker-"));
    const writer = `import { buildWorkerSource, writeWorkerFile } from ${JSON.stringify(path.join(here, "wasm-threads.ts"))};
const b = buildWorkerSource(); const files = new Set();
for (let i = 0; i < 20; i++) files.add(writeWorkerFile(process.argv[1], b.source));
console.log([...files].join("\\n"));`;
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", writer, dir], { timeout: 60_000 }),
      ),
    );
    const built = buildWorkerSource();
    if ("reason" in built) throw new Error(built.reason);
    const files = new Set(outs.flatMap((o) => o.stdout.trim().split("\n")));
    expect(files.size).toBe(1);
    expect(readFileSync([...files][0]!, "utf8")).toBe(built.source);
    expect(readdirSync(dir)).toEqual([path.basename([...files][0]!)]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("gives bit-identical forward and training-step results on 2 threads and on 1", async () => {
    const one = await runCheck(1);
    const two = await runCheck(2);
    expect(one.threads).toBe(1);
    expect(two).toEqual({ threads: 2, hash: one.hash });
  }, 120_000);
});
