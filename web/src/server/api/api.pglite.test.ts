import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineApiSuite } from "../../testing/api-suite";

// Before the first request opens the process-wide database: an in-memory PGlite, migrated on first use.
process.env.DATABASE_URL = "memory://";
process.env.AI623_DATA_DIR = mkdtempSync(join(tmpdir(), "ai623-web-test-"));

defineApiSuite("pglite");
