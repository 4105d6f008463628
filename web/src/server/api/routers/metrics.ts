import { listEpochMetrics } from "@ai623/drizzle";
import { runIdInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

export const metricsRouter = {
  /** Every epoch of one of the user's runs, in epoch order. */
  byRun: protectedProcedure
    .input(runIdInputSchema)
    .query(({ ctx, input }) => listEpochMetrics(ctx.db, ctx.user.id, input.runId)),
} satisfies TRPCRouterRecord;
