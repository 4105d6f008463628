// `npm run db:migrate`: apply pending migrations to the database DATABASE_URL selects.
import { openDb } from "./client";

const started = performance.now();
const handle = await openDb();
try {
  await handle.migrate();
  console.log(
    `Migrated ${handle.kind} database at ${handle.location} in ${Math.round(performance.now() - started)} ms`,
  );
} catch (err) {
  console.error(`Migration failed on ${handle.kind} database at ${handle.location}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
