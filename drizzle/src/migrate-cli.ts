// `npm run db:migrate`: apply pending migrations to the database DATABASE_URL selects.
import { type DbHandle, openDb } from "./client";

const started = performance.now();
let handle: DbHandle | undefined;
try {
  handle = await openDb();
  await handle.migrate();
  console.log(
    `Migrated ${handle.kind} database at ${handle.location} in ${Math.round(performance.now() - started)} ms`,
  );
} catch (err) {
  const where = handle ? ` on ${handle.kind} database at ${handle.location}` : "";
  console.error(`Migration failed${where}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle?.close();
}
