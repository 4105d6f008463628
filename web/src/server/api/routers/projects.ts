import { createProject, listProjects } from "@ai623/drizzle";
import { createProjectInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

export const projectsRouter = {
  /** The user's projects, oldest first; the default project is always there. */
  list: protectedProcedure.query(({ ctx }) => listProjects(ctx.db, ctx.user.id)),
  create: protectedProcedure
    .input(createProjectInputSchema)
    .mutation(({ ctx, input }) => createProject(ctx.db, ctx.user.id, input)),
} satisfies TRPCRouterRecord;
