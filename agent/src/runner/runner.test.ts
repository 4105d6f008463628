import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { classifyDeliveryError, trpcEndpoint } from "../api/client";
import { resolveRunOptions } from "../commands/run";
import { AgentError } from "../errors";
import { toErrorInfo } from "./agent-loop";
import { lockCacheDir } from "./cache-lock";
import { backoffMs, sleep } from "./shutdown";
import { createTerminal } from "./terminal";

const httpError = (status: number) =>
  new TRPCClientError("refused", { result: { error: { data: { httpStatus: status } } } as never });

describe("resolveRunOptions", () => {
  it("takes flags over AI623_* variables and fills defaults", () => {
    const env = {
      AI623_SERVER: "http://env:3000",
      AI623_TOKEN: "t-env",
      AI623_BACKEND: "cpu",
      AI623_CACHE_DIR: "/tmp/c",
    };
    const o = resolveRunOptions({ token: "t-flag" }, env);
    expect(o).toMatchObject({ server: "http://env:3000", token: "t-flag", backend: "cpu", cacheDir: "/tmp/c" });
    expect(o).toMatchObject({ maxRuns: null, logFormat: "pretty", checkpointEvery: 1 });
    expect(resolveRunOptions({ once: true, maxRuns: "5" }, env).maxRuns).toBe(1);
    expect(resolveRunOptions({ maxRuns: "5" }, env).maxRuns).toBe(5);
    expect(resolveRunOptions({}, env).gpuMemoryMb).toBeNull();
    const gpu = resolveRunOptions({ backend: "webgpu" }, { ...env, AI623_GPU_MEMORY_MB: "6000" });
    expect(gpu).toMatchObject({ backend: "webgpu", gpuMemoryMb: 6000 });
    expect(resolveRunOptions({ gpuMemory: "8000" }, { ...env, AI623_GPU_MEMORY_MB: "6000" }).gpuMemoryMb).toBe(8000);
  });
  it("names the missing or bad option", () => {
    expect(() => resolveRunOptions({}, {})).toThrow(/--server URL or set AI623_SERVER/);
    expect(() => resolveRunOptions({ server: "http://x" }, {})).toThrow(/--token T or set AI623_TOKEN/);
    const base = { server: "http://x", token: "t" };
    expect(() => resolveRunOptions({ ...base, backend: "gpu" }, {})).toThrow(/auto, tensorflow-gpu/);
    expect(() => resolveRunOptions({ ...base, maxRuns: "0" }, {})).toThrow(/--max-runs must be a whole number/);
    expect(() => resolveRunOptions({ ...base, logFormat: "xml" }, {})).toThrow(/pretty or json/);
    expect(() => resolveRunOptions({ ...base, gpuMemory: "8 GB" }, {})).toThrow(/--gpu-memory must be a whole number/);
  });
});

describe("trpcEndpoint", () => {
  it("appends /api/trpc under any base path and refuses non-http URLs", () => {
    expect(trpcEndpoint("https://ai623.example.org/")).toBe("https://ai623.example.org/api/trpc");
    expect(trpcEndpoint("http://h:3000/lab")).toBe("http://h:3000/lab/api/trpc");
    expect(() => trpcEndpoint("ftp://h")).toThrow(AgentError);
    expect(() => trpcEndpoint("not a url")).toThrow(/is not a URL/);
  });
});

describe("classifyDeliveryError", () => {
  it("stops on 401, drops other refusals and local schema errors, retries outages and 5xx", () => {
    expect(classifyDeliveryError(httpError(401))).toBe("fatal");
    expect(classifyDeliveryError(httpError(409))).toBe("drop");
    expect(classifyDeliveryError(httpError(400))).toBe("drop");
    expect(classifyDeliveryError(httpError(429))).toBe("retry");
    expect(classifyDeliveryError(httpError(503))).toBe("retry");
    expect(classifyDeliveryError(new TRPCClientError("fetch failed"))).toBe("retry");
    expect(classifyDeliveryError(new Error("invalid input"))).toBe("drop");
  });
});

describe("toErrorInfo", () => {
  it("keeps an AgentError's code and makes anything else INTERNAL", () => {
    expect(toErrorInfo(new AgentError("WEIGHTS_MISMATCH", "bad weights"))).toEqual({
      code: "WEIGHTS_MISMATCH",
      message: "bad weights",
    });
    expect(toErrorInfo(new RangeError("out of memory"))).toEqual({ code: "INTERNAL", message: "out of memory" });
    expect(toErrorInfo("thrown string")).toEqual({ code: "INTERNAL", message: "thrown string" });
    expect(() => new AgentError("bad code!", "x")).toThrow(/UPPER_SNAKE_CASE/);
    expect(toErrorInfo(new Error("")).message).toBe("Error");
  });
});

describe("backoffMs and sleep", () => {
  it("doubles up to the cap with jitter in the upper half", () => {
    expect(backoffMs(0, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffMs(0, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(8000);
    expect(backoffMs(50, 1000, 30_000, () => 0.5)).toBe(22_500);
  });
  it("wakes early when aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("createTerminal", () => {
  it("prints readable lines in pretty mode, bindings included", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const t = createTerminal("pretty", { tty: false, stream: out });
    t.log.child({ runId: "r1", agentId: "hidden" }).info({ epoch: 2 }, "Epoch 2 done");
    t.idle("Waiting for a queued run");
    t.idle("Waiting for a queued run");
    expect(text).toMatch(/^\d\d:\d\d:\d\d info {2}Epoch 2 done {2}runId=r1 epoch=2\n/);
    expect(text).not.toContain("hidden");
    // the idle line is printed once, not at every poll
    expect(text.match(/Waiting for a queued run/g)).toHaveLength(1);
  });
});

describe("lockCacheDir", () => {
  it("admits one agent per cache, takes over a dead owner's lock and releases", () => {
    const dir = mkdtempSync(join(tmpdir(), "ai623-lock-"));
    const release = lockCacheDir(dir);
    // a live other process holds it: refused, naming the pid
    const other = spawnSync(process.execPath, ["-e", "setTimeout(() => {}, 0)"]);
    expect(other.status).toBe(0);
    writeFileSync(join(dir, "agent.lock"), `${process.ppid}\n`);
    expect(() => lockCacheDir(dir)).toThrow(/Another agent \(pid \d+\) is using the cache/);
    // the owner died (kill -9): taken over
    writeFileSync(join(dir, "agent.lock"), `${other.pid}\n`);
    const again = lockCacheDir(dir);
    again();
    release();
    lockCacheDir(dir)();
  });
});
