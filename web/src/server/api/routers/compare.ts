import { getComparison, listRunIdsByTag } from "@ai623/drizzle";
import { compareInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

export const compareRouter = {
  /** The runs with every epoch, and the written analysis of them. */
  get: protectedProcedure.input(compareInputSchema).query(async ({ ctx, input }) => {
    const runIds = "runIds" in input ? input.runIds : await listRunIdsByTag(ctx.db, ctx.user.id, input.tag);
    return getComparison(ctx.db, ctx.user.id, runIds);
  }),
} satisfies TRPCRouterRecord;
