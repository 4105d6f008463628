import { getPreset, presets } from "@ai623/shared";
import type { Metadata } from "next";
import { stateFromConfig } from "@/components/launch/form-state";
import { LaunchForm } from "@/components/launch/launch-form";
import { SuiteLauncher } from "@/components/launch/suite-launcher";
import { getCaller, orNotFound } from "@/trpc/server";

export const metadata: Metadata = { title: "Launch · ai623" };
export const dynamic = "force-dynamic";

/** /runs/new[?preset=baseline | ?from=<runId>]: a form prefilled from a preset or from a run to clone. */
export default async function LaunchPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { preset: presetId, from } = await searchParams;
  let initial = stateFromConfig(getPreset("baseline").config, { name: "", tags: "" });
  let sourceLabel: string | undefined;
  if (from) {
    const api = await getCaller();
    const run = await orNotFound(api.runs.get({ runId: from }));
    initial = stateFromConfig(run.config, {
      name: `${run.name} (clone)`,
      projectId: run.projectId,
      tags: run.tags.join(", "),
      priority: String(run.priority),
      requiresGpu: run.requiresGpu,
      maxAttempts: String(run.maxAttempts),
    });
    sourceLabel = `Cloned from "${run.name}": change what you want to compare, then queue it.`;
  } else if (presetId && presets.some((p) => p.id === presetId)) {
    const preset = getPreset(presetId);
    initial = stateFromConfig(preset.config, { name: preset.title, tags: preset.id });
    sourceLabel = `Filled from the study's "${preset.title}".`;
  }
  return (
    <section aria-labelledby="launch-title" className="space-y-6">
      <div>
        <h1 id="launch-title" className="text-xl font-semibold">
          Launch
        </h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Queued runs wait until one of your agents claims them.
        </p>
      </div>
      <SuiteLauncher />
      <LaunchForm initial={initial} sourceLabel={sourceLabel} />
    </section>
  );
}
