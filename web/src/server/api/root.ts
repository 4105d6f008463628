import { agentRouter } from "./routers/agent";
import { agentsRouter } from "./routers/agents";
import { compareRouter } from "./routers/compare";
import { metricsRouter } from "./routers/metrics";
import { projectsRouter } from "./routers/projects";
import { runsRouter } from "./routers/runs";
import { sharesRouter } from "./routers/shares";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  runs: runsRouter,
  projects: projectsRouter,
  metrics: metricsRouter,
  agents: agentsRouter,
  compare: compareRouter,
  shares: sharesRouter,
  /** What `ai623-agent` calls, with its bearer token. */
  agent: agentRouter,
});

export type AppRouter = typeof appRouter;
