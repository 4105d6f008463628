import { createShare, listShares, revokeShare, viewShare } from "@ai623/drizzle";
import { createShareInputSchema, shareIdInputSchema, shareTokenInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure, publicProcedure } from "../trpc";

export const sharesRouter = {
  create: protectedProcedure
    .input(createShareInputSchema)
    .mutation(({ ctx, input }) => createShare(ctx.db, ctx.user.id, input)),
  list: protectedProcedure.query(({ ctx }) => listShares(ctx.db, ctx.user.id)),
  revoke: protectedProcedure.input(shareIdInputSchema).mutation(async ({ ctx, input }) => {
    await revokeShare(ctx.db, ctx.user.id, input.shareId);
    return { shareId: input.shareId, revoked: true as const };
  }),
  /** Anyone with the link: the comparison and its report, nothing else. */
  view: publicProcedure.input(shareTokenInputSchema).query(({ ctx, input }) => viewShare(ctx.db, input.token)),
} satisfies TRPCRouterRecord;
