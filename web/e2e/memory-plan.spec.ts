import { makeMemoryPlan } from "@ai623/shared/testing";
import { expect, type Page, test } from "@playwright/test";
import { agentCall, epoch, mutate, open, signUp, snapshot, startAgent, tinyConfig } from "./api";

test.beforeEach(async ({ page }) => {
  await signUp(page, "memory-plan");
});

/** What a webgpu agent on a CPU-only box reports: Dawn's SwiftShader adapter. */
const swiftShader = {
  vendor: "google",
  architecture: "swiftshader",
  device: "0xc0de",
  // long enough, with one unbroken stretch, to need wrapping on a phone
  description: "SwiftShader Device (Subzero) (0x0000C0DE) via /usr/lib/x86_64-linux-gnu/libvk_swiftshader.so",
  software: true,
  maxBufferSize: 2 ** 32,
  maxStorageBufferBindingSize: 2 ** 31,
  memoryBudgetMb: 4096,
};

/** The pre-flight split the study's batch of 128 into 4 micro-batches, and train-mode BatchNorm sees each. */
const splitPlan = makeMemoryPlan({ microBatchSize: 32, limitSource: "AI623_GPU_MEMORY_MB" });

/** Two finished runs: one micro-batched on SwiftShader, one in whole batches from an older agent. */
async function seedRuns(page: Page) {
  const { token } = await startAgent(page, "webgpu agent");
  const ids: Record<string, string> = {};
  for (const [name, extra] of [
    ["split run", { backend: "webgpu", device: "SwiftShader", adapter: swiftShader, memoryPlan: splitPlan }],
    ["whole run", { backend: "wasm", device: "CPU (2 threads)" }],
  ] as const) {
    const run = await mutate<{ id: string }>(page, "runs.create", {
      name,
      config: { ...tinyConfig, seed: 42 + Object.keys(ids).length },
    });
    await agentCall(page.request, token, "claim", { gpu: false });
    await agentCall(page.request, token, "start", {
      runId: run.id,
      backendReason: "test",
      threads: 1,
      prefixCached: false,
      resumedFromEpoch: null,
      weightsSha256: null,
      ...extra,
    });
    for (const [i, acc] of [0.3, 0.4, 0.45].entries())
      await agentCall(page.request, token, "postEpoch", { runId: run.id, metrics: epoch(i + 1, acc) });
    await agentCall(page.request, token, "finish", { runId: run.id, outcome: "succeeded" });
    ids[name] = run.id;
  }
  return ids as { "split run": string; "whole run": string };
}

test("a micro-batched run on a software adapter: its page, the list and the report say so", async ({ page }) => {
  const ids = await seedRuns(page);

  // a phone's width: long values wrap inside the agent card, nothing scrolls sideways
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, `/runs/${ids["split run"]}`);
  const adapter = page.getByRole("region", { name: "GPU adapter" });
  await expect(adapter).toContainText("google · swiftshader");
  await expect(adapter).toContainText(swiftShader.description);
  await expect(adapter.getByRole("definition").filter({ hasText: /^4 GiB$/ })).toBeVisible(); // max buffer
  await expect(adapter).toContainText("Max storage binding2 GiB");
  await expect(adapter).toContainText("Memory budget4 GiB (set on the agent)");
  await expect(adapter.getByRole("note")).toHaveText("Software adapter (SwiftShader): correct but slow");
  const plan = page.getByRole("region", { name: "Memory plan" });
  await expect(plan).toContainText("Batch 128 as 4 micro-batches of 32 (gradients summed)");
  await expect(plan).toContainText("Activations recomputed per block");
  await expect(plan).toContainText("Estimated peak 3.0 of 3.8 GiB (AI623_GPU_MEMORY_MB)");
  await expect(plan.getByRole("note")).toHaveText(
    "Deviation from the study: BatchNorm normalised over micro-batches of 32, not the batch of 128 the study used.",
  );
  await expect(page.getByTestId("run-config")).toContainText("microBatchSizeauto");
  await page.getByRole("region", { name: "Agent" }).scrollIntoViewIfNeeded();
  await snapshot(page, "run-micro-batched-390");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const card = await page.getByTestId("run-agent").boundingBox();
  expect((card?.x ?? 0) + (card?.width ?? 0)).toBeLessThanOrEqual(390);

  // a desktop's width: the same card beside the curves, still inside the page
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, `/runs/${ids["split run"]}`);
  await expect(page.getByRole("region", { name: "Memory plan" }).getByRole("note")).toBeVisible();
  await snapshot(page, "run-micro-batched-1440");
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // a run from an older agent shows neither
  await open(page, `/runs/${ids["whole run"]}`);
  await expect(page.getByTestId("run-agent")).toContainText("webgpu agent");
  await expect(page.getByRole("region", { name: "Memory plan" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "GPU adapter" })).toHaveCount(0);

  await page.setViewportSize({ width: 1280, height: 720 });
  await open(page, "/runs");
  const split = page.getByTestId("run-row").filter({ hasText: "split run" });
  await expect(
    split.getByRole("img", {
      name: "Batch of 128 split into 4 micro-batches of 32; BatchNorm saw the micro-batches, a deviation from the study",
    }),
  ).toHaveText("4×32");
  await expect(
    page.getByTestId("run-row").filter({ hasText: "whole run" }).getByTestId("micro-batch-marker"),
  ).toHaveCount(0);
  await snapshot(page, "runs-micro-batch-marker");

  await open(page, `/compare?runs=${ids["split run"]},${ids["whole run"]}`);
  const caveats = page.getByRole("region", { name: "Caveats" });
  await expect(caveats.locator('[data-caveat="caveat.micro-batch-bn"]')).toContainText(
    'Deviation from the study: train-mode BatchNorm normalised over micro-batches, not over the whole batch as the study did: micro-batches of 32 of a batch of 128 in "split run".',
  );
  await expect(caveats.locator('[data-caveat="caveat.micro-batch-differs"]')).toContainText(
    'micro-batches of 32 in "split run"; whole batches of 128 in "whole run"',
  );
  await expect(page.getByTestId("config-diff")).not.toContainText("microBatchSize");
  await snapshot(page, "compare-micro-batch-caveat");
});

test("the launch form takes a micro-batch up to the batch size and says what it changes", async ({ page }) => {
  await open(page, "/runs/new");
  const micro = page.getByLabel("Micro-batch");
  await expect(page.locator("#microBatchSize-hint")).toHaveText(
    "Blank = the agent picks the largest that fits its memory",
  );
  await micro.fill("256");
  await expect(micro).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#microBatchSize-error")).toHaveText("Micro-batch must be at most the batch size (128)");
  await page.getByLabel("Batch size").fill("512");
  await expect(micro).toHaveAttribute("aria-invalid", "false");
  await page.getByLabel("Batch size").fill("128");
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Fix the field marked in red: Micro-batch." })).toBeVisible();
  await snapshot(page, "launch-micro-batch-invalid");

  await micro.fill("32");
  await expect(page.locator("#microBatchSize-hint")).toHaveText(
    "BatchNorm will normalise over 32 images, not the batch of 128: the report lists it as a deviation from the study",
  );
  await page.getByLabel("Epochs", { exact: true }).fill("1");
  await page.getByRole("button", { name: "Queue run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("run-config")).toContainText("microBatchSize32");
});
