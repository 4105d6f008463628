import { expect, test } from "@playwright/test";
import { agentCall, host, mutate, open, signUp, snapshot, tinyConfig } from "./api";
import { e2eBaseURL } from "./base-url";

test.beforeEach(async ({ page }) => {
  await signUp(page, "agents");
});

test("create a token shown once with the command, see the agent online with its run, revoke it", async ({ page }) => {
  await open(page, "/agents");
  await expect(page.getByText("No agents yet.")).toBeVisible();
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an agent token" });
  await dialog.getByLabel("Name").fill("lab-gpu-1");
  await dialog.getByRole("button", { name: "Create" }).click();
  const token = (await dialog.getByTestId("agent-token").textContent()) ?? "";
  expect(token).toMatch(/^ai623_[A-Za-z0-9_-]{43}$/);
  await expect(dialog.getByTestId("agent-command")).toHaveText(
    `npx ai623-agent --server ${e2eBaseURL} --token ${token}`,
  );
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByTestId("agent-row").filter({ hasText: "lab-gpu-1" });
  await expect(row.getByTestId("agent-state")).toHaveText("never connected");

  await agentCall(page.request, token, "hello", { host: { ...host, gpu: "NVIDIA H200", backend: "tensorflow-gpu" } });
  await mutate(page, "runs.create", { name: "held run", config: tinyConfig });
  await agentCall(page.request, token, "claim", { gpu: true });
  await expect(row.getByTestId("agent-state")).toHaveText("online", { timeout: 8000 });
  await expect(row).toContainText("tensorflow-gpu");
  await expect(row).toContainText("NVIDIA H200");
  await expect(row).toContainText("e2e-box");
  await expect(row.getByRole("link", { name: "held run" })).toBeVisible();
  await snapshot(page, "agents-online");

  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Revoke lab-gpu-1" }).click();
  await expect(row.getByTestId("agent-state")).toHaveText("revoked");
  const refused = await page.request.post("/api/trpc/agent.heartbeat", {
    data: { json: { runId: null } },
    headers: { authorization: `Bearer ${token}` },
  });
  expect(refused.status()).toBe(401);
});
