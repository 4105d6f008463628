"use client";
import { blockNames } from "@ai623/shared";

const studySkips = ["layer3.0", "layer4.1"];

/** Which blocks lose their residual add: a checkbox per block, grouped by stage. */
export function SkipPicker({
  arch,
  value,
  onChange,
  error,
}: {
  arch: "resnet50" | "resnet101" | "resnet152";
  value: string[];
  onChange: (next: string[]) => void;
  error?: string;
}) {
  const blocks = blockNames(arch);
  const stages = [1, 2, 3, 4].map((n) => ({
    name: `layer${n}`,
    blocks: blocks.filter((b) => b.startsWith(`layer${n}.`)),
  }));
  const toggle = (block: string) =>
    onChange(
      value.includes(block) ? value.filter((b) => b !== block) : blocks.filter((b) => b === block || value.includes(b)),
    );
  return (
    <fieldset aria-describedby={error ? "disabledSkips-error" : "disabledSkips-hint"}>
      <legend className="text-sm font-medium">Disabled skip connections</legend>
      <p id="disabledSkips-hint" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        {value.length === 0 ? "None: every block keeps its residual add." : `Removed in ${value.join(", ")}.`}{" "}
        <button
          type="button"
          className="font-medium text-indigo-600 dark:text-indigo-400"
          onClick={() => onChange(studySkips)}
        >
          The study's two (layer3.0, layer4.1)
        </button>
        {value.length > 0 ? (
          <>
            {" · "}
            <button
              type="button"
              className="font-medium text-indigo-600 dark:text-indigo-400"
              onClick={() => onChange([])}
            >
              Clear
            </button>
          </>
        ) : null}
      </p>
      {error ? (
        <p id="disabledSkips-error" className="mt-1 text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <div className="mt-2 space-y-1">
        {stages.map(({ name, blocks: stage }) => {
          const picked = stage.filter((b) => value.includes(b)).length;
          return (
            <details
              key={name}
              open={picked > 0}
              className="rounded-md border border-slate-200 px-3 py-1 dark:border-slate-800"
            >
              <summary className="cursor-pointer text-sm">
                {name}{" "}
                <span className="text-xs text-slate-500">
                  ({stage.length} blocks{picked ? `, ${picked} disabled` : ""})
                </span>
              </summary>
              <div className="flex flex-wrap gap-x-3 gap-y-1 py-2">
                {stage.map((block) => (
                  <label key={block} className="inline-flex items-center gap-1 font-mono text-xs">
                    <input type="checkbox" checked={value.includes(block)} onChange={() => toggle(block)} />
                    {block}
                  </label>
                ))}
              </div>
            </details>
          );
        })}
      </div>
    </fieldset>
  );
}
