import { type EpochMetrics, parseRunConfig, type RunConfigInput } from "@ai623/shared";
import type { Db } from "../client";
import { createAgent } from "../queries/agents";
import { type CreateRunInput, createRun, type Run } from "../queries/runs";

/** A small valid run config (the study's defaults with a few epochs). */
export function testConfig(overrides: RunConfigInput = {}) {
  return parseRunConfig({ dataset: "synthetic-cifar10", epochs: 5, imageSize: 32, ...overrides });
}

export function queueTestRun(db: Db, ownerId: string, input: Partial<CreateRunInput> = {}): Promise<Run> {
  return createRun(db, ownerId, { config: testConfig(), ...input });
}

/** An agent with its token; `agentId` for the protocol queries. */
export async function createTestAgent(db: Db, ownerId: string, name = "test-agent") {
  const { agent, token } = await createAgent(db, ownerId, name);
  return { agentId: agent.id, token, agent };
}

export function epochRow(epoch: number, valAcc: number, extra: Partial<EpochMetrics> = {}): EpochMetrics {
  return {
    epoch,
    trainLoss: 2 / epoch,
    trainAcc: Math.min(1, valAcc + 0.05),
    valLoss: 2.1 / epoch,
    valAcc,
    lr: 1e-3,
    epochSeconds: 12.5,
    imagesPerSec: 400,
    peakMemoryMb: 1024,
    ...extra,
  };
}
