// One agent per cache folder: two would interleave the same outbox journal and checkpoints. The
// lock is a file holding the owner's pid; one left by a dead process (kill -9, a crash) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentError } from "../errors";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes `<cacheDir>/agent.lock`; returns the release function. */
export function lockCacheDir(cacheDir: string): () => void {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, "agent.lock");
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number.parseInt(readFileSync(file, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new AgentError(
          "CACHE_IN_USE",
          `Another agent (pid ${owner}) is using the cache ${cacheDir}: stop it, or give this one its own --cache-dir`,
          2,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new AgentError("CACHE_IN_USE", `Could not lock ${file}; remove it if no agent is running`, 2);
}
