import { agentRouter } from "./routers/agent";
import { agentsRouter } from "./routers/agents";
import { metricsRouter } from "./routers/metrics";
import { projectsRouter } from "./routers/projects";
import { runsRouter } from "./routers/runs";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  runs: runsRouter,
  projects: projectsRouter,
  metrics: metricsRouter,
  agents: agentsRouter,
  /** What `ai623-agent` calls, with its bearer token. */
  agent: agentRouter,
});

export type AppRouter = typeof appRouter;
