import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "./client";
import { acquirePgliteLock, lockPathFor, PgliteLockedError } from "./pglite-lock";
import { users } from "./schema";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const childScript = join(packageDir, "src", "testing", "open-pglite-child.ts");
const scratch = mkdtempSync(join(tmpdir(), "ai623-pglite-lock-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run openDb on `dir` in a real second process. */
function openInChild(dir: string): { opened: boolean; pid: number; code?: string; message?: string } {
  const child = spawnSync(process.execPath, ["--import", "tsx", childScript, dir], {
    cwd: packageDir,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "" },
    timeout: 60_000,
  });
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  if (!line.startsWith("{")) throw new Error(`child failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(line);
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("PGlite folder lock", () => {
  it("refuses a second process, naming the folder and the holder's pid", () => {
    const dir = join(scratch, "held", "pglite");
    const lock = acquirePgliteLock(dir);
    try {
      const child = openInChild(dir);
      expect(child.opened).toBe(false);
      expect(child.code).toBe("PGLITE_LOCKED");
      expect(child.message).toContain(dir);
      expect(child.message).toContain(`process ${process.pid}`);
      expect(() => acquirePgliteLock(dir)).toThrow(PgliteLockedError); // this process too
    } finally {
      lock.release();
    }
    expect(existsSync(lockPathFor(dir))).toBe(false);
  });

  // a real PGlite folder is created and migrated: ~5 s on an idle machine, 25 s on a busy one
  it.skipIf(process.env.AI623_FAST === "1")(
    "takes over a stale lock, opens and migrates a folder whose parents do not exist, and releases on close",
    async () => {
      const dir = join(scratch, "a", "b", "pglite");
      const lockPath = lockPathFor(dir);
      acquirePgliteLock(dir).release(); // creates the parent folders for the fake lock below
      const stale = deadPid();
      writeFileSync(
        lockPath,
        JSON.stringify({ pid: stale, hostname: (await import("node:os")).hostname(), startedAt: "x" }),
      );

      const handle = await openDb({ PGLITE_DIR: dir });
      try {
        expect(handle.kind).toBe("pglite-dir");
        expect(JSON.parse(readFileSync(lockPath, "utf8")).pid).toBe(process.pid);
        const child = openInChild(dir);
        expect(child).toMatchObject({ opened: false, code: "PGLITE_LOCKED" });
        expect(child.message).toContain(`process ${process.pid}`);
        await handle.migrate();
        await handle.db.insert(users).values({ id: "u", name: "u", email: "u@example.test" });
        expect(await handle.db.select().from(users)).toHaveLength(1);
      } finally {
        await handle.close();
      }
      expect(existsSync(lockPath)).toBe(false);
      expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
    },
  );
});
