import { createRun, deleteRun, getRun, listRuns, requestCancel, requeueRun } from "@ai623/drizzle";
import { createRunInputSchema, listRunsInputSchema, runIdInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

export const runsRouter = {
  create: protectedProcedure
    .input(createRunInputSchema)
    .mutation(({ ctx, input }) => createRun(ctx.db, ctx.user.id, input)),
  list: protectedProcedure.input(listRunsInputSchema).query(({ ctx, input }) => listRuns(ctx.db, ctx.user.id, input)),
  get: protectedProcedure.input(runIdInputSchema).query(({ ctx, input }) => getRun(ctx.db, ctx.user.id, input.runId)),
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
