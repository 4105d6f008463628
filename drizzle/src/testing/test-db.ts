import { randomBytes } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll } from "vitest";
import { type Db, type DbHandle, type Env, openDb } from "../client";
import { users } from "../schema";
import { startWsPgProxy, type WsPgProxy } from "./ws-pg-proxy";

/** The engines a suite runs on. PGlite serialises everything, so concurrency tests use the other two. */
export type TestEngine = "pglite" | "postgres" | "neon";
export const sqlEngines = ["pglite", "postgres"] as const satisfies TestEngine[];
export const allEngines = ["pglite", "postgres", "neon"] as const satisfies TestEngine[];

export interface TestDb {
  engine: TestEngine;
  db: Db;
  handle: DbHandle;
  /** Env that opens this same database again (postgres / neon only): one more pool = one more agent. */
  env: Env;
  close(): Promise<void>;
}

/** TEST_PG_URL, or a failure that says how to get one. Never a silent skip. */
export function requireTestPgUrl(): string {
  const url = process.env.TEST_PG_URL?.trim();
  if (!url) {
    throw new Error(
      "TEST_PG_URL is not set: run `npm test` from the repository root (it starts a throwaway PostgreSQL), " +
        "or set TEST_PG_URL=postgres://user@host:port/db to a server where this user may create databases.",
    );
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// One migrated in-memory PGlite per test process (vitest runs this package's files in one worker,
// see vitest.config.ts); each suite gets a clone, which is much cheaper than a fresh PGlite + migrate.
let template: Promise<{ client: PGlite }> | undefined;
async function pgliteTemplate(): Promise<{ client: PGlite }> {
  template ??= (async () => {
    const handle = await openDb({ DATABASE_URL: "memory://" });
    await handle.migrate();
    const client = (handle.db as unknown as { $client: PGlite }).$client;
    return { client };
  })();
  return template;
}

let proxy: Promise<WsPgProxy> | undefined;
function neonProxy(pgUrl: string): Promise<WsPgProxy> {
  const u = new URL(pgUrl);
  const target = `${u.hostname}:${u.port || 5432}`;
  proxy ??= startWsPgProxy({ allow: [target] });
  return proxy;
}

/** A fresh, migrated database on the engine. Postgres and Neon get a new database, dropped on close. */
export async function openTestDb(engine: TestEngine): Promise<TestDb> {
  if (engine === "pglite") {
    const { client } = await pgliteTemplate();
    const clone = (await client.clone()) as PGlite;
    const { drizzle } = await import("drizzle-orm/pglite");
    const schema = await import("../schema");
    const db = drizzle({ client: clone, schema, casing: "snake_case" }) as unknown as Db;
    const handle: DbHandle = {
      db,
      kind: "pglite-memory",
      location: "memory (clone)",
      close: () => clone.close(),
      migrate: async () => {},
    };
    return { engine, db, handle, env: {}, close: () => clone.close() };
  }
  const pgUrl = requireTestPgUrl();
  const name = `ai623_test_${randomBytes(6).toString("hex")}`;
  const admin = await openDb({ DATABASE_URL: pgUrl, DB_DRIVER: "pg" }, { poolMax: 1 });
  await admin.db.execute(`CREATE DATABASE ${name}`);
  const url = withDatabase(pgUrl, name);
  const env: Env =
    engine === "neon"
      ? { DATABASE_URL: url, DB_DRIVER: "neon", NEON_WS_PROXY: (await neonProxy(pgUrl)).proxy }
      : { DATABASE_URL: url, DB_DRIVER: "pg" };
  const handle = await openDb(env, { poolMax: 4 });
  try {
    await handle.migrate();
  } catch (err) {
    await handle.close();
    await admin.db.execute(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
    throw err;
  }
  return {
    engine,
    db: handle.db,
    handle,
    env,
    close: async () => {
      await handle.close();
      await admin.db.execute(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/**
 * Register beforeAll/afterAll for one database on the engine and return a live view of it:
 * `const t = useTestDb(engine)` then `t.db` inside tests. If the database cannot be opened (e.g.
 * TEST_PG_URL unset), every test that touches it fails with that reason.
 */
export function useTestDb(engine: TestEngine): TestDb {
  let current: TestDb | undefined;
  let openError: unknown;
  beforeAll(async () => {
    try {
      current = await openTestDb(engine);
    } catch (err) {
      // kept and rethrown by every test: a failed beforeAll would only mark the tests skipped
      openError = err;
    }
  });
  afterAll(async () => {
    await current?.close();
  });
  const get = () => {
    if (openError) throw openError;
    if (!current) throw new Error(`The ${engine} test database is not open`);
    return current;
  };
  return {
    engine,
    get db() {
      return get().db;
    },
    get handle() {
      return get().handle;
    },
    get env() {
      return get().env;
    },
    close: () => get().close(),
  };
}

/** A user row: every query is scoped to one, so each test makes its own and cannot see the others'. */
export async function createTestUser(db: Db, label = "user"): Promise<string> {
  const id = `${label}-${randomBytes(6).toString("hex")}`;
  await db.insert(users).values({ id, name: label, email: `${id}@example.test` });
  return id;
}
