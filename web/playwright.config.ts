import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { e2eBaseURL as baseURL, e2ePort as port } from "./e2e/base-url";

// The site as `next start` serves it (a production build, built here unless AI623_E2E_NO_BUILD=1) on a
// fresh embedded database: every spec signs up its own user and seeds its own data through the API.
// Which Chromium: PLAYWRIGHT_CHROMIUM_PATH when set (offline CI: Debian's /usr/bin/chromium); set but
// empty, Playwright's own (GitHub Actions, after `npx playwright install --with-deps chromium`); unset,
// Debian's when it is there, else Playwright's own.
const chosen = process.env.PLAYWRIGHT_CHROMIUM_PATH;
const executablePath =
  chosen === undefined ? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined) : chosen || undefined;
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
