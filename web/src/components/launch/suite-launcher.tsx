"use client";
import {
  type CreateRunInput,
  type DatasetId,
  getPreset,
  type RunConfigInput,
  runConfigSchema,
  suites,
} from "@ai623/shared";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass, cardClass, ErrorNote, inputClass } from "@/components/ui";
import { percent } from "@/lib/format";
import { useTRPC } from "@/trpc/client";

interface Overrides {
  synthetic: boolean;
  epochs: string;
  imageSize: string;
  trainSubset: string;
  valSubset: string;
}

const blank: Overrides = { synthetic: false, epochs: "", imageSize: "", trainSubset: "", valSubset: "" };

function syntheticTwin(dataset: DatasetId): DatasetId {
  return dataset === "cifar10" ? "synthetic-cifar10" : dataset === "cifar100" ? "synthetic-cifar100" : dataset;
}

/** The suite's runs as `runs.createMany` takes them: the study's presets with the quick-try overrides applied. */
export function suiteRuns(suiteId: string, o: Overrides): CreateRunInput[] {
  const suite = suites.find((s) => s.id === suiteId);
  if (!suite) throw new Error(`Unknown suite ${suiteId}`);
  const n = (t: string) => (t.trim() === "" ? undefined : Number(t));
  return suite.presetIds.map((id) => {
    const preset = getPreset(id);
    const base = runConfigSchema.parse(preset.config);
    const config: RunConfigInput = {
      ...preset.config,
      ...(o.synthetic ? { dataset: syntheticTwin(base.dataset) } : {}),
      ...(n(o.epochs) !== undefined ? { epochs: n(o.epochs) } : {}),
      ...(n(o.imageSize) !== undefined ? { imageSize: n(o.imageSize) } : {}),
      ...(n(o.trainSubset) !== undefined ? { trainSubset: n(o.trainSubset) } : {}),
      ...(n(o.valSubset) !== undefined ? { valSubset: n(o.valSubset) } : {}),
    };
    return { name: preset.title, config, tags: [suite.id, preset.id] };
  });
}

/** One click queues a whole experiment of the study, optionally scaled down for a quick try. */
export function SuiteLauncher() {
  const trpc = useTRPC();
  const router = useRouter();
  const [overrides, setOverrides] = useState(blank);
  const launch = useMutation(
    trpc.runs.createMany.mutationOptions({
      onSuccess: (_runs, input) => {
        const tag = input.runs[0]?.tags?.[0];
        router.push(tag ? `/runs?tag=${encodeURIComponent(tag)}` : "/runs");
      },
    }),
  );
  const set = (key: keyof Overrides, value: string | boolean) => setOverrides((o) => ({ ...o, [key]: value }));
  return (
    <section aria-labelledby="suites-title" className={`${cardClass} space-y-4`}>
      <div>
        <h2 id="suites-title" className="text-sm font-semibold">
          One-click suites
        </h2>
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Queue every run of one of the study's experiments. Leave the fields below empty to run them exactly as the
          study did, or scale them down for a quick try on a CPU agent.
        </p>
      </div>
      <fieldset className="grid gap-3 sm:grid-cols-5">
        <legend className="sr-only">Overrides for every run of the suite</legend>
        <label className="inline-flex items-center gap-2 text-sm sm:col-span-5">
          <input type="checkbox" checked={overrides.synthetic} onChange={(e) => set("synthetic", e.target.checked)} />
          Use the synthetic CIFAR twin (no download; for trying the pipeline)
        </label>
        {(
          [
            ["epochs", "Epochs"],
            ["imageSize", "Image size"],
            ["trainSubset", "Train subset"],
            ["valSubset", "Val subset"],
          ] as const
        ).map(([key, label]) => (
          <label key={key} className="block text-xs font-medium">
            {label}
            <span className="sr-only"> for every suite run</span>
            <input
              className={inputClass}
              inputMode="numeric"
              placeholder="as the study"
              value={overrides[key]}
              onChange={(e) => set(key, e.target.value)}
            />
          </label>
        ))}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        {suites.map((suite) => {
          const runs = suite.presetIds.map(getPreset);
          return (
            <div key={suite.id} className="rounded-lg border border-slate-200 p-3 dark:border-slate-700">
              <h3 className="text-sm font-medium">{suite.title}</h3>
              <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{suite.description}</p>
              <ul className="mt-2 space-y-0.5 text-xs">
                {runs.map((p) => (
                  <li key={p.id}>
                    {p.title}
                    {p.studyBestValAcc !== null ? (
                      <span className="text-slate-500"> · study {percent(p.studyBestValAcc)}</span>
                    ) : null}
                  </li>
                ))}
              </ul>
              <button
                type="button"
                className={`${buttonClass("secondary", "sm")} mt-3`}
                disabled={launch.isPending}
                onClick={() => launch.mutate({ runs: suiteRuns(suite.id, overrides) })}
              >
                Queue {runs.length} runs
              </button>
            </div>
          );
        })}
      </div>
      {launch.error ? <ErrorNote>{launch.error.message}</ErrorNote> : null}
    </section>
  );
}
