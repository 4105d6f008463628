import type { Metadata } from "next";
import Link from "next/link";
import { filtersFromParams } from "@/components/runs/runs-filters";
import { RunsTable } from "@/components/runs/runs-table";
import { buttonClass } from "@/components/ui";
import { getCaller } from "@/trpc/server";

export const metadata: Metadata = { title: "Runs · ai623" };
export const dynamic = "force-dynamic";

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const filters = filtersFromParams(await searchParams);
  const api = await getCaller();
  const page = await api.runs.list({ ...filters, limit: 50 });
  return (
    <section aria-labelledby="runs-title" className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 id="runs-title" className="text-xl font-semibold">
          Runs
        </h1>
        <Link href="/runs/new" className={buttonClass()}>
          Launch
        </Link>
      </div>
      <RunsTable initialFilters={filters} initialPage={page} />
    </section>
  );
}
