import { count } from "drizzle-orm";
import type { Db } from "../client";
import { users } from "../schema";

/** How many accounts the instance has; 0 means the next sign-up becomes its owner. */
export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}
