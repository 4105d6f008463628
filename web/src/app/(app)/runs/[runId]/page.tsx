import type { Metadata } from "next";
import { RunDetail } from "@/components/run/run-detail";
import { getCaller, orNotFound } from "@/trpc/server";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ runId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const api = await getCaller();
  const { runId } = await params;
  const run = await orNotFound(api.runs.get({ runId }));
  return { title: `${run.name} · ai623` };
}

export default async function RunPage({ params }: Props) {
  const { runId } = await params;
  const api = await getCaller();
  const [view, metrics, events] = await Promise.all([
    orNotFound(api.runs.view({ runId })),
    orNotFound(api.metrics.byRun({ runId })),
    orNotFound(api.runs.events({ runId })),
  ]);
  return <RunDetail initial={{ view, metrics, events }} />;
}
