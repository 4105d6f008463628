import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/** Thrown when another live process holds a PGlite folder. */
export class PgliteLockedError extends Error {
  readonly code = "PGLITE_LOCKED";
  override name = "PgliteLockedError";
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `The PGlite folder ${dataDir} is in use by process ${ownerPid}: two processes on one PGlite folder silently lose rows. ` +
        `Stop process ${ownerPid} (or point this one elsewhere with PGLITE_DIR, or use DATABASE_URL=postgres://…).`,
    );
  }
}

interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface PgliteLock {
  path: string;
  release(): void;
}

/** The lock file sits beside the folder (PGlite owns the folder's contents): `.data/pglite` → `.data/pglite.lock`. */
export function lockPathFor(dataDir: string): string {
  const abs = resolve(dataDir);
  return join(dirname(abs), `${basename(abs)}.lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    return typeof info.pid === "number" ? (info as LockInfo) : null;
  } catch {
    return null;
  }
}

/**
 * Take the folder's lock file or throw PgliteLockedError naming the holder. A lock left by a dead
 * process (same host) is taken over. `wx` creation is atomic, so two openers never both win.
 */
export function acquirePgliteLock(dataDir: string): PgliteLock {
  const abs = resolve(dataDir);
  const path = lockPathFor(abs);
  mkdirSync(dirname(path), { recursive: true });
  for (let tries = 0; tries < 5; tries++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readLock(path);
      const sameHost = holder?.hostname === undefined || holder.hostname === hostname();
      // a lock file being written right now reads as empty: give the writer a moment
      if (holder === null && tries < 2) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      if (holder && (holder.pid === process.pid || !sameHost || isAlive(holder.pid))) {
        throw new PgliteLockedError(abs, holder.pid);
      }
      rmSync(path, { force: true }); // stale: its process is gone
      continue;
    }
    const info: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    const onExit = () => releaseIfOurs(path);
    process.once("exit", onExit);
    return {
      path,
      release() {
        process.off("exit", onExit);
        releaseIfOurs(path);
      },
    };
  }
  throw new Error(
    `Could not take the PGlite lock ${path}: it keeps changing hands; retry, or delete it if no process uses ${abs}`,
  );
}

function releaseIfOurs(path: string): void {
  if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
}
