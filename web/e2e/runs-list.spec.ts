import { expect, test } from "@playwright/test";
import { agentCall, mutate, open, signUp, snapshot, startAgent, tinyConfig } from "./api";

test.beforeEach(async ({ page }) => {
  await signUp(page, "runs-list");
});

test("an empty list says what to do next", async ({ page }) => {
  await open(page, "/runs");
  await expect(page.getByText("No runs yet.")).toBeVisible();
  await snapshot(page, "runs-empty");
  await expect(page.getByRole("link", { name: "Launch one of the study's runs" })).toHaveAttribute("href", "/runs/new");
  await expect(page.getByRole("link", { name: "create a token on the Agents page" })).toBeVisible();
});

test("filters, search, sort, pages, selection and live statuses", async ({ page }) => {
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `run ${String(from + i).padStart(3, "0")}`,
      config: { ...tinyConfig, freezeMode: (from + i) % 3 === 0 ? "full" : "head_only" },
      tags: (from + i) % 10 === 0 ? ["tenth"] : [],
    }));
  await mutate(page, "runs.createMany", { runs: batch(0, 40) });
  await mutate(page, "runs.createMany", { runs: batch(40, 25) });

  await open(page, "/runs");
  const rows = page.getByTestId("run-row");
  await expect(rows).toHaveCount(50);
  // the live stream opens once the page is interactive
  await expect(page.getByTestId("live-indicator")).toHaveText("● live");
  // newest first: the second batch before the first (runs queued together share their creation time)
  await expect(rows.first()).toContainText(/run 0[4-6]\d/);
  await expect(rows.nth(25)).toContainText(/run 0[0-3]\d/);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(65);
  await snapshot(page, "runs-list");
  await expect(page.getByRole("button", { name: "Load more" })).toBeHidden();

  await page.getByLabel("Trainable").selectOption("full");
  await expect(rows).toHaveCount(22);
  await expect(page).toHaveURL(/freezeMode=full/);
  await page.getByRole("searchbox", { name: "Search" }).fill("run 00");
  await expect(rows).toHaveCount(4); // 000, 003, 006, 009
  await page.getByLabel("Sort").selectOption("name");
  await expect(rows.first()).toContainText("run 000");
  // the URL holds the filters: a reload shows the same list, rendered by the server
  await page.reload();
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId("live-indicator")).toHaveText("● live");
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("run 00");

  await page.getByRole("searchbox", { name: "Search" }).fill("nothing like this");
  await expect(page.getByText("No run matches these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear the filters" }).click();
  await expect(rows).toHaveCount(50);

  await rows.filter({ hasText: "run 010" }).getByRole("button", { name: "tenth" }).click();
  await expect(rows).toHaveCount(7);

  await page.getByRole("checkbox", { name: "Select run 010" }).check();
  await page.getByRole("checkbox", { name: "Select run 020" }).check();
  await expect(page.getByRole("link", { name: "Compare 2" })).toHaveAttribute(
    "href",
    /\/compare\?runs=[0-9a-f-]{36},[0-9a-f-]{36}$/,
  );

  // an agent claims a run: the list shows it without a reload
  await page.getByRole("button", { name: "tag: tenth ✕" }).click();
  await expect(rows).toHaveCount(50);
  const { token } = await startAgent(page, "list agent");
  const { run } = await agentCall<{ run: { name: string } }>(page.request, token, "claim", { gpu: false });
  const claimed = rows.filter({ hasText: run.name });
  await expect(claimed.getByTestId("run-status")).toHaveText("claimed", { timeout: 3000 });
  await expect(claimed).toContainText("list agent");
});
