import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { defineApiSuite } from "../../testing/api-suite";
import { createTestDatabase } from "../../testing/postgres";

const url = process.env.TEST_PG_URL;

if (url) {
  // A database of its own, created before the first request opens the process-wide connection.
  process.env.DATABASE_URL = await createTestDatabase(url, "web_api");
  process.env.AI623_DATA_DIR = mkdtempSync(join(tmpdir(), "ai623-web-test-"));
  defineApiSuite("postgres");
} else {
  describe("api on PostgreSQL", () => {
    it.skip("needs TEST_PG_URL (npm test at the root starts a throwaway PostgreSQL and sets it)", () => {});
  });
}
