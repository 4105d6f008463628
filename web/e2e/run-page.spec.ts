import { expect, test } from "@playwright/test";
import { agentCall, epoch, mutate, open, signUp, snapshot, startAgent, tinyConfig } from "./api";

test.beforeEach(async ({ page }) => {
  await signUp(page, "run-page");
});

async function claimAndStart(page: import("@playwright/test").Page, token: string) {
  const { run } = await agentCall<{ run: { id: string } | null }>(page.request, token, "claim", { gpu: false });
  if (!run) throw new Error("nothing to claim");
  await agentCall(page.request, token, "start", {
    runId: run.id,
    backend: "wasm",
    backendReason: "wasm with SIMD",
    device: "CPU (2 threads)",
    threads: 1,
    prefixCached: false,
    resumedFromEpoch: null,
    weightsSha256: null,
  });
  return run.id;
}

test("curves grow live as the agent posts epochs, then a cancel reaches the agent", async ({ page }) => {
  const { token } = await startAgent(page, "live agent");
  const created = await mutate<{ id: string }>(page, "runs.create", { name: "live run", config: tinyConfig });
  await claimAndStart(page, token);

  await open(page, `/runs/${created.id}`);
  await expect(page.getByTestId("run-status")).toHaveText("running");
  await expect(page.getByTestId("run-page")).toHaveAttribute("data-live", "true");
  await expect(page.getByTestId("chart-accuracy")).toHaveAttribute("data-points", "0");
  await expect(page.getByTestId("run-agent")).toContainText("live agent");
  await expect(page.getByTestId("run-agent")).toContainText("CPU (2 threads)");

  // no reload from here on: every change arrives over the live stream
  const navigations: string[] = [];
  page.on("framenavigated", (f) => navigations.push(f.url()));

  await agentCall(page.request, token, "postEpoch", { runId: created.id, metrics: epoch(1, 0.31) });
  await expect(page.getByTestId("chart-accuracy")).toHaveAttribute("data-points", "2", { timeout: 2000 });
  await expect(page.getByTestId("epochs-done")).toHaveText("1 / 3 epochs");
  await agentCall(page.request, token, "postEpoch", { runId: created.id, metrics: epoch(2, 0.47) });
  await expect(page.getByTestId("chart-accuracy")).toHaveAttribute("data-points", "4", { timeout: 2000 });
  await expect(page.getByTestId("chart-loss")).toHaveAttribute("data-points", "4");
  await expect(page.getByTestId("epoch-table").getByRole("row")).toHaveCount(3);
  await expect(page.getByText("best val acc 47.00 % (epoch 2)")).toBeVisible();
  await expect(page.getByTestId("events-timeline")).toContainText("Training started");
  await snapshot(page, "run-live");
  // the theme follows the system until the person picks one
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.locator("html")).toHaveClass(/dark/);
  await snapshot(page, "run-live-dark");
  await page.getByLabel("Colour theme").selectOption("light");
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await page.getByLabel("Colour theme").selectOption("system");
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("svg").first()).toBeVisible();

  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("running · cancelling");
  const beat = await agentCall<{ cancelRequested: boolean }>(page.request, token, "heartbeat", { runId: created.id });
  expect(beat.cancelRequested).toBe(true);
  await agentCall(page.request, token, "finish", { runId: created.id, outcome: "cancelled" });
  await expect(page.getByTestId("run-status")).toHaveText("cancelled");
  await expect(page.getByTestId("events-timeline")).toContainText("Cancel requested");
  expect(navigations).toEqual([]);

  // a cancelled run can go back to the queue
  await page.getByRole("button", { name: "Requeue" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("queued");
  await expect(page.getByTestId("events-timeline")).toContainText("Requeued");
});

test("a failed run names its cause; delete asks first and then removes it", async ({ page }) => {
  const { token } = await startAgent(page);
  const created = await mutate<{ id: string }>(page, "runs.create", { name: "doomed", config: tinyConfig });
  await claimAndStart(page, token);
  await agentCall(page.request, token, "fail", {
    runId: created.id,
    error: {
      code: "WEIGHTS_MISSING",
      message: "ImageNet weights not found: put model.safetensors in ~/.cache/ai623/weights",
    },
  });
  await open(page, `/runs/${created.id}`);
  await expect(page.getByTestId("run-status")).toHaveText("failed");
  await expect(
    page.getByRole("alert").filter({ hasText: "WEIGHTS_MISSING: ImageNet weights not found" }),
  ).toBeVisible();
  await snapshot(page, "run-failed");

  await page.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete “doomed”?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete run" }).click();
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByText("No runs yet.")).toBeVisible();
  const gone = await page.goto(`/runs/${created.id}`);
  expect(gone?.status()).toBe(404);
});
