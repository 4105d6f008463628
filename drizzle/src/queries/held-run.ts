import type { RunStatus } from "@ai623/shared";
import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, ConflictError, ForbiddenError, NotFoundError } from "../errors";
import { runs } from "../schema";
import type { Agent } from "./agents";
import type { Run } from "./runs";

/**
 * Lock the run an agent is acting on and check it may: NotFoundError when the run is unknown or
 * another user's, ForbiddenError when this agent does not hold it (lost its lease, released it,
 * never claimed it), ConflictError when it holds it but the run is not in a state the call allows.
 */
export async function lockHeldRun(tx: Db, agent: Agent, runId: string, allowed: readonly RunStatus[]): Promise<Run> {
  assertId(runId, "Run");
  const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for("update");
  if (!run || run.ownerId !== agent.ownerId) throw new NotFoundError(`Run ${runId} not found`);
  if (run.agentId !== agent.id) {
    const where = run.agentId ? "held by another agent" : run.status;
    throw new ForbiddenError(
      `Run ${runId} is not held by agent ${agent.name} (it is ${where}, attempt ${run.attempt}): stop working on it and claim again`,
    );
  }
  if (!allowed.includes(run.status)) {
    throw new ConflictError(`Run ${runId} is ${run.status}: this call needs it ${allowed.join(" or ")}`);
  }
  return run;
}
