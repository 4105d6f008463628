// The whole product as a person meets it, with a real agent process training the real ResNet-152
// (random init, wasm backend) on a small CIFAR-10 subset (the synthetic twin offline, the real archive on
// GitHub Actions): sign up → token → start the agent
// with the command the page shows → launch → watch the curves grow → a second run differing in one
// field → compare and read the analysis → share and open the link signed out → cancel a third run.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { open, snapshot } from "./api";

const repoRoot = resolve(import.meta.dirname, "../..");

// Offline (.ci/run) the journey trains on the synthetic twin; GitHub Actions sets AI623_E2E_DATASET=cifar10
// and a cache folder kept between runs, so the agent downloads the real archive once (md5-checked).
const dataset = process.env.AI623_E2E_DATASET ?? "synthetic-cifar10";
const keptCache = process.env.AI623_E2E_AGENT_CACHE;
const cacheDir = keptCache ?? mkdtempSync(join(tmpdir(), "ai623-journey-agent-"));
// the first real run downloads the 162 MB archive before its first epoch
const firstEpochMs = dataset.startsWith("synthetic-") ? 120_000 : 600_000;

test.describe.configure({ timeout: 300_000 + firstEpochMs });

let agent: ChildProcess | null = null;
let agentLog = "";

test.afterAll(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill("SIGTERM");
    await new Promise((r) => agent?.once("exit", r));
  }
  if (!keptCache) rmSync(cacheDir, { recursive: true, force: true });
});

test.afterEach(async () => {
  const info = test.info();
  if (info.status !== info.expectedStatus) await info.attach("agent.log", { body: agentLog });
});

/** The command the Agents page shows, run as `npx` would run the published package (from source here). */
function startAgent(command: string): ChildProcess {
  const [npx, bin, ...args] = command.split(/\s+/);
  expect([npx, bin]).toEqual(["npx", "ai623-agent"]);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "agent/src/cli.ts",
      ...args,
      "--backend",
      "wasm",
      "--cache-dir",
      cacheDir,
      "--log-format",
      "json",
    ],
    { cwd: repoRoot, env: { ...process.env, AI623_FAST: "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d) => {
    agentLog += d;
  });
  child.stderr?.on("data", (d) => {
    agentLog += d;
  });
  return child;
}

/** Fill the launch form for a small run the agent can train in seconds, from the baseline preset. */
async function fillSmallRun(page: Page, name: string, epochs: number) {
  await page.getByTestId("preset-baseline").click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Dataset").selectOption(dataset);
  // no internet here for ImageNet weights: random init
  await page.getByLabel("Initialisation").selectOption("random");
  await page.getByLabel("Epochs", { exact: true }).fill(String(epochs));
  await page.getByLabel("Batch size").fill("32");
  await page.getByLabel("Image size (px)").fill("32");
  await page.getByLabel("Train subset", { exact: true }).fill("64");
  await page.getByLabel("Validation subset").fill("32");
}

