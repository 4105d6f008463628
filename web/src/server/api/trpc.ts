// tRPC setup in three parts: the context every call gets, the initialised instance, and the
// procedure ladder (public → protected for users, agent for runner tokens). Relative imports only:
// the agent package type-checks the router through `@ai623/web/router`.
import { authenticateAgent, isDomainError } from "@ai623/drizzle";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { getSessionUser } from "../auth";
import { getServerInstance } from "../instance";
import { ringLiveBell } from "../live";

// 1. CONTEXT

export interface CreateContextOptions {
  headers: Headers;
  /** The site's origin as the caller reached it; used to print the agent command. */
  origin: string;
}

export async function createTRPCContext({ headers, origin }: CreateContextOptions) {
  const { db, auth, lease } = await getServerInstance();
  return { db, auth, lease, headers, origin };
}
export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;

// 2. INITIALISATION

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      // The raw ZodError message is a JSON dump; callers (people and the agent) get one readable line per issue.
      message: zodError ? z.prettifyError(zodError) : shape.message,
      data: {
        ...shape.data,
        zodError: zodError ? z.flattenError(zodError) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// 3. PROCEDURES

/**
 * The one place domain errors thrown by queries become HTTP statuses: NotFoundError 404, ForbiddenError
 * 403, ConflictError 409, UnauthorizedError 401, BadInputError 400 (their `code` is the tRPC code).
 */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  const cause = result.ok ? null : result.error.cause;
  if (isDomainError(cause)) throw new TRPCError({ code: cause.code, message: cause.message, cause });
  return result;
});

/** After a mutation that succeeded, open live streams on this server look at the database at once. */
const ringAfterMutation = t.middleware(async ({ type, next }) => {
  const result = await next();
  if (type === "mutation" && result.ok) ringLiveBell();
  return result;
});

/** Anyone: share links, and the base of the other two. */
export const publicProcedure = t.procedure.use(mapDomainErrors).use(ringAfterMutation);

/** A signed-in user; `ctx.user` is who, and queries scope everything to `ctx.user.id`. */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const user = await getSessionUser(ctx.auth, ctx.headers);
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first: this needs an account session." });
  return next({ ctx: { user } });
});

/** A runner agent: `Authorization: Bearer <token>`, checked against the stored hash in constant time. */
export const agentProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const header = ctx.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "Agent calls need `Authorization: Bearer <token>`: create a token on the Agents page.",
    });
  }
  const agent = await authenticateAgent(ctx.db, match[1]);
  return next({ ctx: { agent } });
});
