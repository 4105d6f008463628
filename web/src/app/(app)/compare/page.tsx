import { suites } from "@ai623/shared";
import type { Metadata } from "next";
import Link from "next/link";
import { ComparisonView } from "@/components/compare/comparison-view";
import { ShareButton } from "@/components/compare/share-dialog";
import { EmptyState } from "@/components/ui";
import { getCaller, orNotFound } from "@/trpc/server";

export const metadata: Metadata = { title: "Compare · ai623" };
export const dynamic = "force-dynamic";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** /compare?runs=id,id,… (picked in the runs list) or /compare?tag=transfer (a suite). */
export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { runs: list, tag } = await searchParams;
  const runIds = (list ?? "").split(",").filter((id) => uuid.test(id));
  if (runIds.length === 0 && !tag) {
    return (
      <EmptyState title="Pick the runs to compare.">
        Select two or more on the{" "}
        <Link href="/runs" className="font-medium text-indigo-600 dark:text-indigo-400">
          Runs page
        </Link>
        , or open a suite:{" "}
        {suites.map((s, i) => (
          <span key={s.id}>
            {i > 0 ? ", " : ""}
            <Link href={`/compare?tag=${s.id}`} className="font-medium text-indigo-600 dark:text-indigo-400">
              {s.title}
            </Link>
          </span>
        ))}
        .
      </EmptyState>
    );
  }
  const api = await getCaller();
  const { runs, report } = await orNotFound(api.compare.get(runIds.length > 0 ? { runIds } : { tag: tag ?? "" }));
  if (runs.length === 0) {
    return <EmptyState title={`No run is tagged "${tag}".`}>Queue the suite from the Launch page first.</EmptyState>;
  }
  const suite = suites.find((s) => s.id === tag);
  const title = suite ? suite.title : tag ? `Runs tagged ${tag}` : report.title;
  return (
    <ComparisonView
      title={title}
      subtitle={`${runs.length} runs · the analysis below is computed from their epochs as they are now`}
      runs={runs}
      report={report}
      actions={<ShareButton runIds={runs.map((r) => r.id)} defaultTitle={title} />}
    />
  );
}
