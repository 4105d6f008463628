/**
 * Inputs of the user-facing API (the site's own procedures). The agent's are in protocol.ts.
 */
import { z } from "zod";
import { datasetSchema, freezeModeSchema, initSchema, runConfigSchema } from "./run-config";
import { runStatusSchema } from "./run-status";

const name = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

export const runIdInputSchema = z.object({ runId: z.uuid() }).strict();
export type RunIdInput = z.infer<typeof runIdInputSchema>;

export const createRunInputSchema = z
  .object({
    /** Omitted: the user's default project. */
    projectId: z.uuid().optional(),
    /** Omitted: named after its config ("cifar100 · pretrained · final_block"). */
    name: name(200).optional(),
    config: runConfigSchema,
    tags: z.array(name(50)).max(20).default([]),
    priority: z.number().int().min(-1000).max(1000).default(0),
    requiresGpu: z.boolean().default(false),
    maxAttempts: z.number().int().min(1).max(20).default(3),
  })
  .strict();
export type CreateRunInput = z.input<typeof createRunInputSchema>;

/** A suite: several runs queued in one transaction (all or none). */
export const createRunsInputSchema = z
  .object({
    runs: z.array(createRunInputSchema).min(1, "a suite needs at least one run").max(50, "at most 50 runs at once"),
  })
  .strict();
export type CreateRunsInput = z.input<typeof createRunsInputSchema>;

export const createProjectInputSchema = z
  .object({ name: name(100), description: z.string().trim().max(2000).default("") })
  .strict();

export const runSorts = ["created", "bestValAcc", "name"] as const;

export const listRunsInputSchema = z
  .object({
    projectId: z.uuid().optional(),
    status: runStatusSchema.optional(),
    dataset: datasetSchema.optional(),
    freezeMode: freezeModeSchema.optional(),
    init: initSchema.optional(),
    tag: name(50).optional(),
    /** Matches the run name, case-insensitively. */
    search: z.string().trim().max(200).optional(),
    sort: z.enum(runSorts).default("created"),
    limit: z.number().int().min(1).max(200).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(500).nullish(),
    /** Sent by tRPC's infinite queries; pages only go forward. */
    direction: z.enum(["forward"]).optional(),
  })
  .strict()
  .default({ sort: "created", limit: 50 });
export type ListRunsInput = z.input<typeof listRunsInputSchema>;

export const createAgentInputSchema = z.object({ name: name(100) }).strict();
export const agentIdInputSchema = z.object({ agentId: z.uuid() }).strict();

/** A comparison: the runs picked in the list, or every run of a suite or tag. */
export const compareInputSchema = z.union([
  z.object({ runIds: z.array(z.uuid()).min(1, "pick at least one run").max(50, "compare at most 50 runs") }).strict(),
  z.object({ tag: name(50) }).strict(),
]);
export type CompareInput = z.input<typeof compareInputSchema>;

export const createShareInputSchema = z
  .object({
    runIds: z.array(z.uuid()).min(1).max(50),
    title: name(200),
    /** snapshot: frozen as it is now; live: the runs as they are whenever the link is opened. */
    mode: z.enum(["snapshot", "live"]).default("snapshot"),
  })
  .strict();
export const shareIdInputSchema = z.object({ shareId: z.uuid() }).strict();
export const shareTokenInputSchema = z.object({ token: z.string().min(1).max(100) }).strict();
