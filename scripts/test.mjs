#!/usr/bin/env node
// `npm test`: every workspace's vitest suite (and Playwright specs where a workspace has `test:e2e`),
// one after another (2-core machines), against a throwaway PostgreSQL unless TEST_PG_URL is given.
// Ends with one line `N passed, N failed, N skipped` summed over every runner.
//   npm test                      everything, as CI runs it
//   npm test -- --fast            skip the slow ResNet-152 tests (they are counted as skipped)
//   npm test -- agent web         only these workspaces
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const fast = args.includes("--fast");
const only = args.filter((a) => !a.startsWith("--"));
const workspaces = ["shared", "drizzle", "web", "agent"].filter((w) => only.length === 0 || only.includes(w));
const reportDir = join(root, ".data", "test-reports");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };
if (fast) env.AI623_FAST = "1";

const freePort = () =>
  new Promise((done, fail) => {
    const srv = createServer().once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });

let stopPg = null;
if (!env.TEST_PG_URL) {
  // a private cluster on a free port, so side-by-side runs on one machine never collide
  env.PGCI_PORT ??= String(await freePort());
  env.PGCI_DIR ??= mkdtempSync(join(tmpdir(), "ai623-pg-"));
  const started = spawnSync("bash", [join(root, "scripts/throwaway-pg.sh"), "start"], { encoding: "utf8", env });
  if (started.status !== 0) {
    console.error(`Could not start a throwaway PostgreSQL (scripts/throwaway-pg.sh):\n${started.stderr}`);
    console.error("Set TEST_PG_URL=postgres://user@host:port/db to use a running server instead.");
    process.exit(1);
  }
  env.TEST_PG_URL = started.stdout
    .trim()
    .split("\n")
    .at(-1)
    .replace(/^DATABASE_URL=/, "");
  stopPg = () => {
    spawnSync("bash", [join(root, "scripts/throwaway-pg.sh"), "stop"], { stdio: "ignore", env });
    rmSync(env.PGCI_DIR, { recursive: true, force: true });
  };
  console.log(`PostgreSQL for tests: ${env.TEST_PG_URL} (throwaway)`);
}

const run = (cmd, argv, cwd, extraEnv = {}) =>
  new Promise((done) => {
    const child = spawn(cmd, argv, { cwd, stdio: "inherit", env: { ...env, ...extraEnv } });
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null);

for (const ws of workspaces) {
  const dir = join(root, ws);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (pkg.scripts?.test) {
    console.log(`\n── ${ws}: vitest ──`);
    const out = join(reportDir, `${ws}-vitest.json`);
    const code = await run(
      "npx",
      ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
      dir,
    );
    const r = readJson(out);
    if (!r) problems.push(`${ws}: vitest wrote no report (exit ${code})`);
    else {
      totals.passed += r.numPassedTests;
      totals.failed += r.numFailedTests;
      totals.skipped += r.numPendingTests + r.numTodoTests;
      const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0);
      for (const f of broken) problems.push(`${ws}: ${f.name} failed to load: ${f.message.split("\n")[0]}`);
      totals.failed += broken.length;
      if (code !== 0 && r.numFailedTests === 0 && broken.length === 0) problems.push(`${ws}: vitest exited ${code}`);
    }
  }
  if (pkg.scripts?.["test:e2e"]) {
    console.log(`\n── ${ws}: playwright ──`);
    const out = join(reportDir, `${ws}-playwright.json`);
    const code = await run("npm", ["run", "test:e2e"], dir, { PLAYWRIGHT_JSON_OUTPUT_NAME: out, AI623_PW_JSON: "1" });
    const r = readJson(out);
    if (!r) problems.push(`${ws}: playwright wrote no report (exit ${code})`);
    else {
      totals.passed += r.stats.expected + r.stats.flaky;
      totals.failed += r.stats.unexpected;
      totals.skipped += r.stats.skipped;
      if (code !== 0 && r.stats.unexpected === 0) problems.push(`${ws}: playwright exited ${code}`);
    }
  }
}

stopPg?.();
for (const p of problems) console.error(`problem: ${p}`);
if (problems.length > 0 && totals.failed === 0) totals.failed = problems.length;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || problems.length > 0 ? 1 : 0);
