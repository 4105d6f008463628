import type { Metadata } from "next";
import { cache } from "react";
import { ComparisonView } from "@/components/compare/comparison-view";
import { timestamp } from "@/lib/format";
import { getCaller, orNotFound } from "@/trpc/server";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ token: string }> };

// one read per request for the metadata and the page
const load = cache(async (token: string) => (await getCaller()).shares.view({ token }));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { token } = await params;
  const shared = await orNotFound(load(token));
  const description = shared.report.headline;
  return {
    title: `${shared.title} · ai623`,
    description,
    openGraph: { title: shared.title, description, type: "article", siteName: "ai623" },
    twitter: { card: "summary", title: shared.title, description },
    // the link is a capability: keep it out of search engines
    robots: { index: false, follow: false },
  };
}

/** A shared comparison: read-only, no account needed, nothing but the runs of the link. */
export default async function SharedComparisonPage({ params }: Props) {
  const { token } = await params;
  const shared = await orNotFound(load(token));
  return (
    <>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3 sm:px-6">
          <span className="font-semibold tracking-tight">ai623</span>
          <span className="text-sm text-slate-500">shared comparison · read-only</span>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
        <ComparisonView
          title={shared.title}
          subtitle={
            shared.mode === "snapshot"
              ? `A snapshot of ${shared.runs.length} runs taken ${timestamp(new Date(shared.asOf))}`
              : `${shared.runs.length} runs, live: as they are now`
          }
          runs={shared.runs}
          report={shared.report}
        />
      </main>
    </>
  );
}
