"use client";
import type { ListRunsPage, RunListItem } from "@ai623/drizzle";
import { type InfiniteData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { TableHead } from "@/components/table-head";
import { buttonClass, EmptyState, ErrorNote, StatusBadge } from "@/components/ui";
import { duration, percent, runSeconds } from "@/lib/format";
import { microBatchMarker } from "@/lib/run-setup";
import { fallbackPollMs, type LiveRunChange, useLiveRuns } from "@/lib/use-live-runs";
import { useTRPC } from "@/trpc/client";
import { RunsFilterBar } from "./runs-filter-bar";
import { paramsFromFilters, type RunFilters } from "./runs-filters";

const columns = [
  { label: "Select", hidden: true },
  { label: "Name" },
  { label: "Status" },
  { label: "Project" },
  { label: "Dataset" },
  { label: "Training" },
  { label: "Skips off" },
  { label: "Best val acc" },
  { label: "Epochs" },
  { label: "Agent" },
  { label: "Duration" },
];

function patch(page: ListRunsPage, change: LiveRunChange): ListRunsPage {
  if (!page.items.some((r) => r.id === change.id)) return page;
  return {
    ...page,
    items: page.items.map((r) =>
      r.id === change.id
        ? {
            ...r,
            status: change.status,
            epochsRecorded: change.epochsRecorded,
            bestValAcc: change.bestValAcc,
            cancelRequested: change.cancelRequested,
            attempt: change.attempt,
          }
        : r,
    ),
  };
}

/** The runs list: filters and sort in the URL, live statuses, selection for comparison, pages on demand. */
export function RunsTable({ initialFilters, initialPage }: { initialFilters: RunFilters; initialPage: ListRunsPage }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState(initialFilters);
  const [search, setSearch] = useState(initialFilters.search ?? "");
  const [selected, setSelected] = useState<string[]>([]);
  const isInitial = useMemo(
    () => JSON.stringify(filters) === JSON.stringify(initialFilters),
    [filters, initialFilters],
  );

  // typing waits 300 ms before it becomes a query
  useEffect(() => {
    const timer = setTimeout(
      () => setFilters((f) => ((f.search ?? "") === search ? f : { ...f, search: search || undefined })),
      300,
    );
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => {
    window.history.replaceState(null, "", `/runs${paramsFromFilters(filters)}`);
  }, [filters]);

  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { live } = useLiveRuns([], (change) => {
    let known = false;
    let moved = false;
    queryClient.setQueriesData<InfiniteData<ListRunsPage>>({ queryKey: trpc.runs.list.pathKey() }, (data) => {
      if (!data?.pages) return data;
      const row = data.pages.flatMap((p) => p.items).find((r) => r.id === change.id);
      if (row) {
        known = true;
        moved ||= row.status !== change.status;
      }
      return { ...data, pages: data.pages.map((p) => patch(p, change)) };
    });
    // the change is patched in at once. A run just queued elsewhere (a suite, another tab) or a shown run
    // that changed hands (its agent, its duration) is refetched too, once for a burst of changes, without
    // cancelling a page being loaded. Runs on pages not loaded yet are not this page's business.
    const fresh = !known && change.status === "queued" && change.attempt === 1 && change.epochsRecorded === 0;
    if ((fresh || moved) && !refetchTimer.current) {
      refetchTimer.current = setTimeout(() => {
        refetchTimer.current = null;
        void queryClient.invalidateQueries({ queryKey: trpc.runs.list.pathKey() }, { cancelRefetch: false });
      }, 300);
    }
  });

  const runs = useInfiniteQuery(
    trpc.runs.list.infiniteQueryOptions(
      { ...filters, limit: 50 },
      {
        getNextPageParam: (last) => last.nextCursor,
        initialData: isInitial ? { pages: [initialPage], pageParams: [null] } : undefined,
        refetchInterval: live ? false : fallbackPollMs,
        placeholderData: (previous) => previous,
      },
    ),
  );
  const items: RunListItem[] = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const set = <K extends keyof RunFilters>(key: K, value: RunFilters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = Object.entries(filters).some(([k, v]) => k !== "sort" && v !== undefined);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <div className="space-y-4">
      <RunsFilterBar filters={filters} onChange={setFilters} search={search} onSearch={setSearch} />

      <div className="flex min-h-9 items-center gap-3 text-sm" aria-live="polite">
        {selected.length > 0 ? (
          <>
            <span>{selected.length} selected</span>
            <Link
              href={`/compare?runs=${selected.join(",")}`}
              aria-disabled={selected.length < 2}
              className={`${buttonClass("primary", "sm")} aria-disabled:pointer-events-none aria-disabled:opacity-60`}
            >
              Compare {selected.length}
            </Link>
            <button type="button" className={buttonClass("ghost", "sm")} onClick={() => setSelected([])}>
              Clear
            </button>
          </>
        ) : (
          <span className="text-slate-500">Select runs to compare them.</span>
        )}
        <span className="ml-auto text-xs text-slate-500" data-testid="live-indicator">
          {live ? "● live" : "○ polling"}
        </span>
      </div>

      {runs.error ? <ErrorNote>{runs.error.message}</ErrorNote> : null}
      {items.length === 0 && !runs.isFetching ? (
        filtered ? (
          <EmptyState title="No run matches these filters.">
            <button
              type="button"
              className="font-medium text-indigo-600 dark:text-indigo-400"
              onClick={() => {
                setSearch("");
                setFilters({ sort: filters.sort });
              }}
            >
              Clear the filters
            </button>
          </EmptyState>
        ) : (
          <EmptyState title="No runs yet.">
            <Link href="/runs/new" className="font-medium text-indigo-600 dark:text-indigo-400">
              Launch one of the study's runs
            </Link>{" "}
            and start an agent on a machine that will train it (
            <Link href="/agents" className="font-medium text-indigo-600 dark:text-indigo-400">
              create a token on the Agents page
            </Link>
            ); its epochs appear here as they finish.
          </EmptyState>
        )
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="runs-table">
            <caption className="sr-only">Your runs</caption>
            <TableHead columns={columns} />
            <tbody>
              {items.map((run) => (
                <tr
                  key={run.id}
                  className="border-b border-slate-100 dark:border-slate-900"
                  data-testid="run-row"
                  data-run-id={run.id}
                >
                  <td className="py-2 pr-3">
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.name}`}
                      checked={selected.includes(run.id)}
                      onChange={() => toggle(run.id)}
                    />
                  </td>
                  <td className="py-2 pr-4">
                    <Link href={`/runs/${run.id}`} className="font-medium hover:underline">
                      {run.name}
                    </Link>
                    {run.tags.length > 0 ? (
                      <span className="ml-2 space-x-1">
                        {run.tags.map((t) => (
                          <button
                            key={t}
                            type="button"
                            className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-300"
                            onClick={() => set("tag", t)}
                          >
                            {t}
                          </button>
                        ))}
                      </span>
                    ) : null}
                  </td>
                  <td className="py-2 pr-4">
                    <StatusBadge status={run.status} cancelRequested={run.cancelRequested} />
                  </td>
                  <td className="py-2 pr-4">{run.projectName}</td>
                  <td className="py-2 pr-4">{run.config.dataset}</td>
                  <td className="py-2 pr-4 whitespace-nowrap">
                    {run.config.init} · {run.config.freezeMode}
                    {run.prefixCached ? (
                      <span
                        title="The agent computed the frozen prefix once per image and trained the rest on the cached features"
                        className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"
                      >
                        prefix cached
                      </span>
                    ) : null}
                    <MicroBatchMarker plan={run.memoryPlan} />
                  </td>
                  <td className="py-2 pr-4 font-mono text-xs">{run.config.disabledSkips.join(", ") || "—"}</td>
                  <td className="py-2 pr-4 tabular-nums">{percent(run.bestValAcc)}</td>
                  <td className="py-2 pr-4 tabular-nums">
                    {run.epochsRecorded} / {run.config.epochs}
                  </td>
                  <td className="py-2 pr-4">{run.agentName ?? "—"}</td>
                  <td className="py-2 tabular-nums" suppressHydrationWarning>
                    {duration(runSeconds(run))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage ? (
        <button
          type="button"
          className={buttonClass("secondary")}
          disabled={runs.isFetchingNextPage}
          onClick={() => void runs.fetchNextPage()}
        >
          {runs.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </div>
  );
}

/** "4×32": the agent split this run's batch; amber when train-mode BatchNorm saw the micro-batches. */
function MicroBatchMarker({ plan }: { plan: RunListItem["memoryPlan"] }) {
  const marker = microBatchMarker(plan);
  if (!marker) return null;
  return (
    <span
      role="img"
      aria-label={marker.label}
      title={marker.label}
      data-testid="micro-batch-marker"
      className={`ml-2 rounded px-1.5 py-0.5 text-xs tabular-nums ${
        marker.deviation
          ? "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100"
          : "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200"
      }`}
    >
      {marker.text}
    </span>
  );
}
