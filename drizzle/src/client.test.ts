import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb, getDbHandle, openDb } from "./client";
import { resolveMigrationsDir } from "./migrations-dir";
import { openTestDb, requireTestPgUrl } from "./testing";

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "migrations");
const scratch = mkdtempSync(join(tmpdir(), "ai623-client-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("openDb driver selection", () => {
  it("opens node-postgres for postgres:// and reports where without the password", async () => {
    const url = new URL(requireTestPgUrl());
    url.password = "s3cret";
    const handle = await openDb({ DATABASE_URL: url.toString() });
    try {
      expect(handle.kind).toBe("node-postgres");
      expect(handle.location).not.toContain("s3cret");
      expect(handle.location).toContain(url.hostname);
      await handle.db.execute(sql`select 1`);
    } finally {
      await handle.close();
    }
  });

  it("opens the Neon driver for DB_DRIVER=neon and for a *.neon.tech host (no connection until a query)", async () => {
    for (const env of [
      { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", DB_DRIVER: "neon" },
      { DATABASE_URL: "postgresql://u:p@ep-cool-name-123.eu-central-1.aws.neon.tech/neondb?sslmode=require" },
    ]) {
      const handle = await openDb(env);
      expect(handle.kind).toBe("neon-ws");
      await handle.close();
    }
  });

  it("names the problem for an unknown scheme or driver", async () => {
    await expect(openDb({ DATABASE_URL: "mysql://x@y/z" })).rejects.toThrow(/must start with postgres:\/\//);
    await expect(openDb({ DATABASE_URL: "postgres://x@y/z", DB_DRIVER: "mongo" })).rejects.toThrow(/DB_DRIVER=mongo/);
  });
});

describe("migrations folder", () => {
  it("is found beside the package by default and through AI623_MIGRATIONS_DIR", () => {
    expect(resolveMigrationsDir({ env: {} })).toBe(migrationsDir);
    const copy = join(scratch, "migrations-copy");
    cpSync(migrationsDir, copy, { recursive: true });
    expect(resolveMigrationsDir({ env: { AI623_MIGRATIONS_DIR: copy } })).toBe(copy);
    expect(() => resolveMigrationsDir({ env: { AI623_MIGRATIONS_DIR: scratch } })).toThrow(/no meta\/_journal.json/);
  });

  it("is found from the working directory when a bundler moved this module (Next.js)", () => {
    const repoRoot = join(migrationsDir, "..", "..");
    const bundled = "file:///srv/app/.next/server/chunks/ssr/drizzle_src_client_ts.js";
    expect(resolveMigrationsDir({ env: {}, moduleUrl: bundled, cwd: join(repoRoot, "web") })).toBe(migrationsDir);
    expect(() => resolveMigrationsDir({ env: {}, moduleUrl: "webpack-internal:///x", cwd: scratch })).toThrow(
      /Set AI623_MIGRATIONS_DIR/,
    );
  });

  it("migrate() uses AI623_MIGRATIONS_DIR", async () => {
    const t = await openTestDb("postgres");
    try {
      const copy = join(scratch, "migrations-for-migrate");
      cpSync(migrationsDir, copy, { recursive: true });
      const handle = await openDb({ ...t.env, AI623_MIGRATIONS_DIR: copy });
      await handle.migrate(); // already applied by the harness: a no-op, but it must find the folder
      await handle.close();
      const broken = await openDb({ ...t.env, AI623_MIGRATIONS_DIR: join(scratch, "missing") });
      await expect(broken.migrate()).rejects.toThrow(/AI623_MIGRATIONS_DIR/);
      await broken.close();
    } finally {
      await t.close();
    }
  });
});

describe("getDbHandle singleton", () => {
  it("opens and migrates once, shares the handle, and does not remember a failed open", async () => {
    const t = await openTestDb("postgres");
    try {
      await closeDb();
      await expect(getDbHandle({ DATABASE_URL: "mysql://nope" })).rejects.toThrow(/must start with/);
      const [a, b] = await Promise.all([getDbHandle(t.env), getDbHandle(t.env)]);
      expect(a).toBe(b);
      expect(a.kind).toBe("node-postgres");
      await a.db.execute(sql`select count(*) from runs`);
      await closeDb();
    } finally {
      await t.close();
    }
  });
});
