"use client";
import { type Preset, presets, usesBatchStatistics } from "@ai623/shared";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useMemo, useState } from "react";
import { ModelAnalysisPanel } from "@/components/model-analysis-panel";
import { buttonClass, cardClass, describedBy, ErrorNote, Field, FormSection, inputClass } from "@/components/ui";
import { percent } from "@/lib/format";
import { useTRPC } from "@/trpc/client";
import { checkState, fieldLabels, type LaunchState, stateFromConfig } from "./form-state";
import { ProjectPicker } from "./project-picker";
import { SkipPicker } from "./skip-picker";

type TextKey = {
  [K in keyof LaunchState]: LaunchState[K] extends string ? K : never;
}[keyof LaunchState];

const choices: { key: TextKey; options: [string, string][]; hint?: string }[] = [
  {
    key: "dataset",
    options: [
      ["cifar10", "CIFAR-10"],
      ["cifar100", "CIFAR-100"],
      ["synthetic-cifar10", "Synthetic CIFAR-10 (offline twin)"],
      ["synthetic-cifar100", "Synthetic CIFAR-100 (offline twin)"],
    ],
  },
  {
    key: "init",
    options: [
      ["pretrained", "ImageNet pretrained"],
      ["random", "Random"],
    ],
  },
  {
    key: "freezeMode",
    options: [
      ["head_only", "head_only: fc only"],
      ["final_block", "final_block: layer4 + fc"],
      ["full", "full: every layer"],
    ],
  },
  {
    key: "bnFrozen",
    options: [
      ["train", "train: batch statistics (the study's PyTorch behaviour)"],
      ["eval", "eval: running statistics (lets the agent cache the frozen prefix)"],
    ],
  },
  {
    key: "arch",
    options: [
      ["resnet152", "ResNet-152"],
      ["resnet101", "ResNet-101"],
      ["resnet50", "ResNet-50"],
    ],
  },
  {
    key: "optimizer",
    options: [
      ["adam", "Adam"],
      ["sgd", "SGD with momentum"],
    ],
  },
];

const numbers: { key: TextKey; hint?: string | ((s: LaunchState) => string); when?: (s: LaunchState) => boolean }[] = [
  { key: "epochs" },
  { key: "batchSize" },
  { key: "microBatchSize", hint: microBatchHint },
  { key: "lr", hint: "The study: 1e-3, and 1e-4 for full fine-tuning" },
  { key: "momentum", when: (s) => s.optimizer === "sgd" },
  { key: "weightDecay" },
  { key: "imageSize", hint: "32 to 224; CIFAR is upsampled bilinearly" },
  { key: "trainSubset", hint: "Empty: the whole training split" },
  { key: "valSubset", hint: "Empty: the whole test split" },
  { key: "seed" },
];

/** Below the batch, the study's train-mode BatchNorm would see fewer images: say so before launch. */
function microBatchHint(s: LaunchState): string {
  const micro = Number(s.microBatchSize);
  const batch = Number(s.batchSize);
  if (s.microBatchSize.trim() !== "" && micro < batch && usesBatchStatistics(s))
    return `BatchNorm will normalise over ${micro} images, not the batch of ${batch}: the report lists it as a deviation from the study`;
  return "Blank = the agent picks the largest that fits its memory";
}