test("sign up, start an agent, train, compare, share, cancel", async ({ page, browser }) => {
  // sign up through the form: the first account owns the instance
  await open(page, "/sign-up");
  await page.getByLabel("Name").fill("Ada");
  await page.getByLabel("Email").fill(`ada-${Date.now()}@example.test`);
  await page.getByLabel("Password").fill("correct-horse-battery");
  // better-auth allows a few sign-ups per address every 10 s and the other specs just used them:
  // like a person told to try again later, wait and press the button again
  for (let attempt = 0; attempt < 4 && !page.url().endsWith("/runs"); attempt++) {
    await page.getByRole("button", { name: "Create account" }).click();
    const outcome = await Promise.race([
      page.waitForURL(/\/runs$/).then(() => "signed-up"),
      page
        .getByRole("alert")
        .filter({ hasText: /too many/i })
        .waitFor()
        .then(() => "rate-limited"),
    ]);
    if (outcome === "rate-limited") await page.waitForTimeout(10_000);
  }
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByText("No runs yet.")).toBeVisible();

  // a token, and the agent started with the command shown
  await open(page, "/agents");
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an agent token" });
  await dialog.getByLabel("Name").fill("journey-box");
  await dialog.getByRole("button", { name: "Create" }).click();
  const command = (await dialog.getByTestId("agent-command").textContent()) ?? "";
  agent = startAgent(command);
  await dialog.getByRole("button", { name: "Done" }).click();
  const row = page.getByTestId("agent-row").filter({ hasText: "journey-box" });
  await expect(row.getByTestId("agent-state")).toHaveText("online", { timeout: 60_000 });
  await expect(row).toContainText("wasm");

  // launch, and watch the curves grow without a reload
  await open(page, "/runs/new");
  await fillSmallRun(page, "journey lr 1e-3", 3);
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  const firstUrl = page.url();
  await expect(page.getByTestId("run-page")).toHaveAttribute("data-live", "true");
  const accuracy = page.getByTestId("chart-accuracy");
  await expect(accuracy).toHaveAttribute("data-points", "2", { timeout: firstEpochMs });
  await expect(accuracy).toHaveAttribute("data-points", "4", { timeout: 60_000 });
  await expect(accuracy).toHaveAttribute("data-points", "6", { timeout: 60_000 });
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-agent")).toContainText("journey-box");
  await expect(page.getByTestId("epoch-table").getByRole("row")).toHaveCount(4);
  await snapshot(page, "journey-run");

  // a second run that differs in one field
  await page.getByRole("link", { name: "Clone with changes" }).click();
  await expect(page.locator("html[data-hydrated=true]")).toBeAttached();
  await page.getByLabel("Name").fill("journey lr 1e-2");
  await page.getByLabel("Learning rate").fill("0.01");
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  expect(page.url()).not.toBe(firstUrl);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 180_000 });

  // compare the two and read the analysis
  await open(page, "/runs");
  await page.getByRole("checkbox", { name: "Select journey lr 1e-3" }).check();
  await page.getByRole("checkbox", { name: "Select journey lr 1e-2" }).check();
  await page.getByRole("link", { name: "Compare 2" }).click();
  await expect(page.getByTestId("config-diff").getByRole("row")).toHaveCount(2); // header + lr
  await expect(page.getByTestId("config-diff")).toContainText("lr");
  await expect(page.getByTestId("report-headline")).toContainText("journey lr");
  await expect(page.getByTestId("report")).toContainText("Ranking by best validation accuracy");
  await snapshot(page, "journey-compare");

  // share it and open the link with no session
  await expect(page.locator("html[data-hydrated=true]")).toBeAttached();
  await page.getByRole("button", { name: "Share" }).click();
  const share = page.getByRole("dialog", { name: "Share this comparison" });
  await share.getByRole("button", { name: "Create link" }).click();
  const url = (await share.getByTestId("share-url").textContent()) ?? "";
  const stranger = await browser.newContext();
  const visitor = await stranger.newPage();
  await visitor.goto(url);
  await expect(visitor.getByTestId("report")).toBeVisible();
  await expect(visitor.getByTestId("compare-chart-valAcc").locator("svg")).toBeVisible();
  expect(await visitor.content()).not.toContain("journey-box");
  await stranger.close();

  // a third run, cancelled while it trains
  await open(page, "/runs/new");
  await fillSmallRun(page, "journey cancelled", 50);
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("chart-accuracy")).toHaveAttribute("data-points", "2", { timeout: 120_000 });
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("cancelled", { timeout: 60_000 });
  await expect(page.getByTestId("events-timeline")).toContainText("Cancelled");
  await snapshot(page, "journey-cancelled");

  // the agent is still there for the next run, and stops cleanly on a signal
  await open(page, "/agents");
  await expect(row.getByTestId("agent-state")).toHaveText("online");
  await expect(row).toContainText("idle");
  agent.kill("SIGTERM");
  const code = await new Promise<number | null>((r) => agent?.once("exit", r));
  expect(code).toBe(0);
});
