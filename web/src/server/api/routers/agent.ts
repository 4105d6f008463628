// The agent protocol: what `ai623-agent` calls with its bearer token. Every procedure declares its
// output too: the agent is released separately, so both ends hold each other to shared/src/protocol.ts.
import {
  claimNextRun,
  failRun,
  finishRun,
  heartbeatAgent,
  helloAgent,
  releaseRun,
  reportCheckpoint,
  startRun,
  toClaimedRun,
  upsertEpochMetrics,
} from "@ai623/drizzle";
import {
  agentHelloInputSchema,
  agentHelloOutputSchema,
  claimInputSchema,
  claimOutputSchema,
  failRunInputSchema,
  finishRunInputSchema,
  heartbeatInputSchema,
  heartbeatOutputSchema,
  okOutputSchema,
  postEpochInputSchema,
  postEpochOutputSchema,
  releaseRunInputSchema,
  reportCheckpointInputSchema,
  runStateOutputSchema,
  startRunInputSchema,
} from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { agentProcedure } from "../trpc";

export const agentRouter = {
  hello: agentProcedure
    .input(agentHelloInputSchema)
    .output(agentHelloOutputSchema)
    .mutation(({ ctx, input }) => helloAgent(ctx.db, ctx.agent.id, input.host)),
  heartbeat: agentProcedure
    .input(heartbeatInputSchema)
    .output(heartbeatOutputSchema)
    .mutation(({ ctx, input }) => heartbeatAgent(ctx.db, ctx.agent.id, input.runId)),
  claim: agentProcedure
    .input(claimInputSchema)
    .output(claimOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const run = await claimNextRun(ctx.db, ctx.agent.id, { gpu: input.gpu });
      return { run: run ? toClaimedRun(run) : null };
    }),
  start: agentProcedure
    .input(startRunInputSchema)
    .output(runStateOutputSchema)
    .mutation(({ ctx, input }) => startRun(ctx.db, ctx.agent.id, input)),
  postEpoch: agentProcedure
    .input(postEpochInputSchema)
    .output(postEpochOutputSchema)
    .mutation(({ ctx, input }) => upsertEpochMetrics(ctx.db, ctx.agent.id, input.runId, input.metrics)),
  checkpoint: agentProcedure
    .input(reportCheckpointInputSchema)
    .output(okOutputSchema)
    .mutation(({ ctx, input }) => reportCheckpoint(ctx.db, ctx.agent.id, input)),
  finish: agentProcedure
    .input(finishRunInputSchema)
    .output(runStateOutputSchema)
    .mutation(({ ctx, input }) => finishRun(ctx.db, ctx.agent.id, input)),
  fail: agentProcedure
    .input(failRunInputSchema)
    .output(runStateOutputSchema)
    .mutation(({ ctx, input }) => failRun(ctx.db, ctx.agent.id, input)),
  release: agentProcedure
    .input(releaseRunInputSchema)
    .output(runStateOutputSchema)
    .mutation(({ ctx, input }) => releaseRun(ctx.db, ctx.agent.id, input)),
} satisfies TRPCRouterRecord;
