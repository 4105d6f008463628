import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, BadInputError, NotFoundError, UnauthorizedError } from "../errors";
import { agents, runs } from "../schema";

export type Agent = typeof agents.$inferSelect;
/** An agent as its owner sees it: never the token hash. */
export type AgentSummary = Omit<Agent, "tokenHash"> & {
  online: boolean;
  currentRun: { id: string; name: string; status: string } | null;
};

export const tokenPrefix = "ai623_";
/** An agent whose last heartbeat is older than this is shown offline (it beats every ~10 s). */
export const agentOnlineSeconds = 45;

const tokenPattern = /^ai623_[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Register an agent; the token is returned once and only its sha256 is kept. */
export async function createAgent(
  db: Db,
  ownerId: string,
  name: string,
): Promise<{ agent: AgentSummary; token: string }> {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed.length > 100) throw new BadInputError("An agent name must be 1 to 100 characters");
  const token = `${tokenPrefix}${randomBytes(32).toString("base64url")}`;
  const [agent] = await db
    .insert(agents)
    .values({ ownerId, name: trimmed, tokenHash: hashToken(token).toString("hex"), tokenPrefix: token.slice(0, 12) })
    .returning();
  if (!agent) throw new Error("INSERT … RETURNING gave no row");
  const { tokenHash: _hidden, ...visible } = agent;
  return { agent: { ...visible, online: false, currentRun: null }, token };
}

/** The user's agents, oldest first, with whether each is online and what it is running. */
export async function listAgents(db: Db, ownerId: string, now = new Date()): Promise<AgentSummary[]> {
  const rows = await db
    .select()
    .from(agents)
    .where(eq(agents.ownerId, ownerId))
    .orderBy(asc(agents.createdAt), asc(agents.id));
  if (rows.length === 0) return [];
  const held = await db
    .select({ id: runs.id, name: runs.name, status: runs.status, agentId: runs.agentId })
    .from(runs)
    .where(
      and(
        eq(runs.ownerId, ownerId),
        inArray(
          runs.agentId,
          rows.map((a) => a.id),
        ),
        inArray(runs.status, ["claimed", "running"]),
      ),
    );
  return rows.map(({ tokenHash: _hidden, ...agent }) => {
    const run = held.find((r) => r.agentId === agent.id);
    const age = agent.lastHeartbeatAt
      ? (now.getTime() - agent.lastHeartbeatAt.getTime()) / 1000
      : Number.POSITIVE_INFINITY;
    return {
      ...agent,
      online: agent.revokedAt === null && age <= agentOnlineSeconds,
      currentRun: run ? { id: run.id, name: run.name, status: run.status } : null,
    };
  });
}

/** Revoke a token: every later call with it gets UnauthorizedError; runs it holds are requeued when their lease ends. */
export async function revokeAgent(db: Db, ownerId: string, agentId: string): Promise<void> {
  assertId(agentId, "Agent");
  const [agent] = await db
    .update(agents)
    .set({ revokedAt: sql`coalesce(${agents.revokedAt}, now())` })
    .where(and(eq(agents.id, agentId), eq(agents.ownerId, ownerId)))
    .returning({ id: agents.id });
  if (!agent) throw new NotFoundError(`Agent ${agentId} not found`);
}

/** The agent a bearer token belongs to, or UnauthorizedError (malformed, unknown or revoked). */
export async function authenticateAgent(db: Db, token: string): Promise<Agent> {
  const presented = token.trim().replace(/^Bearer\s+/i, "");
  if (!tokenPattern.test(presented)) {
    throw new UnauthorizedError(
      "Malformed agent token: expected ai623_ followed by 43 characters, as shown when it was created",
    );
  }
  const digest = hashToken(presented);
  // Looking up by the hash reveals nothing about the token; the constant-time compare guards the match itself.
  const [agent] = await db
    .select()
    .from(agents)
    .where(eq(agents.tokenHash, digest.toString("hex")));
  const stored = agent ? Buffer.from(agent.tokenHash, "hex") : Buffer.alloc(digest.length);
  const equal = stored.length === digest.length && timingSafeEqual(stored, digest);
  if (!agent || !equal) throw new UnauthorizedError("Unknown agent token: create one on the Agents page");
  if (agent.revokedAt) {
    throw new UnauthorizedError(
      `Agent token ${agent.tokenPrefix}… was revoked on ${agent.revokedAt.toISOString()}: create a new one`,
    );
  }
  return agent;
}

/** The agent row by id; UnauthorizedError when it is gone or revoked (protocol calls run after authentication). */
export async function loadActiveAgent(db: Db, agentId: string): Promise<Agent> {
  assertId(agentId, "Agent");
  const [agent] = await db.select().from(agents).where(eq(agents.id, agentId));
  if (!agent)
    throw new UnauthorizedError(`Agent ${agentId} does not exist (deleted?): register again with a new token`);
  if (agent.revokedAt) throw new UnauthorizedError(`Agent ${agent.name} was revoked: create a new token`);
  return agent;
}
