import {
  createRun,
  createRuns,
  deleteRun,
  getRun,
  getRunView,
  listRunEvents,
  listRuns,
  requestCancel,
  requeueRun,
} from "@ai623/drizzle";
import { createRunInputSchema, createRunsInputSchema, listRunsInputSchema, runIdInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

export const runsRouter = {
  create: protectedProcedure
    .input(createRunInputSchema)
    .mutation(({ ctx, input }) => createRun(ctx.db, ctx.user.id, input)),
  /** A suite: every run queued, or none. */
  createMany: protectedProcedure
    .input(createRunsInputSchema)
    .mutation(({ ctx, input }) => createRuns(ctx.db, ctx.user.id, input.runs)),
  list: protectedProcedure.input(listRunsInputSchema).query(({ ctx, input }) => listRuns(ctx.db, ctx.user.id, input)),
  get: protectedProcedure.input(runIdInputSchema).query(({ ctx, input }) => getRun(ctx.db, ctx.user.id, input.runId)),
  /** The run page: the run with its project and agent. */
  view: protectedProcedure
    .input(runIdInputSchema)
    .query(({ ctx, input }) => getRunView(ctx.db, ctx.user.id, input.runId)),
  /** The run's timeline, oldest first. */
  events: protectedProcedure
    .input(runIdInputSchema)
    .query(({ ctx, input }) => listRunEvents(ctx.db, ctx.user.id, input.runId)),
  cancel: protectedProcedure
    .input(runIdInputSchema)
    .mutation(({ ctx, input }) => requestCancel(ctx.db, ctx.user.id, input.runId)),
  requeue: protectedProcedure
    .input(runIdInputSchema)
    .mutation(({ ctx, input }) => requeueRun(ctx.db, ctx.user.id, input.runId)),
  delete: protectedProcedure.input(runIdInputSchema).mutation(async ({ ctx, input }) => {
    await deleteRun(ctx.db, ctx.user.id, input.runId);
    return { runId: input.runId, deleted: true as const };
  }),
} satisfies TRPCRouterRecord;
