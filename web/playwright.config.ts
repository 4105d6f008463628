import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { e2eBaseURL as baseURL, e2ePort as port } from "./e2e/base-url";

// The site as `next start` serves it (a production build, built here unless AI623_E2E_NO_BUILD=1) on a
// fresh embedded database: every spec signs up its own user and seeds its own data through the API.
// Offline CI: Debian's chromium (PLAYWRIGHT_CHROMIUM_PATH=/usr/bin/chromium). GitHub Actions: unset,
// after `npx playwright install --with-deps chromium`.
const executablePath =
  process.env.PLAYWRIGHT_CHROMIUM_PATH || (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
const data = mkdtempSync(join(tmpdir(), "ai623-e2e-"));
const build = process.env.AI623_E2E_NO_BUILD === "1" ? "" : "npx next build && ";

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1, // 2-core machines: one browser beside next-server is plenty
  retries: 0,
  // scripts/test.mjs reads the JSON report for the summary line
  reporter:
    process.env.AI623_PW_JSON === "1"
      ? [["list"], ["json"], ["html", { open: "never" }]]
      : [["list"], ["html", { open: "never" }]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    // every spec's screenshots are kept as artifacts (test-results/), not only failures'
    screenshot: "on",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: executablePath
          ? {
              executablePath,
              args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
            }
          : {},
      },
    },
  ],
  webServer: {
    command: `${build}npx next start -p ${port} -H 127.0.0.1`,
    url: `${baseURL}/sign-in`,
    reuseExistingServer: false,
    timeout: 400_000,
    env: {
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      PGLITE_DIR: join(data, "pglite"),
      AI623_DATA_DIR: data,
      // short leases so a spec can watch a run get lost and requeued
      AI623_LEASE_SECONDS: "5",
    },
    stdout: "pipe",
  },
});