/** Every field of a run, validated as you type, with the network's size and cost beside it. */
export function LaunchForm({ initial, sourceLabel }: { initial: LaunchState; sourceLabel?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [state, setState] = useState(initial);
  const [touched, setTouched] = useState(false);
  const [presetId, setPresetId] = useState<string | null>(null);
  const checked = useMemo(() => checkState(state), [state]);
  const create = useMutation(trpc.runs.create.mutationOptions({ onSuccess: (run) => router.push(`/runs/${run.id}`) }));
  const set = <K extends keyof LaunchState>(key: K, value: LaunchState[K]) => setState((s) => ({ ...s, [key]: value }));
  // validation in place, as you type: the same schema the API applies
  const errors = checked.errors;

  function applyPreset(preset: Preset) {
    setPresetId(preset.id);
    setState((s) =>
      stateFromConfig(preset.config, {
        projectId: s.projectId,
        priority: s.priority,
        requiresGpu: s.requiresGpu,
        maxAttempts: s.maxAttempts,
        name: preset.title,
        tags: preset.id,
      }),
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (checked.valid) create.mutate(checked.input);
  }

  const text = (key: TextKey, hint?: string) => (
    <Field key={key} id={key} label={fieldLabels[key]} hint={hint} error={errors[key]}>
      <input
        id={key}
        name={key}
        className={inputClass}
        value={state[key]}
        inputMode="decimal"
        autoComplete="off"
        aria-invalid={!!errors[key]}
        aria-describedby={describedBy(key, hint, errors[key])}
        onChange={(e) => set(key, e.target.value)}
      />
    </Field>
  );

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-6 lg:grid-cols-[1fr_20rem]" aria-label="Launch a run">
      <div className="space-y-6">
        <section aria-labelledby="presets-title" className={cardClass}>
          <h2 id="presets-title" className="text-sm font-semibold">
            Start from one of the study's runs
          </h2>
          {sourceLabel ? <p className="mt-1 text-xs text-slate-500">{sourceLabel}</p> : null}
          <div className="mt-3 grid gap-2 sm:grid-cols-2">
            {presets.map((p) => (
              <button
                key={p.id}
                type="button"
                aria-pressed={presetId === p.id}
                data-testid={`preset-${p.id}`}
                onClick={() => applyPreset(p)}
                className="rounded-lg border border-slate-200 p-3 text-left text-sm hover:border-indigo-400 aria-pressed:border-indigo-600 aria-pressed:ring-1 aria-pressed:ring-indigo-600 dark:border-slate-700"
              >
                <span className="block font-medium">{p.title}</span>
                <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">
                  {p.studyBestValAcc === null
                    ? "no published result"
                    : `study: ${percent(p.studyBestValAcc)} best val acc`}
                </span>
              </button>
            ))}
          </div>
        </section>

        <FormSection id="run-fields" title="Run">
          <div className="grid gap-4 sm:grid-cols-2">
            {text("name", "Empty: named after its config")}
            <ProjectPicker value={state.projectId} onChange={(id) => set("projectId", id)} />
            {text("tags", "Separated by commas")}
            {text("priority", "Higher runs are claimed first")}
            {text("maxAttempts", "A lost run is retried until this many attempts")}
            <div className="flex items-end pb-2">
              <label className="inline-flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={state.requiresGpu}
                  onChange={(e) => set("requiresGpu", e.target.checked)}
                />
                GPU required (CPU agents leave it queued)
              </label>
            </div>
          </div>
        </FormSection>

        <FormSection id="model-fields" title="Model and data">
          <div className="grid gap-4 sm:grid-cols-2">
            {choices.map((c) => (
              <Field key={c.key} id={c.key} label={fieldLabels[c.key]} error={errors[c.key]}>
                <select
                  id={c.key}
                  name={c.key}
                  className={inputClass}
                  value={state[c.key]}
                  onChange={(e) => set(c.key, e.target.value as never)}
                >
                  {c.options.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </Field>
            ))}
            {state.init === "pretrained" ? (
              <Field id="pretrainedWeights" label={fieldLabels.pretrainedWeights}>
                <select
                  id="pretrainedWeights"
                  className={inputClass}
                  value={state.pretrainedWeights}
                  onChange={(e) => set("pretrainedWeights", e.target.value as LaunchState["pretrainedWeights"])}
                >
                  <option value="imagenet1k_v2">IMAGENET1K_V2, 82.3 % top-1 (the study's)</option>
                  <option value="imagenet1k_v1">IMAGENET1K_V1, 78.3 % top-1</option>
                </select>
              </Field>
            ) : null}
            <div className="flex items-end pb-2">
              <label className="inline-flex items-center gap-2 text-sm">
                <input type="checkbox" checked={state.augment} onChange={(e) => set("augment", e.target.checked)} />
                Augment (4-px padded random crop + flip)
              </label>
            </div>
          </div>
          <SkipPicker
            arch={state.arch}
            value={state.disabledSkips}
            onChange={(next) => set("disabledSkips", next)}
            error={errors.disabledSkips}
          />
        </FormSection>

        <FormSection id="training-fields" title="Training">
          <div className="grid gap-4 sm:grid-cols-3">
            {numbers
              .filter((n) => !n.when || n.when(state))
              .map((n) => text(n.key, typeof n.hint === "function" ? n.hint(state) : n.hint))}
          </div>
        </FormSection>
      </div>

      <aside className="space-y-4 lg:sticky lg:top-6 lg:self-start">
        <div className={cardClass}>
          <ModelAnalysisPanel analysis={checked.analysis} />
        </div>
        {create.error ? <ErrorNote>{create.error.message}</ErrorNote> : null}
        {touched && !checked.valid ? (
          <ErrorNote>
            Fix{" "}
            {Object.keys(checked.errors).length === 1
              ? "the field"
              : `the ${Object.keys(checked.errors).length} fields`}{" "}
            marked in red:{" "}
            {(Object.keys(checked.errors) as (keyof LaunchState)[]).map((k) => fieldLabels[k]).join(", ")}.
          </ErrorNote>
        ) : null}
        <button type="submit" className={`${buttonClass()} w-full`} disabled={create.isPending}>
          {create.isPending ? "Queueing…" : "Queue run"}
        </button>
      </aside>
    </form>
  );
}
