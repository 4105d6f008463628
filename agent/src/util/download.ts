// Resumable, verified downloads for datasets and weights. A transfer writes `<dest>.partial`,
// resumes it with an HTTP Range request after an interruption, checks the hash and only then
// renames it to `dest`, so `dest` existing always means "complete and verified".
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import cliProgress from "cli-progress";
import { AgentError } from "../errors";

export interface ExpectedFile {
  md5?: string;
  sha256?: string;
  bytes?: number;
}

export type ProgressMode = "auto" | "bar" | "log" | "none";

export interface DownloadOptions {
  url: string;
  dest: string;
  expected: ExpectedFile;
  /** Human name used in progress and errors, e.g. "CIFAR-10 binary archive". */
  label: string;
  /** "auto": a bar on a TTY, periodic log lines otherwise. */
  progress?: ProgressMode;
  log?: (message: string) => void;
  /** Attempts after an interrupted transfer (each resumes where the last stopped). */
  retries?: number;
  /** Minimum milliseconds between two progress log lines in "log" mode. */
  logIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  md5: string;
  sha256: string;
  /** False when `dest` was already present and verified. */
  downloaded: boolean;
}

export interface FileDigest {
  bytes: number;
  md5: string;
  sha256: string;
}

/** md5 + sha256 + size of a file in one streaming pass. */
export async function hashFile(path: string): Promise<FileDigest> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    md5.update(buf);
    sha256.update(buf);
    bytes += buf.length;
  }
  return { bytes, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

/** The first way `digest` differs from `expected`, or null when it matches. */
export function describeMismatch(digest: FileDigest, expected: ExpectedFile): string | null {
  if (expected.bytes !== undefined && digest.bytes !== expected.bytes) {
    return `size ${digest.bytes} bytes, expected ${expected.bytes}`;
  }
  if (expected.md5 && digest.md5 !== expected.md5.toLowerCase()) return `md5 ${digest.md5}, expected ${expected.md5}`;
  if (expected.sha256 && digest.sha256 !== expected.sha256.toLowerCase()) {
    return `sha256 ${digest.sha256}, expected ${expected.sha256}`;
  }
  return null;
}

/**
 * Verifies a file the user placed (or an earlier run left) against `expected`.
 * Throws CHECKSUM_MISMATCH naming the file and the fix.
 */
export async function verifyFile(path: string, expected: ExpectedFile, label: string): Promise<FileDigest> {
  const digest = await hashFile(path);
  const mismatch = describeMismatch(digest, expected);
  if (mismatch) {
    throw new AgentError(
      "CHECKSUM_MISMATCH",
      `${label} at ${path} is corrupt or not the expected file (${mismatch}): delete ${path} and retry.`,
    );
  }
  return digest;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

function describeExpected(expected: ExpectedFile): string {
  const parts: string[] = [];
  if (expected.md5) parts.push(`md5 ${expected.md5}`);
  if (expected.sha256) parts.push(`sha256 ${expected.sha256}`);
  if (expected.bytes !== undefined) parts.push(`${expected.bytes} bytes`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message}: ${(cause as Error & { code?: string }).code ?? cause.message}`;
  return err.message;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

interface Reporter {
  start(total: number | null, done: number): void;
  update(done: number): void;
  stop(): void;
}

function createReporter(opt: DownloadOptions, log: (m: string) => void): Reporter {
  const mode = opt.progress ?? "auto";
  const useBar = mode === "bar" || (mode === "auto" && process.stderr.isTTY === true);
  if (mode === "none") return { start() {}, update() {}, stop() {} };
  if (useBar) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opt.label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} | ETA {eta_formatted}`,
        hideCursor: true,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    let total = 0;
    return {
      start(t, done) {
        total = t ?? 0;
        bar.start(total || 1, done, { doneMiB: formatMiB(done), totalMiB: t ? formatMiB(t) : "?" });
      },
      update(done) {
        bar.update(total ? done : 0, { doneMiB: formatMiB(done) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const interval = opt.logIntervalMs ?? 5000;
  let last = 0;
  let total: number | null = null;
  return {
    start(t, done) {
      total = t;
      last = Date.now();
      const from = done > 0 ? `, resuming at ${formatMiB(done)}` : "";
      log(`Downloading ${opt.label} from ${opt.url}${total ? ` (${formatMiB(total)})` : ""}${from}`);
    },
    update(done) {
      if (Date.now() - last < interval) return;
      last = Date.now();
      const pct = total ? ` (${((100 * done) / total).toFixed(0)} %)` : "";
      log(`${opt.label}: ${formatMiB(done)}${total ? ` of ${formatMiB(total)}` : ""}${pct}`);
    },
    stop() {},
  };
}

/** The total size announced by a 200 (Content-Length) or 206 (Content-Range: bytes a-b/total). */
function totalSizeOf(res: Response, offset: number): number | null {
  if (res.status === 206) {
    const m = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "");
    if (m?.[1]) return Number(m[1]);
  }
  const len = res.headers.get("content-length");
  return len === null ? null : Number(len) + (res.status === 206 ? offset : 0);
}

/** One HTTP attempt appending to `partial` from `offset`. Returns when the body is fully written. */
async function transferOnce(opt: DownloadOptions, partial: string, offset: number, reporter: Reporter): Promise<void> {
  const headers: Record<string, string> = {};
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  const res = await fetch(opt.url, { headers, redirect: "follow" });
  if (res.status === 416 && offset > 0) {
    // The partial already holds every byte (or more than the server has): let verification decide.
    await res.body?.cancel();
    return;
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw new AgentError("DOWNLOAD_FAILED", `HTTP ${res.status} ${res.statusText}`);
  }
  let start = 0;
  if (res.status === 206) {
    const m = /bytes\s+(\d+)-/.exec(res.headers.get("content-range") ?? "");
    start = m?.[1] ? Number(m[1]) : -1;
    if (start !== offset) {
      await res.body?.cancel();
      await rm(partial, { force: true }); // the next attempt starts over rather than splice bytes
      throw new Error(`server resumed at byte ${start}, asked for ${offset}`);
    }
  }
  // A 200 to a Range request means the server ignores Range: start the file over.
  if (!res.body) throw new Error("empty response body");
  let done = start;
  reporter.start(totalSizeOf(res, offset) ?? opt.expected.bytes ?? null, done);
  // Awaiting each write (rather than piping) means every byte received before an interruption
  // is on disk, so the next attempt resumes exactly there.
  const file = await open(partial, start > 0 ? "a" : "w");
  try {
    for await (const chunk of res.body) {
      await file.write(chunk);
      done += chunk.length;
      reporter.update(done);
    }
  } finally {
    reporter.stop();
    await file.close();
  }
}

/**
 * Downloads `url` to `dest`, resuming `<dest>.partial` where an earlier attempt stopped, and
 * verifies md5/sha256/size before the atomic rename. A verified `dest` is reused as is.
 * Errors: DOWNLOAD_FAILED (network; the message says which file to place where when offline),
 * CHECKSUM_MISMATCH (the file is not the one expected).
 */
export async function downloadFile(opt: DownloadOptions): Promise<DownloadResult> {
  const log = opt.log ?? ((m: string) => console.error(m));
  if ((await sizeOf(opt.dest)) !== null) {
    const digest = await verifyFile(opt.dest, opt.expected, opt.label);
    return { path: opt.dest, ...digest, downloaded: false };
  }
  await mkdir(dirname(opt.dest), { recursive: true });
  const partial = `${opt.dest}.partial`;
  const retries = opt.retries ?? 3;
  const reporter = createReporter(opt, log);
  let lastError: unknown;
  let completed = false;
  for (let attempt = 0; attempt <= retries && !completed; attempt++) {
    const offset = (await sizeOf(partial)) ?? 0;
    try {
      await transferOnce(opt, partial, offset, reporter);
      completed = true;
    } catch (err) {
      lastError = err;
      if (err instanceof AgentError) break; // an HTTP error status will not fix itself on retry
      if (attempt < retries) log(`${opt.label}: transfer interrupted (${causeOf(err)}), resuming`);
    }
  }
  if (!completed) {
    const have = (await sizeOf(partial)) ?? 0;
    const kept = have > 0 ? ` ${formatMiB(have)} are kept in ${partial}; running again resumes there.` : "";
    throw new AgentError(
      "DOWNLOAD_FAILED",
      `Could not download ${opt.label} from ${opt.url} (${causeOf(lastError)}).${kept} ` +
        `If this machine is offline, download that file elsewhere and place it at ${opt.dest}${describeExpected(opt.expected)}.`,
    );
  }
  const digest = await hashFile(partial);
  const mismatch = describeMismatch(digest, opt.expected);
  if (mismatch) {
    // A corrupt partial would be resumed forever: remove it so the retry starts clean.
    await rm(partial, { force: true });
    throw new AgentError(
      "CHECKSUM_MISMATCH",
      `Downloaded ${opt.label} from ${opt.url} does not match (${mismatch}); the file ${partial} was deleted: retry, ` +
        `or place a good copy at ${opt.dest}.`,
    );
  }
  await rename(partial, opt.dest);
  return { path: opt.dest, ...digest, downloaded: true };
}
