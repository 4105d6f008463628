import { count } from "drizzle-orm";
import { users } from "../schema/auth";

// biome-ignore lint/suspicious/noExplicitAny: any drizzle Postgres database (PGlite, node-postgres, Neon)
type AnyPgDb = any;

/** How many accounts the instance has; 0 means the next sign-up becomes its owner. */
export async function countUsers(db: AnyPgDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}
