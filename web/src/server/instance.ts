import { type Db, getDb } from "@ai623/drizzle";
import { type Auth, createAuth } from "./auth";
import { resolveAuthSecret } from "./auth-secret";
import { type LeaseSettings, resolveLeaseSettings } from "./lease-settings";

export interface ServerInstance {
  db: Db;
  auth: Auth;
  /** AI623_LEASE_SECONDS: the lease claims and heartbeats grant, and the heartbeat interval hello announces */
  lease: LeaseSettings;
}

// One per process, on globalThis: Next.js may load this module in several bundles (route handlers,
// server components), and a second PGlite on the same folder would lose rows.
const store = globalThis as typeof globalThis & { __ai623Server?: Promise<ServerInstance> };

/** The database and auth of this server process, opened (and migrated) on first use. */
export function getServerInstance(): Promise<ServerInstance> {
  if (!store.__ai623Server) {
    store.__ai623Server = (async () => {
      resolveAuthSecret(); // a missing production secret is reported before any database work
      const lease = resolveLeaseSettings();
      const db = await getDb();
      return { db, auth: createAuth(db), lease };
    })();
    // A failed open (bad DATABASE_URL, locked folder) must not be cached: the next request retries.
    store.__ai623Server.catch(() => {
      store.__ai623Server = undefined;
    });
  }
  return store.__ai623Server;
}
