import {
  type ComparisonInput,
  type ComparisonReport,
  type ComparisonRunInput,
  generateComparisonReport,
  parseComparisonInput,
} from "@ai623/shared";
import { and, arrayContains, asc, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, BadInputError, NotFoundError } from "../errors";
import { epochMetrics, runs } from "../schema";

/** How many runs one comparison takes: a suite is 8, a sweep a few dozen. */
export const maxCompareRuns = 50;

export interface Comparison {
  runs: ComparisonInput;
  report: ComparisonReport;
}

type Visibility = "owner" | "public";

/**
 * The user's runs with every epoch, in the order asked, as the report generator takes them.
 * `public` drops what a share link must not show: a failure's message (it can name hosts and paths)
 * is cut to its code.
 */
export async function loadComparisonRuns(
  db: Db,
  ownerId: string,
  runIds: readonly string[],
  { visibility = "owner", skipMissing = false }: { visibility?: Visibility; skipMissing?: boolean } = {},
): Promise<ComparisonInput> {
  const ids = [...new Set(runIds)];
  if (ids.length === 0) throw new BadInputError("Pick at least one run to compare");
  if (ids.length > maxCompareRuns)
    throw new BadInputError(`Compare at most ${maxCompareRuns} runs at once (got ${ids.length})`);
  for (const id of ids) assertId(id, "Run");
  const rows = await db
    .select()
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), inArray(runs.id, ids)));
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length > 0 && !skipMissing) throw new NotFoundError(`Run ${missing.join(", ")} not found`);
  const metrics = await db
    .select()
    .from(epochMetrics)
    .where(inArray(epochMetrics.runId, ids))
    .orderBy(asc(epochMetrics.runId), asc(epochMetrics.epoch));
  const now = Date.now();
  const input: ComparisonRunInput[] = ids.flatMap((id) => {
    const run = rows.find((r) => r.id === id);
    if (!run) return [];
    const error =
      run.errorCode || run.error
        ? visibility === "public"
          ? (run.errorCode ?? "FAILED")
          : [run.errorCode, run.error].filter(Boolean).join(": ")
        : null;
    return [
      {
        id: run.id,
        name: run.name,
        status: run.status,
        config: run.config,
        analysis: run.analysis,
        metrics: metrics.filter((m) => m.runId === id).map(({ runId: _r, attempt: _a, recordedAt: _t, ...m }) => m),
        wallSeconds: run.startedAt ? ((run.finishedAt?.getTime() ?? now) - run.startedAt.getTime()) / 1000 : null,
        prefixCached: run.prefixCached,
        memoryPlan: run.memoryPlan,
        error,
      },
    ];
  });
  return parseComparisonInput(input);
}

/** The runs of a suite or any tag, newest first (a comparison opened from "Task 1" or "Transfer learning"). */
export async function listRunIdsByTag(db: Db, ownerId: string, tag: string): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), arrayContains(runs.tags, [tag])))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(maxCompareRuns);
  return rows.map((r) => r.id);
}

/** Runs and their written analysis, for the compare page. */
export async function getComparison(db: Db, ownerId: string, runIds: readonly string[]): Promise<Comparison> {
  const input = await loadComparisonRuns(db, ownerId, runIds);
  return { runs: input, report: generateComparisonReport(input) };
}
