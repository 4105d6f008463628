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
import { agentProtocol as p } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { agentProcedure } from "../trpc";

export const agentRouter = {
  hello: agentProcedure
    .input(p.hello.input)
    .output(p.hello.output)
    .mutation(({ ctx, input }) => helloAgent(ctx.db, ctx.agent.id, input.host, ctx.lease)),
  heartbeat: agentProcedure
    .input(p.heartbeat.input)
    .output(p.heartbeat.output)
    .mutation(({ ctx, input }) =>
      heartbeatAgent(ctx.db, ctx.agent.id, input.runId, { leaseSeconds: ctx.lease.leaseSeconds }),
    ),
  claim: agentProcedure
    .input(p.claim.input)
    .output(p.claim.output)
    .mutation(async ({ ctx, input }) => {
      const run = await claimNextRun(ctx.db, ctx.agent.id, { gpu: input.gpu, leaseSeconds: ctx.lease.leaseSeconds });
      return { run: run ? toClaimedRun(run) : null };
    }),
  start: agentProcedure
    .input(p.start.input)
    .output(p.start.output)
    .mutation(({ ctx, input }) => startRun(ctx.db, ctx.agent.id, input)),
  postEpoch: agentProcedure
    .input(p.postEpoch.input)
    .output(p.postEpoch.output)
    .mutation(({ ctx, input }) => upsertEpochMetrics(ctx.db, ctx.agent.id, input.runId, input.metrics)),
  checkpoint: agentProcedure
    .input(p.checkpoint.input)
    .output(p.checkpoint.output)
    .mutation(({ ctx, input }) => reportCheckpoint(ctx.db, ctx.agent.id, input)),
  finish: agentProcedure
    .input(p.finish.input)
    .output(p.finish.output)
    .mutation(({ ctx, input }) => finishRun(ctx.db, ctx.agent.id, input)),
  fail: agentProcedure
    .input(p.fail.input)
    .output(p.fail.output)
    .mutation(({ ctx, input }) => failRun(ctx.db, ctx.agent.id, input)),
  release: agentProcedure
    .input(p.release.input)
    .output(p.release.output)
    .mutation(({ ctx, input }) => releaseRun(ctx.db, ctx.agent.id, input)),
} satisfies TRPCRouterRecord;
