import { describe, expect, it } from "vitest";
import { agentProtocol } from "./protocol";

const runId = "00000000-0000-4000-8000-000000000001";
const sha256 = "a".repeat(64);

describe("agent protocol compatibility across agent and site versions", () => {
  it("checkpoint.step is optional: an epoch-end report (older agents) and a mid-epoch one both parse", () => {
    const input = agentProtocol.checkpoint.input;
    expect(input.parse({ runId, epoch: 2, bytes: 10, sha256 })).toEqual({ runId, epoch: 2, bytes: 10, sha256 });
    expect(input.parse({ runId, epoch: 2, step: 5, bytes: 10, sha256 }).step).toBe(5);
    expect(input.safeParse({ runId, epoch: 2, step: 0, bytes: 10, sha256 }).success).toBe(false);
    expect(input.safeParse({ runId, epoch: 2, step: 1.5, bytes: 10, sha256 }).success).toBe(false);
  });

  it("a claim answer from a site without checkpointStep reads as an epoch-end checkpoint", () => {
    const run = {
      id: runId,
      name: "r",
      config: { dataset: "synthetic-cifar10", init: "random", freezeMode: "full" },
      attempt: 1,
      maxAttempts: 3,
      checkpointEpoch: 2,
      epochsRecorded: 2,
      leaseExpiresAt: new Date(),
    };
    const parsed = agentProtocol.claim.output.parse({ run });
    expect(parsed.run).toMatchObject({ checkpointEpoch: 2, checkpointStep: null });
    expect(agentProtocol.claim.output.parse({ run: { ...run, checkpointStep: 4 } }).run?.checkpointStep).toBe(4);
  });
});
