"use client";
import type { EpochMetricsRow, RunEvent, RunView } from "@ai623/drizzle";
import { runConfigSchema } from "@ai623/shared";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { EpochChart } from "@/components/charts/epoch-chart";
import { ModelAnalysisPanel } from "@/components/model-analysis-panel";
import { cardClass, ErrorNote, StatusBadge } from "@/components/ui";
import { configValue, duration, percent, runSeconds, timestamp } from "@/lib/format";
import { fallbackPollMs, type LiveRunChange, useLiveRuns } from "@/lib/use-live-runs";
import { useTRPC } from "@/trpc/client";
import { AgentPanel } from "./agent-panel";
import { EpochTable } from "./epoch-table";
import { EventsTimeline } from "./events-timeline";
import { RunActions } from "./run-actions";

const colours = { train: "#f59e0b", val: "#4f46e5" };
/** The config in the schema's order (jsonb keeps its own). */
const configKeys = Object.keys(runConfigSchema.shape) as (keyof RunView["run"]["config"])[];

/** Whether a live change says something the page does not show yet. */
function isNews(view: RunView, c: LiveRunChange): boolean {
  const r = view.run;
  return (
    r.status !== c.status ||
    r.epochsRecorded !== c.epochsRecorded ||
    r.cancelRequested !== c.cancelRequested ||
    r.attempt !== c.attempt ||
    r.checkpointEpoch !== c.checkpointEpoch
  );
}

export function RunDetail({ initial }: { initial: { view: RunView; metrics: EpochMetricsRow[]; events: RunEvent[] } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runId = initial.view.run.id;
  const viewKey = trpc.runs.view.queryKey({ runId });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: viewKey }),
      queryClient.invalidateQueries({ queryKey: trpc.metrics.byRun.queryKey({ runId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.runs.events.queryKey({ runId }) }),
    ]);
  const { live } = useLiveRuns([runId], (change) => {
    const current = queryClient.getQueryData<RunView>(viewKey);
    if (!current || isNews(current, change)) void refresh();
  });
  const poll = live ? false : fallbackPollMs;
  const view = useQuery({
    ...trpc.runs.view.queryOptions({ runId }),
    initialData: initial.view,
    refetchInterval: poll,
  });
  const metrics = useQuery({
    ...trpc.metrics.byRun.queryOptions({ runId }),
    initialData: initial.metrics,
    refetchInterval: poll,
  });
  const events = useQuery({
    ...trpc.runs.events.queryOptions({ runId }),
    initialData: initial.events,
    refetchInterval: poll,
  });
  const { run, project, agent } = view.data;
  const rows = metrics.data;
  const line = (key: keyof EpochMetricsRow) => rows.map((m) => ({ x: m.epoch, y: m[key] as number }));
  const seconds = runSeconds(run);

  return (
    <article aria-labelledby="run-title" className="space-y-6" data-testid="run-page" data-live={live}>
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-xs text-slate-500">
            <Link href={`/runs?projectId=${project.id}`} className="hover:underline">
              {project.name}
            </Link>
            {run.tags.length > 0 ? ` · ${run.tags.join(", ")}` : ""}
          </p>
          <h1 id="run-title" className="mt-1 text-xl font-semibold">
            {run.name}
          </h1>
          <p className="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
            <span data-testid="epochs-done">
              {run.epochsRecorded} / {run.config.epochs} epochs
            </span>
            <span>
              · best val acc {percent(run.bestValAcc, 2)}
              {run.bestEpoch ? ` (epoch ${run.bestEpoch})` : ""}
            </span>
            <span>
              · attempt {run.attempt} of {run.maxAttempts}
            </span>
            {seconds !== null ? <span suppressHydrationWarning>· {duration(seconds)}</span> : null}
            <span
              className="text-xs"
              title={live ? "Updates arrive as the agent posts them" : "Reconnecting; polling meanwhile"}
            >
              {live ? "● live" : "○ polling"}
            </span>
          </p>
        </div>
        <RunActions run={run} onChanged={() => void refresh()} />
      </header>

      {run.status === "failed" && run.error ? (
        <ErrorNote>
          <span className="font-semibold">{run.errorCode ?? "Failed"}:</span> {run.error}
        </ErrorNote>
      ) : null}
      {run.status === "queued" && !agent ? (
        <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600 dark:bg-slate-900 dark:text-slate-400">
          Waiting for an agent{run.requiresGpu ? " with a GPU" : ""}. No agent running?{" "}
          <Link href="/agents" className="font-medium text-indigo-600 dark:text-indigo-400">
            Start one from the Agents page
          </Link>
          .
        </p>
      ) : null}

      <div className="grid gap-4 md:grid-cols-2">
        <EpochChart
          title="Loss"
          testId="chart-loss"
          epochs={run.config.epochs}
          series={[
            { id: "train loss", color: colours.train, points: line("trainLoss") },
            { id: "val loss", color: colours.val, points: line("valLoss") },
          ]}
        />
        <EpochChart
          title="Accuracy"
          testId="chart-accuracy"
          epochs={run.config.epochs}
          yFormat="percent"
          series={[
            { id: "train acc", color: colours.train, points: line("trainAcc") },
            { id: "val acc", color: colours.val, points: line("valAcc") },
          ]}
        />
      </div>

      {/* minmax(0, 1fr) and min-w-0: a wide table scrolls in its own box instead of widening the page */}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <section aria-labelledby="epochs-title">
            <h2 id="epochs-title" className="mb-2 text-sm font-semibold">
              Epochs
            </h2>
            <EpochTable metrics={rows} bestEpoch={run.bestEpoch} />
          </section>
          <section aria-labelledby="config-title">
            <h2 id="config-title" className="mb-2 text-sm font-semibold">
              Config
            </h2>
            <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-3" data-testid="run-config">
              {configKeys
                .map((key) => [key, run.config[key]] as const)
                .map(([key, value]) => (
                  <div
                    key={key}
                    className="flex justify-between gap-2 border-b border-slate-100 py-1 dark:border-slate-900"
                  >
                    <dt className="text-slate-500">{key}</dt>
                    <dd className="min-w-0 text-right font-mono text-xs wrap-anywhere">{configValue(key, value)}</dd>
                  </div>
                ))}
            </dl>
          </section>
        </div>
        <aside className="space-y-4">
          <div className={cardClass}>
            <ModelAnalysisPanel analysis={run.analysis} />
          </div>
          <AgentPanel run={run} agent={agent} />
          <section aria-labelledby="timeline-title" className={cardClass}>
            <h2 id="timeline-title" className="mb-3 text-sm font-semibold">
              Timeline
            </h2>
            <EventsTimeline events={events.data} />
            <p className="mt-3 text-xs text-slate-500">Created {timestamp(run.createdAt)}</p>
          </section>
        </aside>
      </div>
    </article>
  );
}
