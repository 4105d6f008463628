import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDb } from "@ai623/drizzle/testing";
import { defineApiSuite } from "../../testing/api-suite";

// A fresh migrated database on TEST_PG_URL's server (an error, not a skip, when it is not set),
// named in the environment before the first request opens the server's process-wide connection.
const testDb = await openTestDb("postgres");
Object.assign(process.env, testDb.env, { AI623_DATA_DIR: mkdtempSync(join(tmpdir(), "ai623-web-test-")) });

defineApiSuite("postgres", () => testDb.close());
