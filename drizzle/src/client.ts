import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { resolveMigrationsDir } from "./migrations-dir";
import { acquirePgliteLock } from "./pglite-lock";
import * as schema from "./schema";

export type Schema = typeof schema;
/** Any driver's Drizzle database (or a transaction on one): what every query takes. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DbKind = "pglite-memory" | "pglite-dir" | "node-postgres" | "neon-ws";
export type Env = Record<string, string | undefined>;

export interface DbHandle {
  db: Db;
  kind: DbKind;
  /** Where the data lives, without credentials: a folder, `memory`, or host:port/database. */
  location: string;
  close(): Promise<void>;
  /** Apply every pending migration (idempotent). */
  migrate(): Promise<void>;
}

export interface OpenDbOptions {
  /** Overrides AI623_MIGRATIONS_DIR and the package lookup. */
  migrationsDir?: string;
  /** Connections per pool (node-postgres, Neon); default PG_POOL_MAX or 10. */
  poolMax?: number;
  /** Base for a relative PGLITE_DIR; default the process cwd. */
  cwd?: string;
}

const casing = "snake_case" as const;

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

function isNeon(url: string, env: Env): boolean {
  if (env.DB_DRIVER === "neon") return true;
  if (env.DB_DRIVER && env.DB_DRIVER !== "pg") {
    throw new Error(`DB_DRIVER=${env.DB_DRIVER} is not a driver: use "neon" or "pg" (or leave it unset)`);
  }
  try {
    return !env.DB_DRIVER && new URL(url).hostname.endsWith(".neon.tech");
  } catch {
    return false;
  }
}

/**
 * The one database factory (DESIGN.md "Database selection"). Opens lazily-imported drivers so a
 * web bundle that never uses PGlite never loads it. Nothing is migrated until `migrate()`.
 *   DATABASE_URL unset / `file:DIR` → PGlite in PGLITE_DIR (default .data/pglite), lock-file guarded
 *   `memory://`                     → in-memory PGlite
 *   `postgres://…`                  → node-postgres Pool
 *   Neon (DB_DRIVER=neon or a *.neon.tech host) → @neondatabase/serverless Pool over WebSocket
 */
export async function openDb(env: Env = process.env, opts: OpenDbOptions = {}): Promise<DbHandle> {
  const url = env.DATABASE_URL?.trim() ?? "";
  const migrationsDir = () => opts.migrationsDir ?? resolveMigrationsDir({ env, cwd: opts.cwd });

  if (url === "" || url === "memory://" || url.startsWith("file:")) {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    if (url === "memory://") {
      const client = await PGlite.create();
      const db = drizzle({ client, schema, casing });
      return {
        db: db as unknown as Db,
        kind: "pglite-memory",
        location: "memory",
        close: () => client.close(),
        migrate: async () => {
          await migrate(db, { migrationsFolder: migrationsDir() });
        },
      };
    }
    const raw = url.startsWith("file:") ? url.slice("file:".length) : env.PGLITE_DIR?.trim() || ".data/pglite";
    const dataDir = resolve(opts.cwd ?? process.cwd(), raw);
    const lock = acquirePgliteLock(dataDir);
    try {
      mkdirSync(dataDir, { recursive: true }); // PGlite creates only the last path segment
      const client = await PGlite.create(dataDir);
      const db = drizzle({ client, schema, casing });
      return {
        db: db as unknown as Db,
        kind: "pglite-dir",
        location: dataDir,
        close: async () => {
          try {
            await client.close();
          } finally {
            lock.release();
          }
        },
        migrate: async () => {
          await migrate(db, { migrationsFolder: migrationsDir() });
        },
      };
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      `DATABASE_URL must start with postgres://, postgresql://, memory:// or file: (got "${url.split(":")[0]}:…"); unset it to use the embedded PGlite in .data/pglite`,
    );
  }
  const max = opts.poolMax ?? Number(env.PG_POOL_MAX ?? 10);

  if (isNeon(url, env)) {
    const { Pool, neonConfig } = await import("@neondatabase/serverless");
    const { drizzle } = await import("drizzle-orm/neon-serverless");
    const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
    const { default: ws } = await import("ws");
    neonConfig.webSocketConstructor = ws; // Node 20 has no global WebSocket
    const proxy = env.NEON_WS_PROXY?.trim();
    if (proxy) {
      // a local WebSocket→TCP proxy (tests, self-hosted): plain ws, no TLS inside
      neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineTLS = false;
      neonConfig.pipelineConnect = false;
    }
    const pool = new Pool({ connectionString: url, max });
    const closing = watchPoolErrors(pool, "neon-ws", url);
    const db = drizzle({ client: pool, schema, casing });
    return {
      db: db as unknown as Db,
      kind: "neon-ws",
      location: describeUrl(url),
      close: () => closing.close(() => pool.end()),
      migrate: async () => {
        await migrate(db, { migrationsFolder: migrationsDir() });
      },
    };
  }

  const { Pool } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new Pool({ connectionString: url, max });
  const closing = watchPoolErrors(pool, "node-postgres", url);
  const db = drizzle({ client: pool, schema, casing });
  return {
    db: db as unknown as Db,
    kind: "node-postgres",
    location: describeUrl(url),
    close: () => closing.close(() => pool.end()),
    migrate: async () => {
      await migrate(db, { migrationsFolder: migrationsDir() });
    },
  };
}

/**
 * An idle pooled connection that the server drops (restart, admin kill, Neon scale-to-zero) is
 * reported as an `error` event on the pool, which crashes the process when nobody listens. The pool
 * replaces the connection by itself; log it, and stay quiet once we are closing.
 */
function watchPoolErrors(pool: { on(event: "error", fn: (err: Error) => void): unknown }, kind: DbKind, url: string) {
  let closed = false;
  pool.on("error", (err) => {
    if (!closed) console.error(`[db] ${kind} ${describeUrl(url)}: idle connection failed: ${err.message}`);
  });
  return {
    close: async (end: () => Promise<void>) => {
      closed = true;
      await end();
    },
  };
}

const singletonKey = Symbol.for("ai623.db");
type Holder = { [singletonKey]?: Promise<DbHandle> };

/**
 * The process-wide database for the web: opened and migrated on first use, kept on `globalThis` so
 * Next.js dev reloads reuse it (a second PGlite open of the same folder would be refused by its lock).
 * A failed open is forgotten, so the next request retries instead of replaying the error forever.
 */
export function getDbHandle(env: Env = process.env): Promise<DbHandle> {
  const holder = globalThis as Holder;
  let pending = holder[singletonKey];
  if (!pending) {
    pending = (async () => {
      const handle = await openDb(env);
      try {
        await handle.migrate();
      } catch (err) {
        await handle.close().catch(() => {});
        throw err;
      }
      return handle;
    })();
    holder[singletonKey] = pending;
    pending.catch(() => {
      if (holder[singletonKey] === pending) delete holder[singletonKey];
    });
  }
  return pending;
}

/** Shorthand for `(await getDbHandle()).db`. */
export async function getDb(env: Env = process.env): Promise<Db> {
  return (await getDbHandle(env)).db;
}

/** Close the singleton (tests, graceful shutdown). */
export async function closeDb(): Promise<void> {
  const holder = globalThis as Holder;
  const pending = holder[singletonKey];
  delete holder[singletonKey];
  if (pending) await (await pending.catch(() => null))?.close();
}
