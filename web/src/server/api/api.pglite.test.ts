import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineApiSuite } from "../../testing/api-suite";

// Before the first request opens the process-wide database: an in-memory PGlite, migrated on first use.
process.env.DATABASE_URL = "memory://";
process.env.AI623_DATA_DIR = mkdtempSync(join(tmpdir(), "ai623-web-test-"));
// Not the default 60 s: the protocol suite checks that claims and heartbeats grant this lease.
process.env.AI623_LEASE_SECONDS = "45";

defineApiSuite("pglite");
