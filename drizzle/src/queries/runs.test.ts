import { analyzeModel } from "@ai623/shared";
import { describe, expect, it } from "vitest";
import { BadInputError, ConflictError, NotFoundError } from "../errors";
import { createTestAgent, createTestUser, queueTestRun, sqlEngines, testConfig, useTestDb } from "../testing";
import { failRun } from "./agent-protocol";
import { claimNextRun } from "./claim";
import { listRunEvents } from "./events";
import { listEpochMetrics } from "./metrics";
import { createProject, ensureDefaultProject, listProjects } from "./projects";
import { createRun, deleteRun, getRun, listRuns, requestCancel, requeueRun } from "./runs";

describe.each(sqlEngines)("projects and runs on %s", (engine) => {
  const t = useTestDb(engine);

  it("keeps one default project per user and refuses a duplicate project name", async () => {
    const owner = await createTestUser(t.db);
    const a = await ensureDefaultProject(t.db, owner);
    const b = await ensureDefaultProject(t.db, owner);
    expect(b.id).toBe(a.id);
    const study = await createProject(t.db, owner, { name: "Study", description: "the course" });
    await expect(createProject(t.db, owner, { name: "Study" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createProject(t.db, owner, { name: "  " })).rejects.toBeInstanceOf(BadInputError);
    expect((await listProjects(t.db, owner)).map((p) => p.id)).toEqual([a.id, study.id]);
    expect(await listProjects(t.db, await createTestUser(t.db))).toHaveLength(1); // another user's default only
  });

  it("creates a queued run with its analysis, tags and a created event", async () => {
    const owner = await createTestUser(t.db);
    const config = testConfig({ dataset: "cifar100", init: "random", freezeMode: "final_block" });
    const run = await createRun(t.db, owner, {
      config,
      tags: ["study", "study", "cifar100"],
      priority: 3,
      requiresGpu: true,
      maxAttempts: 2,
    });
    expect(run).toMatchObject({
      status: "queued",
      attempt: 1,
      maxAttempts: 2,
      priority: 3,
      requiresGpu: true,
      name: "cifar100 · random · final_block",
      tags: ["study", "cifar100"],
      // the analysis is computed from the config, the numbers the launch form showed
      totalParams: 58_348_708,
      trainableParams: 15_169_636,
      flops: analyzeModel(config).flops,
      analysis: analyzeModel(config),
      epochsRecorded: 0,
    });
    expect(run.config.lr).toBe(1e-3);
    expect(await getRun(t.db, owner, run.id)).toEqual(run);
    expect((await listRunEvents(t.db, owner, run.id)).map((e) => e.kind)).toEqual(["created"]);
    await expect(createRun(t.db, owner, { config: testConfig(), maxAttempts: 0 })).rejects.toBeInstanceOf(
      BadInputError,
    );
  });

  it("hides another user's runs and projects behind NotFoundError", async () => {
    const owner = await createTestUser(t.db);
    const stranger = await createTestUser(t.db);
    const run = await queueTestRun(t.db, owner);
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const id of [run.id, unknown, "not-a-uuid"]) {
      await expect(getRun(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(requestCancel(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(requeueRun(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(deleteRun(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(listEpochMetrics(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(listRunEvents(t.db, stranger, id)).rejects.toBeInstanceOf(NotFoundError);
    }
    const [project] = await listProjects(t.db, owner);
    await expect(createRun(t.db, stranger, { config: testConfig(), projectId: project!.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await listRuns(t.db, stranger)).items).toEqual([]);
    expect((await getRun(t.db, owner, run.id)).status).toBe("queued"); // untouched
  });

  it("cancels a queued run at once and a claimed one by request; refuses to cancel a finished run", async () => {
    const owner = await createTestUser(t.db);
    const { agentId } = await createTestAgent(t.db, owner);
    const held = await queueTestRun(t.db, owner, { priority: 1 });
    const waiting = await queueTestRun(t.db, owner);
    await claimNextRun(t.db, agentId, { gpu: false });

    expect(await requestCancel(t.db, owner, waiting.id)).toMatchObject({ status: "cancelled" });
    const marked = await requestCancel(t.db, owner, held.id);
    expect(marked).toMatchObject({ status: "claimed", cancelRequested: true });
    expect((await listRunEvents(t.db, owner, held.id)).map((e) => e.kind)).toContain("cancel_requested");
    await expect(requestCancel(t.db, owner, waiting.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(deleteRun(t.db, owner, held.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it("requeues a failed run as the next attempt with the agent cleared, then deletes it", async () => {
    const owner = await createTestUser(t.db);
    const { agentId } = await createTestAgent(t.db, owner);
    const run = await queueTestRun(t.db, owner, { maxAttempts: 1 });
    await expect(requeueRun(t.db, owner, run.id)).rejects.toBeInstanceOf(ConflictError); // still queued
    await claimNextRun(t.db, agentId, { gpu: false });
    await failRun(t.db, agentId, { runId: run.id, error: { code: "NAN_LOSS", message: "loss became NaN at epoch 2" } });

    const again = await requeueRun(t.db, owner, run.id);
    expect(again).toMatchObject({
      status: "queued",
      attempt: 2,
      maxAttempts: 2,
      agentId: null,
      error: null,
      errorCode: null,
    });
    expect((await listRunEvents(t.db, owner, run.id)).at(-1)).toMatchObject({ kind: "requeued", attempt: 2 });

    await deleteRun(t.db, owner, run.id);
    await expect(getRun(t.db, owner, run.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
