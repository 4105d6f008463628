import { expect, test } from "@playwright/test";
import { open, query, signUp, snapshot } from "./api";

test.beforeEach(async ({ page }) => {
  await signUp(page, "launch");
});

test("the disabled-skip preset shows its params and FLOPs before launch, validates in place, and queues", async ({
  page,
}) => {
  await open(page, "/runs/new");
  await expect(page.getByRole("heading", { name: "Launch", level: 1 })).toBeVisible();

  await page.getByTestId("preset-disabled-skip").click();
  const analysis = page.getByTestId("model-analysis");
  await expect(analysis.getByTestId("analysis-total-params")).toHaveText("58,164,298");
  await expect(analysis.getByTestId("analysis-trainable")).toHaveText("20,490 (0.04 %)");
  await expect(analysis).toContainText("with the unused projection removed");
  await expect(page.getByText("Removed in layer3.0, layer4.1.")).toBeVisible();

  // the analysis follows the fields: a 100-class head, then the whole of layer4 trainable
  await page.getByLabel("Dataset").selectOption("cifar100");
  await expect(analysis.getByTestId("analysis-total-params")).toHaveText("58,348,708");
  await page.getByLabel("Trainable part").selectOption("final_block");
  await expect(analysis.getByTestId("analysis-trainable")).toContainText("15,169,636");

  // a bad value is reported on its field, and nothing is queued
  const lr = page.getByLabel("Learning rate");
  await lr.fill("fast");
  await expect(lr).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#lr-error")).toHaveText("enter a number");
  await page.getByLabel("Image size (px)").fill("500");
  await expect(page.locator("#imageSize-error")).toContainText("224");
  await snapshot(page, "launch-invalid");
  await expect(page.getByText("Fix the fields marked in red to see the network's size and cost.")).toBeVisible();
  await page.getByRole("button", { name: "Queue run" }).click();
  // (Next's route announcer is an alert too: pick ours by its text)
  await expect(
    page.getByRole("alert").filter({ hasText: "marked in red: Learning rate, Image size (px)" }),
  ).toBeVisible();
  expect((await query<{ items: unknown[] }>(page, "runs.list", {})).items).toHaveLength(0);

  await lr.fill("1e-4");
  await page.getByLabel("Image size (px)").fill("64");
  await page.getByLabel("Epochs", { exact: true }).fill("2");
  await page.getByLabel("Tags").fill("e2e, skips");
  await page.getByRole("button", { name: "Queue run" }).click();

  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "CIFAR-10 · skips disabled in layer3.0 and layer4.1",
  );
  await expect(page.getByTestId("run-status")).toHaveText("queued");
  await expect(page.getByTestId("epochs-done")).toHaveText("0 / 2 epochs");
  await expect(page.getByTestId("run-config")).toContainText("layer3.0, layer4.1");
  await expect(page.getByText("Waiting for an agent")).toBeVisible();
  await snapshot(page, "run-queued");
  await expect(page.getByTestId("model-analysis").getByTestId("analysis-trainable")).toContainText("15,169,636");
});

test("a one-click suite queues every run of the study's experiment, scaled down", async ({ page }) => {
  await open(page, "/runs/new");
  await page.getByLabel("Use the synthetic CIFAR twin").check();
  await page.getByLabel("Epochs for every suite run").fill("2");
  await page.getByLabel("Image size for every suite run").fill("32");
  await page.getByLabel("Train subset for every suite run").fill("64");
  await page.getByRole("button", { name: "Queue 6 runs" }).click();

  await expect(page).toHaveURL(/\/runs\?tag=transfer$/);
  await expect(page.getByTestId("run-row")).toHaveCount(6);
  await snapshot(page, "suite-queued");
  const runs = await query<{
    items: { config: { dataset: string; epochs: number; freezeMode: string; lr: number } }[];
  }>(page, "runs.list", { tag: "transfer" });
  expect(new Set(runs.items.map((r) => r.config.dataset))).toEqual(new Set(["synthetic-cifar100"]));
  expect(runs.items.every((r) => r.config.epochs === 2)).toBe(true);
  // the study's full fine-tuning ran at lr 1e-4; the preset keeps that under the overrides
  expect(runs.items.filter((r) => r.config.freezeMode === "full").map((r) => r.config.lr)).toEqual([1e-4, 1e-4]);
});

test("clone with changes opens the form filled from the run", async ({ page }) => {
  await open(page, "/runs/new?preset=baseline");
  await page.getByLabel("Epochs", { exact: true }).fill("1");
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await page.getByRole("link", { name: "Clone with changes" }).click();
  await expect(page).toHaveURL(/\/runs\/new\?from=/);
  await expect(page.getByLabel("Name")).toHaveValue("CIFAR-10 · head-only baseline (clone)");
  await expect(page.getByLabel("Epochs", { exact: true })).toHaveValue("1");
  await expect(page.getByText(/Cloned from/)).toBeVisible();
});
