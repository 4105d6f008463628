// What the API tests share: the rows they read back, a small run config, an agent's host and
// epoch rows, and shortcuts for the calls most tests start with.
import { expect } from "vitest";
import { type Caller, mutate, query } from "./http";

export interface RunRow {
  id: string;
  name: string;
  status: string;
  attempt: number;
  epochsRecorded: number;
  bestValAcc: number | null;
  bestEpoch: number | null;
  config: { dataset: string; epochs: number };
}
export interface Page {
  items: RunRow[];
  nextCursor: string | null;
}
export interface Created {
  agent: { id: string; name: string };
  token: string;
  command: string;
}
export interface MetricRow {
  epoch: number;
  valAcc: number;
  trainLoss: number;
}

export const host = {
  hostname: "test-box",
  os: "linux x64",
  cpu: "Test CPU",
  cpuCount: 2,
  memoryMb: 4096,
  agentVersion: "0.1.0",
};

export const epoch = (n: number, valAcc: number, trainLoss = 1 / n) => ({
  epoch: n,
  trainLoss,
  trainAcc: 0.5,
  valLoss: 1.2,
  valAcc,
  lr: 1e-3,
  epochSeconds: 12.5,
  imagesPerSec: 400,
  peakMemoryMb: 2048,
});

export const smallConfig = { dataset: "synthetic-cifar10", epochs: 2, imageSize: 32, trainSubset: 64, valSubset: 32 };

/** `cleanup` runs after the server's connection is closed (e.g. dropping the test database). */

export async function listRuns(who: Caller): Promise<RunRow[]> {
  const res = await query<Page>("runs.list", {}, who);
  expect(res.status).toBe(200);
  return res.data?.items ?? [];
}

export async function createAgent(who: Caller, name: string): Promise<Created> {
  const res = await mutate<Created>("agents.create", { name }, who);
  expect(res.error).toBeNull();
  return res.data!;
}

export async function createRun(who: Caller, name: string): Promise<RunRow> {
  const res = await mutate<RunRow>("runs.create", { name, config: smallConfig }, who);
  expect(res.error).toBeNull();
  return res.data!;
}
