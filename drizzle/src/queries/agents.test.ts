import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { NotFoundError, UnauthorizedError } from "../errors";
import { agents } from "../schema";
import { createTestUser, sqlEngines, useTestDb } from "../testing";
import { heartbeatAgent, helloAgent } from "./agent-protocol";
import { authenticateAgent, createAgent, listAgents, revokeAgent } from "./agents";

describe.each(sqlEngines)("agents on %s", (engine) => {
  const t = useTestDb(engine);

  it("shows a token once, stores only its sha256 and a prefix, and authenticates it", async () => {
    const owner = await createTestUser(t.db);
    const { agent, token } = await createAgent(t.db, owner, "  gpu box  ");
    expect(token).toMatch(/^ai623_[A-Za-z0-9_-]{43}$/);
    expect(agent.name).toBe("gpu box");
    const [row] = await t.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(row?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(token.startsWith(row!.tokenPrefix)).toBe(true);

    expect((await authenticateAgent(t.db, token)).id).toBe(agent.id);
    expect((await authenticateAgent(t.db, `Bearer ${token}`)).id).toBe(agent.id);
  });

  it("rejects unknown, malformed and revoked tokens with UnauthorizedError", async () => {
    const owner = await createTestUser(t.db);
    const { agent, token } = await createAgent(t.db, owner, "box");
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    await expect(authenticateAgent(t.db, flipped)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticateAgent(t.db, "ai623_short")).rejects.toThrow(/Malformed agent token/);
    await expect(authenticateAgent(t.db, "")).rejects.toBeInstanceOf(UnauthorizedError);

    await expect(revokeAgent(t.db, await createTestUser(t.db), agent.id)).rejects.toBeInstanceOf(NotFoundError);
    await authenticateAgent(t.db, token); // a stranger's revoke changed nothing
    await revokeAgent(t.db, owner, agent.id);
    await expect(authenticateAgent(t.db, token)).rejects.toThrow(/revoked/);
    await expect(heartbeatAgent(t.db, agent.id, null)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("lists only the owner's agents, online while heartbeats are recent", async () => {
    const owner = await createTestUser(t.db);
    const { agent: quiet } = await createAgent(t.db, owner, "quiet");
    const { agent: busy } = await createAgent(t.db, owner, "busy");
    await createAgent(t.db, await createTestUser(t.db), "someone else's");
    await helloAgent(t.db, busy.id, {
      hostname: "h",
      os: "linux",
      cpu: "x",
      cpuCount: 2,
      memoryMb: 1000,
      gpu: "NVIDIA H200",
      backend: "tensorflow-gpu",
      backendReason: null,
      agentVersion: "0.1.0",
    });
    const listed = await listAgents(t.db, owner);
    // both were created within the same millisecond or two: their order (created_at, then id) is not the point
    expect(Object.fromEntries(listed.map((a) => [a.name, a.online]))).toEqual({
      [quiet.name]: false,
      [busy.name]: true,
    });
    expect(listed.find((a) => a.name === busy.name)?.gpu).toBe("NVIDIA H200");
    const later = new Date(Date.now() + 10 * 60_000);
    expect((await listAgents(t.db, owner, later)).every((a) => !a.online)).toBe(true);
  });
});
