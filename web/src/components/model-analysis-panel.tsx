import type { ModelAnalysisRecord } from "@ai623/shared";
import { compact, exact } from "@/lib/format";

/** Params, compute and size of one configured network: before launch on the form, and on the run page. */
export function ModelAnalysisPanel({
  analysis,
  title = "Model analysis",
}: {
  analysis: ModelAnalysisRecord | null;
  title?: string;
}) {
  const removed = analysis?.withUnusedRemoved ?? null;
  const rows: [string, string, string?][] = analysis
    ? [
        [
          "Total params",
          exact(analysis.totalParams),
          removed ? `${exact(removed.totalParams)} with the unused projection removed` : undefined,
        ],
        [
          "Trainable",
          `${exact(analysis.trainableParams)} (${((analysis.trainableParams / analysis.totalParams) * 100).toFixed(2)} %)`,
        ],
        ["Frozen", exact(analysis.frozenParams)],
        ["Size (float32)", `${analysis.sizeMb.toFixed(1)} MiB`],
        ["MACs / image", compact(analysis.macs)],
        ["FLOPs / image", compact(analysis.flops), "the study's counter: conv, linear, BatchNorm, ReLU"],
      ]
    : [];
  return (
    <section aria-labelledby="analysis-title" data-testid="model-analysis">
      <h2 id="analysis-title" className="text-sm font-semibold">
        {title}
      </h2>
      {analysis ? (
        <>
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            {analysis.arch}, {analysis.numClasses} classes, {analysis.imageSize} px
          </p>
          <dl className="mt-3 grid grid-cols-1 gap-x-4 gap-y-2 text-sm">
            {rows.map(([label, value, note]) => (
              <div key={label} className="flex flex-wrap items-baseline justify-between gap-x-3">
                <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
                <dd
                  className="font-mono tabular-nums"
                  data-testid={`analysis-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`}
                >
                  {value}
                </dd>
                {note ? <dd className="w-full text-xs text-slate-500 dark:text-slate-400">{note}</dd> : null}
              </div>
            ))}
          </dl>
          {removed ? (
            <p className="mt-3 text-xs text-slate-600 dark:text-slate-400">
              With its skip disabled a block no longer uses its projection branch: {exact(removed.unusedParams)} params
              stay in the network (the study counted them) but never touch the output.
            </p>
          ) : null}
        </>
      ) : (
        <p className="mt-2 text-sm text-slate-500">Fix the fields marked in red to see the network's size and cost.</p>
      )}
    </section>
  );
}
