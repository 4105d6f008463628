/**
 * The agent protocol: every input and output of the procedures an `ai623-agent` calls.
 * The agent is released separately from the site, so both sides validate against these.
 */
import { z } from "zod";
import { epochMetricsSchema } from "./metrics";
import { runConfigSchema } from "./run-config";
import { runStatusSchema } from "./run-status";

const shortText = (max = 200) => z.string().trim().min(1).max(max);
const uuid = z.uuid();

export const backendIds = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export const backendIdSchema = z.enum(backendIds);
export type BackendId = z.infer<typeof backendIdSchema>;

export const hostInfoSchema = z
  .object({
    hostname: shortText(),
    os: shortText(),
    cpu: shortText(),
    cpuCount: z.number().int().min(1).max(4096),
    memoryMb: z.number().int().min(0),
    gpu: shortText().nullable().default(null),
    backend: backendIdSchema.nullable().default(null),
    backendReason: shortText(1000).nullable().default(null),
    agentVersion: shortText(50),
  })
  .strict();
export type HostInfo = z.output<typeof hostInfoSchema>;

/** register: the agent introduces itself; the answer sets its timers. */
export const agentHelloInputSchema = z.object({ host: hostInfoSchema }).strict();
export const agentHelloOutputSchema = z.object({
  agentId: uuid,
  name: z.string(),
  heartbeatSeconds: z.number().positive(),
  leaseSeconds: z.number().positive(),
  serverTime: z.date(),
});

export const heartbeatInputSchema = z.object({ runId: uuid.nullable().default(null) }).strict();
export const heartbeatOutputSchema = z.object({
  cancelRequested: z.boolean(),
  leaseExpiresAt: z.date().nullable(),
});

export const claimInputSchema = z
  .object({
    /** The agent trains on a GPU: it may take runs that require one. */
    gpu: z.boolean(),
  })
  .strict();
export const claimedRunSchema = z.object({
  id: uuid,
  name: z.string(),
  config: runConfigSchema,
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  /** Last epoch whose checkpoint an agent reported; an agent holding that checkpoint resumes after it. */
  checkpointEpoch: z.number().int().nullable(),
  /**
   * Set when that checkpoint lies inside `checkpointEpoch` (a graceful stop): the steps done in it, so
   * the agent resumes at the next step of that epoch. Absent from older servers.
   */
  checkpointStep: z.number().int().nullable().default(null),
  /** Epochs the server already has (any attempt); an agent restarting from scratch overwrites them. */
  epochsRecorded: z.number().int(),
  leaseExpiresAt: z.date(),
});
export type ClaimedRun = z.infer<typeof claimedRunSchema>;
export const claimOutputSchema = z.object({ run: claimedRunSchema.nullable() });

export const startRunInputSchema = z
  .object({
    runId: uuid,
    backend: backendIdSchema,
    backendReason: shortText(1000),
    device: shortText(),
    threads: z.number().int().min(1).max(4096),
    /** Frozen-prefix outputs are computed once and reused every epoch. */
    prefixCached: z.boolean(),
    /** Epoch whose checkpoint this attempt continues from; null = from the start. */
    resumedFromEpoch: z.number().int().min(1).nullable(),
    /** With a mid-epoch checkpoint: the steps of `resumedFromEpoch` it had done (optional: older agents). */
    resumedFromStep: z.number().int().min(1).optional(),
    /** sha256 of the pretrained weights file actually loaded (null for random init). */
    weightsSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
  })
  .strict();

export const postEpochInputSchema = z.object({ runId: uuid, metrics: epochMetricsSchema }).strict();
export const postEpochOutputSchema = z.object({
  epochsRecorded: z.number().int(),
  bestEpoch: z.number().int().nullable(),
  bestValAcc: z.number().nullable(),
});

export const reportCheckpointInputSchema = z
  .object({
    runId: uuid,
    epoch: z.number().int().min(1),
    /**
     * Absent: the checkpoint is after `epoch`. Present: it lies inside `epoch`, after this many training
     * steps (an agent stopped by a signal). Optional, so older agents keep working.
     */
    step: z.number().int().min(1).optional(),
    bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const finishRunInputSchema = z.object({ runId: uuid, outcome: z.enum(["succeeded", "cancelled"]) }).strict();

export const errorInfoSchema = z
  .object({
    /** Stable machine-readable cause, e.g. `WEIGHTS_MISSING`, `OUT_OF_MEMORY`. */
    code: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
    message: shortText(10_000),
  })
  .strict();
export const failRunInputSchema = z.object({ runId: uuid, error: errorInfoSchema }).strict();

/** Graceful shutdown: the run goes back to the queue without using up an attempt. */
export const releaseRunInputSchema = z.object({ runId: uuid, reason: shortText(1000) }).strict();

export const runStateOutputSchema = z.object({ runId: uuid, status: runStatusSchema });
export const okOutputSchema = z.object({ ok: z.literal(true) });

export type AgentHelloInput = z.output<typeof agentHelloInputSchema>;
export type AgentHelloOutput = z.output<typeof agentHelloOutputSchema>;
export type HeartbeatInput = z.output<typeof heartbeatInputSchema>;
export type HeartbeatOutput = z.output<typeof heartbeatOutputSchema>;
export type ClaimInput = z.output<typeof claimInputSchema>;
export type ClaimOutput = z.output<typeof claimOutputSchema>;
export type StartRunInput = z.output<typeof startRunInputSchema>;
export type PostEpochInput = z.output<typeof postEpochInputSchema>;
export type PostEpochOutput = z.output<typeof postEpochOutputSchema>;
export type ReportCheckpointInput = z.output<typeof reportCheckpointInputSchema>;
export type FinishRunInput = z.output<typeof finishRunInputSchema>;
export type ErrorInfo = z.output<typeof errorInfoSchema>;
export type FailRunInput = z.output<typeof failRunInputSchema>;
export type ReleaseRunInput = z.output<typeof releaseRunInputSchema>;
export type RunStateOutput = z.output<typeof runStateOutputSchema>;
export type OkOutput = z.output<typeof okOutputSchema>;

/**
 * The procedure table: each `agent.<name>` procedure with its input and output schema. The site's
 * router and the agent's client are both built from it, so they cannot drift apart.
 */
export const agentProtocol = {
  hello: { input: agentHelloInputSchema, output: agentHelloOutputSchema },
  heartbeat: { input: heartbeatInputSchema, output: heartbeatOutputSchema },
  claim: { input: claimInputSchema, output: claimOutputSchema },
  start: { input: startRunInputSchema, output: runStateOutputSchema },
  postEpoch: { input: postEpochInputSchema, output: postEpochOutputSchema },
  checkpoint: { input: reportCheckpointInputSchema, output: okOutputSchema },
  finish: { input: finishRunInputSchema, output: runStateOutputSchema },
  fail: { input: failRunInputSchema, output: runStateOutputSchema },
  release: { input: releaseRunInputSchema, output: runStateOutputSchema },
} as const;
export type AgentProcedureName = keyof typeof agentProtocol;
