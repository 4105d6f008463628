import type { GpuAdapter, MemoryPlan, ModelAnalysisRecord, RunConfig } from "@ai623/shared";
import { runStatuses } from "@ai623/shared";
import { relations, sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { agents } from "./agents";
import { users } from "./auth";
import { timestampMs, timestamps } from "./columns";
import { epochMetrics } from "./epoch-metrics";
import { projects } from "./projects";
import { runEvents } from "./run-events";

export const runStatus = pgEnum("run_status", runStatuses);

export const runs = pgTable(
  "runs",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Denormalised from the project so list filters stay one index scan. */
    ownerId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** Validated by `runConfigSchema` before it is written; every default filled in. */
    config: jsonb().$type<RunConfig>().notNull(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    status: runStatus().notNull().default("queued"),
    priority: integer().notNull().default(0),
    requiresGpu: boolean().notNull().default(false),
    attempt: integer().notNull().default(1),
    maxAttempts: integer().notNull().default(3),
    agentId: uuid().references(() => agents.id, { onDelete: "set null" }),
    leaseExpiresAt: timestampMs(),
    cancelRequested: boolean().notNull().default(false),
    checkpointEpoch: integer(),
    // set when that checkpoint lies inside checkpointEpoch: the training steps done in it
    checkpointStep: integer(),
    checkpointSha256: text(),
    // model analysis, computed from the config when the run is created
    totalParams: bigint({ mode: "number" }),
    trainableParams: bigint({ mode: "number" }),
    flops: bigint({ mode: "number" }),
    analysis: jsonb().$type<ModelAnalysisRecord>(),
    // what the agent reported when training started
    backend: text(),
    device: text(),
    prefixCached: boolean(),
    /** the WebGPU adapter, on webgpu */
    adapter: jsonb().$type<GpuAdapter>(),
    /** micro-batches, recomputation and the memory estimate the agent's pre-flight chose */
    memoryPlan: jsonb().$type<MemoryPlan>(),
    // results, kept current as epochs arrive
    epochsRecorded: integer().notNull().default(0),
    bestValAcc: doublePrecision(),
    bestEpoch: integer(),
    errorCode: text(),
    error: text(),
    startedAt: timestampMs(),
    finishedAt: timestampMs(),
    ...timestamps,
  },
  (t) => [
    // ORDER BY x DESC means NULLS FIRST; drizzle-kit writes DESC NULLS LAST unless told, and an index
    // whose null order differs from the query's cannot serve its ORDER BY (the planner sorts instead).
    // the claim: one owner's queued runs in priority order
    index("runs_queue_idx").on(t.ownerId, t.status, t.priority.desc().nullsFirst(), t.createdAt, t.id),
    // listRuns keyset pagination, one index per sort order
    index("runs_owner_created_idx").on(t.ownerId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("runs_owner_best_idx").on(t.ownerId, sql`coalesce(${t.bestValAcc}, -1) desc`, t.id.desc().nullsFirst()),
    index("runs_owner_name_idx").on(t.ownerId, t.name, t.id),
    // the live stream's poll: one owner's runs changed since a moment
    index("runs_owner_updated_idx").on(t.ownerId, t.updatedAt),
    index("runs_project_idx").on(t.projectId),
    index("runs_agent_idx").on(t.agentId),
    index("runs_lease_idx").on(t.leaseExpiresAt),
  ],
);

export const runsRelations = relations(runs, ({ one, many }) => ({
  project: one(projects, { fields: [runs.projectId], references: [projects.id] }),
  owner: one(users, { fields: [runs.ownerId], references: [users.id] }),
  agent: one(agents, { fields: [runs.agentId], references: [agents.id] }),
  metrics: many(epochMetrics),
  events: many(runEvents),
}));
