import { makeMemoryPlan } from "@ai623/shared/testing";
import { describe, expect, it } from "vitest";
import { BadInputError, NotFoundError } from "../errors";
import { createTestAgent, createTestUser, epochRow, queueTestRun, sqlEngines, testConfig, useTestDb } from "../testing";
import { failRun, finishRun, startRun, upsertEpochMetrics } from "./agent-protocol";
import { claimNextRun } from "./claim";
import { getComparison, listRunIdsByTag, loadComparisonRuns } from "./compare";
import { deleteRun } from "./runs";
import { createShare, listShares, revokeShare, viewShare } from "./shares";

describe.each(sqlEngines)("comparisons and share links on %s", (engine) => {
  const t = useTestDb(engine);

  /** Two runs, pretrained and random head_only, with `epochs` epochs each posted by an agent. */
  async function twoTrainedRuns(owner: string) {
    const pre = await queueTestRun(t.db, owner, {
      name: "pre",
      config: testConfig({ init: "pretrained" }),
      tags: ["pair"],
      priority: 2,
    });
    const rnd = await queueTestRun(t.db, owner, {
      name: "rnd",
      config: testConfig({ init: "random" }),
      tags: ["pair"],
      priority: 1,
    });
    const { agentId } = await createTestAgent(t.db, owner);
    for (const [run, accs] of [
      [pre, [0.5, 0.7]],
      [rnd, [0.1, 0.2]],
    ] as const) {
      await claimNextRun(t.db, agentId, { gpu: false });
      for (const [i, acc] of accs.entries()) await upsertEpochMetrics(t.db, agentId, run.id, epochRow(i + 1, acc));
    }
    return { pre, rnd, agentId };
  }

  it("loads the user's runs with every epoch, in the order asked, and writes the report from them", async () => {
    const owner = await createTestUser(t.db);
    const { pre, rnd } = await twoTrainedRuns(owner);
    const { runs, report } = await getComparison(t.db, owner, [rnd.id, pre.id]);
    expect(runs.map((r) => [r.name, r.metrics.map((m) => m.valAcc)])).toEqual([
      ["rnd", [0.1, 0.2]],
      ["pre", [0.5, 0.7]],
    ]);
    expect(runs[0]?.analysis?.trainableParams).toBe(20_490);
    expect(report.runCount).toBe(2);
    expect(report.headline).toContain("pre");
    expect(new Set(await listRunIdsByTag(t.db, owner, "pair"))).toEqual(new Set([pre.id, rnd.id]));

    await expect(getComparison(t.db, await createTestUser(t.db), [pre.id])).rejects.toBeInstanceOf(NotFoundError);
    await expect(getComparison(t.db, owner, [])).rejects.toBeInstanceOf(BadInputError);
  });

  it("carries each run's memory plan into the report, which lists micro-batched BatchNorm", async () => {
    const owner = await createTestUser(t.db);
    const { pre, rnd, agentId } = await twoTrainedRuns(owner);
    const split = await queueTestRun(t.db, owner, { name: "split", config: testConfig({ seed: 7 }) });
    await claimNextRun(t.db, agentId, { gpu: false });
    const memoryPlan = makeMemoryPlan({ microBatchSize: 32 });
    await startRun(t.db, agentId, {
      runId: split.id,
      backend: "wasm",
      backendReason: "test",
      device: "cpu",
      threads: 1,
      prefixCached: false,
      memoryPlan,
      resumedFromEpoch: null,
      weightsSha256: null,
    });
    await upsertEpochMetrics(t.db, agentId, split.id, epochRow(1, 0.4));
    const { runs, report } = await getComparison(t.db, owner, [pre.id, rnd.id, split.id]);
    expect(runs.map((r) => r.memoryPlan ?? null)).toEqual([null, null, memoryPlan]);
    const caveat = report.caveats.find((c) => c.id === "caveat.micro-batch-bn");
    expect(caveat?.runIds).toEqual([split.id]);
    expect(caveat?.text).toContain('micro-batches of 32 of a batch of 128 in "split" (still running, 1 of 5 epochs).');
  });

  it("freezes a snapshot link, keeps a live link current, hides failure details, and revokes", async () => {
    const owner = await createTestUser(t.db);
    const { pre, rnd, agentId } = await twoTrainedRuns(owner);
    const broken = await queueTestRun(t.db, owner, { name: "broken" });
    await claimNextRun(t.db, agentId, { gpu: false });
    await startRun(t.db, agentId, {
      runId: broken.id,
      backend: "wasm",
      backendReason: "test",
      device: "cpu",
      threads: 1,
      prefixCached: false,
      resumedFromEpoch: null,
      weightsSha256: null,
    });
    await failRun(t.db, agentId, {
      runId: broken.id,
      error: { code: "WEIGHTS_MISSING", message: "no file at /home/alice/secret-host/.cache" },
    });
    const owned = await loadComparisonRuns(t.db, owner, [broken.id]);
    expect(owned[0]?.error).toContain("/home/alice");

    const ids = [pre.id, rnd.id, broken.id];
    const frozen = await createShare(t.db, owner, { runIds: ids, title: "Pretrained vs random", mode: "snapshot" });
    const live = await createShare(t.db, owner, { runIds: ids, title: "Live", mode: "live" });
    expect(frozen.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(frozen.token).not.toBe(live.token);
    expect(frozen).not.toHaveProperty("snapshot");

    const seen = await viewShare(t.db, frozen.token);
    expect(seen.mode).toBe("snapshot");
    expect(seen.runs.map((r) => r.name)).toEqual(["pre", "rnd", "broken"]);
    expect(seen.runs[2]?.error).toBe("WEIGHTS_MISSING");
    expect(JSON.stringify(seen)).not.toContain("alice");
    expect(JSON.stringify(seen)).not.toContain(owner);

    // a later epoch shows on the live link only
    await upsertEpochMetrics(t.db, agentId, pre.id, epochRow(3, 0.9));
    expect((await viewShare(t.db, frozen.token)).runs[0]?.metrics).toHaveLength(2);
    expect((await viewShare(t.db, live.token)).runs[0]?.metrics).toHaveLength(3);

    // a run deleted later leaves a live link; the snapshot keeps it
    await finishRun(t.db, agentId, { runId: rnd.id, outcome: "succeeded" });
    await deleteRun(t.db, owner, rnd.id);
    expect((await viewShare(t.db, live.token)).runs.map((r) => r.name)).toEqual(["pre", "broken"]);
    expect((await viewShare(t.db, frozen.token)).runs).toHaveLength(3);

    expect((await listShares(t.db, owner)).map((s) => s.title)).toEqual(["Live", "Pretrained vs random"]);
    await revokeShare(t.db, owner, frozen.id);
    await expect(viewShare(t.db, frozen.token)).rejects.toBeInstanceOf(NotFoundError);
    await expect(viewShare(t.db, "x".repeat(43))).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeShare(t.db, await createTestUser(t.db), live.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      createShare(t.db, await createTestUser(t.db), { runIds: [pre.id], title: "x", mode: "live" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(createShare(t.db, owner, { runIds: [pre.id], title: " ", mode: "live" })).rejects.toBeInstanceOf(
      BadInputError,
    );
  });
});
