import { readFile } from "node:fs/promises";
import { expect, type Page, test } from "@playwright/test";
import { agentCall, epoch, mutate, open, signUp, snapshot, startAgent } from "./api";

test.beforeEach(async ({ page }) => {
  await signUp(page, "compare");
});

/** Three finished runs as an agent would leave them: pretrained and random head_only, and pretrained full. */
async function seedThreeRuns(page: Page, { finishLast = true } = {}) {
  const { token } = await startAgent(page, "secret-host-agent");
  const specs = [
    { name: "pretrained head", init: "pretrained", freezeMode: "head_only", accs: [0.52, 0.64, 0.7071] },
    { name: "random head", init: "random", freezeMode: "head_only", accs: [0.02, 0.035, 0.042] },
    { name: "pretrained full", init: "pretrained", freezeMode: "full", accs: [0.4, 0.6, 0.75] },
  ];
  const ids: string[] = [];
  for (const s of specs) {
    const run = await mutate<{ id: string }>(page, "runs.create", {
      name: s.name,
      tags: ["trio"],
      config: { dataset: "synthetic-cifar100", init: s.init, freezeMode: s.freezeMode, epochs: 4, imageSize: 32 },
    });
    await agentCall(page.request, token, "claim", { gpu: false });
    for (const [i, acc] of s.accs.entries())
      await agentCall(page.request, token, "postEpoch", { runId: run.id, metrics: epoch(i + 1, acc) });
    if (finishLast || ids.length < 2)
      await agentCall(page.request, token, "finish", { runId: run.id, outcome: "succeeded" });
    ids.push(run.id);
  }
  return { ids, token };
}

test("compare three runs, export everything, share a frozen link and read it signed out, then revoke it", async ({
  page,
  browser,
}) => {
  await seedThreeRuns(page);
  await open(page, "/runs");
  for (const name of ["pretrained head", "random head", "pretrained full"]) {
    await page.getByRole("checkbox", { name: `Select ${name}` }).check();
  }
  await page.getByRole("link", { name: "Compare 3" }).click();
  await expect(page).toHaveURL(/\/compare\?runs=/);
  await expect(page.locator("html[data-hydrated=true]")).toBeAttached();

  // curves, summary, config diff, scatter plots, analysis
  await expect(page.getByTestId("compare-chart-valAcc").locator("svg")).toBeVisible();
  await expect(page.getByTestId("legend-toggle")).toHaveCount(3);
  await page.getByTestId("legend-toggle").filter({ hasText: "random head" }).click();
  await expect(page.getByTestId("legend-toggle").filter({ hasText: "random head" })).toHaveAttribute(
    "aria-pressed",
    "false",
  );
  const summary = page.getByTestId("summary-table");
  await expect(summary.getByRole("row", { name: /pretrained head/ })).toContainText("70.71 %");
  await expect(summary.getByRole("row", { name: /pretrained head/ }).getByTestId("efficiency")).toHaveText("3.4510");
  await expect(page.getByTestId("config-diff").getByRole("row")).toHaveCount(3); // header, init, freezeMode
  await expect(page.getByTestId("scatter-params").locator("svg")).toBeVisible();
  await expect(page.getByTestId("report-headline")).toContainText("pretrained full");
  await expect(page.getByTestId("report")).toContainText("Pretrained");
  await snapshot(page, "compare");

  // exports: each downloads and parses
  const download = async (name: string) => {
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name }).click()]);
    return { name: file.suggestedFilename(), body: await readFile((await file.path()) as string) };
  };
  const csv = await download("Metrics CSV");
  expect(csv.name).toMatch(/\.csv$/);
  const lines = csv.body.toString("utf8").trim().split("\n");
  expect(lines[0]).toMatch(/^runId,runName,epoch,trainLoss/);
  expect(lines).toHaveLength(1 + 9);
  const json = JSON.parse((await download("Metrics JSON")).body.toString("utf8"));
  expect(json.map((r: { name: string }) => r.name)).toEqual(["pretrained head", "random head", "pretrained full"]);
  const md = (await download("Report Markdown")).body.toString("utf8");
  expect(md).toMatch(/^# Comparison of 3 runs/);
  expect(md).toContain("| Run |");
  const png = await download("Download Validation accuracy as PNG");
  expect(png.body.subarray(1, 4).toString("latin1")).toBe("PNG");
  const svg = (await download("Download Validation accuracy as SVG")).body.toString("utf8");
  expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain("<path");

  // a frozen link, opened by someone with no account
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog", { name: "Share this comparison" });
  await dialog.getByLabel("Title").fill("Does pretraining pay off?");
  await dialog.getByRole("button", { name: "Create link" }).click();
  const url = (await dialog.getByTestId("share-url").textContent()) ?? "";
  expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);

  const stranger = await browser.newContext();
  const visitor = await stranger.newPage();
  const response = await visitor.goto(url);
  expect(response?.status()).toBe(200);
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText("Does pretraining pay off?");
  await expect(visitor).toHaveTitle("Does pretraining pay off? · ai623");
  await expect(visitor.locator('meta[name="description"]')).toHaveAttribute("content", /pretrained full/);
  await expect(visitor.locator('meta[property="og:title"]')).toHaveAttribute("content", "Does pretraining pay off?");
  await expect(visitor.getByTestId("report")).toBeVisible();
  await expect(visitor.getByTestId("compare-chart-valAcc").locator("svg")).toBeVisible();
  await expect(visitor.getByText(/A snapshot of 3 runs/)).toBeVisible();
  // nothing but the comparison: no agent or host, no navigation, no actions
  const html = await visitor.content();
  expect(html).not.toContain("secret-host-agent");
  expect(html).not.toContain("e2e-box");
  await expect(visitor.getByRole("button", { name: "Share" })).toHaveCount(0);
  await expect(visitor.getByRole("link", { name: "Runs" })).toHaveCount(0);
  expect((await visitor.request.get("/api/trpc/runs.list?input=%7B%22json%22%3A%7B%7D%7D")).status()).toBe(401);
  await snapshot(visitor, "shared");

  // revoked: the link is gone for everyone
  await open(page, "/shares");
  const row = page.getByTestId("share-row").filter({ hasText: "Does pretraining pay off?" });
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Revoke Does pretraining pay off?" }).click();
  await expect(row).toContainText("revoked");
  expect((await visitor.goto(url))?.status()).toBe(404);
  await stranger.close();
});

test("a suite opens as a comparison, and a live link follows new epochs", async ({ page, browser }) => {
  const { ids, token } = await seedThreeRuns(page, { finishLast: false });
  await open(page, "/compare?tag=trio");
  await expect(page.getByTestId("summary-table").getByRole("row")).toHaveCount(4);
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog", { name: "Share this comparison" });
  await dialog.getByLabel("Live").check();
  await dialog.getByRole("button", { name: "Create link" }).click();
  const url = (await dialog.getByTestId("share-url").textContent()) ?? "";

  const stranger = await browser.newContext();
  const visitor = await stranger.newPage();
  await visitor.goto(url);
  await expect(visitor.getByText("3 runs, live")).toBeVisible();
  await expect(visitor.getByTestId("summary-table").getByRole("row", { name: /pretrained full/ })).toContainText(
    "75.00 %",
  );
  // the run still training posts its last epoch: the live link shows it on the next visit
  await agentCall(page.request, token, "postEpoch", { runId: ids[2], metrics: epoch(4, 0.9) });
  await visitor.reload();
  await expect(visitor.getByTestId("summary-table").getByRole("row", { name: /pretrained full/ })).toContainText(
    "90.00 %",
  );
  await stranger.close();
});
