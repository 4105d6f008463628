import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDb } from "@ai623/drizzle/testing";
import { defineApiSuite } from "../../testing/api-suite";

// The Neon serverless driver (WebSocket) against TEST_PG_URL's server through a local ws→tcp proxy.
const testDb = await openTestDb("neon");
Object.assign(process.env, testDb.env, { AI623_DATA_DIR: mkdtempSync(join(tmpdir(), "ai623-web-test-")) });

defineApiSuite("neon", () => testDb.close());
