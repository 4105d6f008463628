import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentError } from "../errors";
import { downloadFile } from "./download";

const payload = randomBytes(300_000);
const md5 = createHash("md5").update(payload).digest("hex");
const sha256 = createHash("sha256").update(payload).digest("hex");

interface ServeOptions {
  range: boolean;
  /** Requests (by index) that send only this many bytes and then drop the connection. */
  cutAt?: Record<number, number>;
}

interface TestServer {
  url: string;
  requests: (string | undefined)[];
  bytesSent: number;
  close(): Promise<void>;
}

async function serve(opts: ServeOptions): Promise<TestServer> {
  const state = { requests: [] as (string | undefined)[], bytesSent: 0 };
  const server: Server = createServer((req, res) => {
    const index = state.requests.length;
    state.requests.push(req.headers.range);
    if (req.url === "/missing") {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (opts.range && m?.[1]) {
      start = Number(m[1]);
      if (start >= payload.length) {
        res.writeHead(416, { "Content-Range": `bytes */${payload.length}` }).end();
        return;
      }
      res.writeHead(206, {
        "Content-Length": payload.length - start,
        "Content-Range": `bytes ${start}-${payload.length - 1}/${payload.length}`,
      });
    } else {
      res.writeHead(200, { "Content-Length": payload.length });
    }
    const body = payload.subarray(start);
    const cut = opts.cutAt?.[index];
    if (cut !== undefined) {
      state.bytesSent += cut;
      // Let the client receive what was sent before the connection drops.
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 30));
      return;
    }
    state.bytesSent += body.length;
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/file.bin`,
    get requests() {
      return state.requests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

let dir: string;
const servers: TestServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ai623-dl-"));
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(opts: ServeOptions): Promise<TestServer> {
  const s = await serve(opts);
  servers.push(s);
  return s;
}

const quiet = { progress: "none" as const, label: "test file" };

describe("downloadFile", () => {
  it("downloads and verifies md5, sha256 and size", async () => {
    const s = await start({ range: true });
    const dest = join(dir, "sub", "file.bin");
    const res = await downloadFile({ ...quiet, url: s.url, dest, expected: { md5, sha256, bytes: payload.length } });
    expect(res).toMatchObject({ downloaded: true, md5, sha256, bytes: payload.length });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    const again = await downloadFile({ ...quiet, url: s.url, dest, expected: { md5 } });
    expect(again.downloaded).toBe(false);
    expect(s.requests).toHaveLength(1);
  });

  it("resumes an interrupted transfer with a Range request", async () => {
    const s = await start({ range: true, cutAt: { 0: 120_000 } });
    const dest = join(dir, "file.bin");
    const lines: string[] = [];
    await downloadFile({ ...quiet, progress: "log", log: (m) => lines.push(m), url: s.url, dest, expected: { md5 } });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    // What reached the disk before the cut is what gets resumed: at most the bytes sent.
    expect(s.requests).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(s.requests[1] ?? "")?.[1]);
    expect(resumedAt).toBe(120_000);
    expect(s.bytesSent).toBe(120_000 + payload.length - resumedAt);
    expect(lines.some((l) => l.includes("interrupted"))).toBe(true);
  });

  it("resumes a partial file left by an earlier run", async () => {
    const s = await start({ range: true });
    const dest = join(dir, "file.bin");
    writeFileSync(`${dest}.partial`, payload.subarray(0, 50_000));
    await downloadFile({ ...quiet, url: s.url, dest, expected: { sha256 } });
    expect(s.requests).toEqual(["bytes=50000-"]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it("starts over when the server ignores Range", async () => {
    const s = await start({ range: false, cutAt: { 0: 100_000 } });
    const dest = join(dir, "file.bin");
    // Garbage in the partial must be overwritten, not appended to, when the answer is a 200.
    writeFileSync(`${dest}.partial`, randomBytes(70_000));
    await downloadFile({ ...quiet, log: () => {}, url: s.url, dest, expected: { md5, bytes: payload.length } });
    expect(s.requests).toHaveLength(2);
    expect(s.requests[0]).toBe("bytes=70000-");
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it("rejects a corrupt download with CHECKSUM_MISMATCH and leaves no file behind", async () => {
    const s = await start({ range: true });
    const dest = join(dir, "file.bin");
    const err = await downloadFile({ ...quiet, url: s.url, dest, expected: { md5: "0".repeat(32) } }).catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe("CHECKSUM_MISMATCH");
    expect(err.message).toContain(`${dest}.partial`);
    expect(() => readFileSync(dest)).toThrow();
    expect(() => readFileSync(`${dest}.partial`)).toThrow();
  });

  it("rejects a placed file that does not match, naming it and the fix", async () => {
    const dest = join(dir, "file.bin");
    writeFileSync(dest, payload.subarray(1));
    const err = await downloadFile({ ...quiet, url: "http://127.0.0.1:9/x", dest, expected: { md5 } }).catch((e) => e);
    expect(err.code).toBe("CHECKSUM_MISMATCH");
    expect(err.message).toContain(`delete ${dest} and retry`);
  });

  it("an HTTP error is DOWNLOAD_FAILED at once, without retrying", async () => {
    const s = await start({ range: true });
    const dest = join(dir, "file.bin");
    const url = s.url.replace("/file.bin", "/missing");
    const err = await downloadFile({ ...quiet, url, dest, expected: { md5 } }).catch((e) => e);
    expect(err.code).toBe("DOWNLOAD_FAILED");
    expect(err.message).toContain("HTTP 404");
    expect(s.requests).toHaveLength(1);
  });

  it("the progress bar mode downloads the same bytes", async () => {
    const s = await start({ range: true, cutAt: { 0: 150_000 } });
    const dest = join(dir, "file.bin");
    await downloadFile({ ...quiet, progress: "bar", log: () => {}, url: s.url, dest, expected: { sha256 } });
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it("offline: DOWNLOAD_FAILED says which file to place where", async () => {
    const s = await start({ range: true });
    const url = s.url;
    await servers.pop()?.close(); // nothing listens on that port any more
    const dest = join(dir, "file.bin");
    const err = await downloadFile({ ...quiet, url, dest, expected: { md5 }, retries: 1, log: () => {} }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe("DOWNLOAD_FAILED");
    expect(err.message).toContain(url);
    expect(err.message).toContain(`place it at ${dest}`);
    expect(err.message).toContain(md5);
  });
});
