import { createAgent, listAgents, revokeAgent } from "@ai623/drizzle";
import { agentIdInputSchema, createAgentInputSchema } from "@ai623/shared";
import type { TRPCRouterRecord } from "@trpc/server";
import { protectedProcedure } from "../trpc";

/** The command a user pastes on the machine that should train. */
export function agentCommand(origin: string, token: string): string {
  return `npx ai623-agent --server ${origin} --token ${token}`;
}

export const agentsRouter = {
  /** The token is in this answer and nowhere else: only its hash is stored. */
  create: protectedProcedure.input(createAgentInputSchema).mutation(async ({ ctx, input }) => {
    const { agent, token } = await createAgent(ctx.db, ctx.user.id, input.name);
    return { agent, token, command: agentCommand(ctx.origin, token) };
  }),
  list: protectedProcedure.query(({ ctx }) => listAgents(ctx.db, ctx.user.id)),
  revoke: protectedProcedure.input(agentIdInputSchema).mutation(async ({ ctx, input }) => {
    await revokeAgent(ctx.db, ctx.user.id, input.agentId);
    return { agentId: input.agentId, revoked: true as const };
  }),
} satisfies TRPCRouterRecord;
