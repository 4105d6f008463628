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

/** Every backend an agent can train on, in the order automatic choice prefers them. */
export const backendIds = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"] as const;
export const backendIdSchema = z.enum(backendIds);
export type BackendId = z.infer<typeof backendIdSchema>;

/**
 * The WebGPU adapter a `webgpu` agent trains on, as Dawn describes it. WebGPU does not report the GPU's
 * memory: `memoryBudgetMb` is the agent's setting (AI623_GPU_MEMORY_MB), which the memory plan checks.
 */
export const gpuAdapterSchema = z
  .object({
    vendor: z.string().max(200),
    architecture: z.string().max(200),
    device: z.string().max(200),
    description: z.string().max(500),
    /** a software rasteriser (SwiftShader, a fallback adapter): correct, far slower than a GPU */
    software: z.boolean(),
    maxBufferSize: z.number().int().min(0),
    maxStorageBufferBindingSize: z.number().int().min(0),
    memoryBudgetMb: z.number().int().min(1),
  })
  .strict();
export type GpuAdapter = z.output<typeof gpuAdapterSchema>;

/**
 * How a run's training step fits in memory, decided by the agent before the first step (its
 * pre-flight): the batch is split into `microBatches` of at most `microBatchSize` images whose
 * gradients are summed, and activations are recomputed block by block in the backward pass.
 */
export const memoryPlanSchema = z
  .object({
    batchSize: z.number().int().min(1),
    microBatchSize: z.number().int().min(1),
    microBatches: z.number().int().min(1),
    /** activations recomputed per bottleneck block in the backward pass, instead of kept */
    recompute: z.boolean(),
    /** BatchNorm layers normalise with batch statistics in training (train-mode BN is in the step) */
    batchStatistics: z.boolean(),
    /** the agent's estimate of the step's peak, and the limit it was checked against */
    estimatedPeakMb: z.number().min(0),
    limitMb: z.number().min(0),
    /** what set the limit, e.g. "wasm heap (4 GiB)", "AI623_GPU_MEMORY_MB" */
    limitSource: z.string().max(200),
  })
  .strict();
export type MemoryPlan = z.output<typeof memoryPlanSchema>;

/** Whether a plan changes what the study's train-mode BatchNorm saw (statistics over a micro-batch). */
export function microBatchesChangeBatchNorm(plan: Pick<MemoryPlan, "microBatches" | "batchStatistics">): boolean {
  return plan.microBatches > 1 && plan.batchStatistics;
}

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
    /** The WebGPU adapter, on `webgpu` (optional: older agents). */
    adapter: gpuAdapterSchema.nullable().optional(),
    /** How the step fits in memory (optional: older agents). */
    memoryPlan: memoryPlanSchema.optional(),
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
