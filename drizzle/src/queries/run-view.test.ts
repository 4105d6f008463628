import { describe, expect, it } from "vitest";
import { BadInputError, NotFoundError } from "../errors";
import { createTestAgent, createTestUser, epochRow, queueTestRun, sqlEngines, testConfig, useTestDb } from "../testing";
import { heartbeatAgent, helloAgent, upsertEpochMetrics } from "./agent-protocol";
import { claimNextRun } from "./claim";
import { createProject } from "./projects";
import { getRunView, listRunChanges } from "./run-view";
import { createRuns, listRuns } from "./runs";

const host = {
  hostname: "lab-gpu-1",
  os: "linux 6.1",
  cpu: "Xeon",
  cpuCount: 16,
  memoryMb: 65_536,
  gpu: "NVIDIA H200",
  backend: "tensorflow-gpu" as const,
  backendReason: "created GPU:0",
  agentVersion: "0.1.0",
};

describe.each(sqlEngines)("run views and live changes on %s", (engine) => {
  const t = useTestDb(engine);

  it("shows a run with its project and the agent that holds it, never the token hash", async () => {
    const owner = await createTestUser(t.db);
    const project = await createProject(t.db, owner, { name: "study" });
    const run = await queueTestRun(t.db, owner, { projectId: project.id });
    expect(await getRunView(t.db, owner, run.id)).toMatchObject({
      project: { id: project.id, name: "study" },
      agent: null,
    });

    const { agentId } = await createTestAgent(t.db, owner, "gpu box");
    await helloAgent(t.db, agentId, host);
    await claimNextRun(t.db, agentId, { gpu: true });
    const view = await getRunView(t.db, owner, run.id);
    expect(view.run.status).toBe("claimed");
    expect(view.agent).toMatchObject({
      id: agentId,
      name: "gpu box",
      online: true,
      gpu: "NVIDIA H200",
      backend: "tensorflow-gpu",
    });
    expect(view.agent).not.toHaveProperty("tokenHash");
    // an hour later nobody has heard from it
    const later = new Date(Date.now() + 3_600_000);
    expect((await getRunView(t.db, owner, run.id, later)).agent?.online).toBe(false);

    await expect(getRunView(t.db, await createTestUser(t.db), run.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists the runs with their project and agent names", async () => {
    const owner = await createTestUser(t.db);
    const run = await queueTestRun(t.db, owner, { name: "named" });
    const { agentId } = await createTestAgent(t.db, owner, "cpu box");
    await claimNextRun(t.db, agentId, { gpu: false });
    const { items } = await listRuns(t.db, owner, {});
    expect(items.map((r) => [r.id, r.projectName, r.agentName])).toEqual([[run.id, "Default", "cpu box"]]);
  });

  it("queues a suite in one transaction: all runs or, when one is refused, none", async () => {
    const owner = await createTestUser(t.db);
    const created = await createRuns(t.db, owner, [
      { config: testConfig({ freezeMode: "head_only" }), name: "a", tags: ["suite"] },
      { config: testConfig({ freezeMode: "full" }), name: "b", tags: ["suite"] },
    ]);
    expect(created.map((r) => [r.name, r.trainableParams])).toEqual([
      ["a", 20_490],
      ["b", 58_164_298],
    ]);
    await expect(
      createRuns(t.db, owner, [
        { config: testConfig(), name: "c" },
        { config: testConfig(), name: "d", maxAttempts: 0 },
      ]),
    ).rejects.toBeInstanceOf(BadInputError);
    expect((await listRuns(t.db, owner, { sort: "name" })).items.map((r) => r.name)).toEqual(["a", "b"]);
    await expect(createRuns(t.db, owner, [])).rejects.toBeInstanceOf(BadInputError);
  });

  it("reports the owner's runs changed since a moment, oldest first, optionally only some", async () => {
    const owner = await createTestUser(t.db);
    const stranger = await createTestUser(t.db);
    const a = await queueTestRun(t.db, owner, { name: "a" });
    const b = await queueTestRun(t.db, owner, { name: "b" });
    await queueTestRun(t.db, stranger);
    const since = new Date(Date.now() - 60_000);
    expect((await listRunChanges(t.db, owner, since)).map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect((await listRunChanges(t.db, owner, since, { runIds: [b.id] })).map((c) => c.id)).toEqual([b.id]);

    const { agentId } = await createTestAgent(t.db, owner);
    const claimed = await claimNextRun(t.db, agentId, { gpu: false });
    const mark = new Date(claimed!.updatedAt.getTime() - 1);
    await upsertEpochMetrics(t.db, agentId, claimed!.id, epochRow(1, 0.25));
    const changes = await listRunChanges(t.db, owner, mark);
    expect(changes.at(-1)).toMatchObject({ id: claimed!.id, status: "running", epochsRecorded: 1, bestValAcc: 0.25 });
    // a heartbeat moves the lease, which touches the row but no field the page shows
    await heartbeatAgent(t.db, agentId, claimed!.id);
    expect((await listRunChanges(t.db, owner, new Date(Date.now() + 60_000))).length).toBe(0);
  });
});
