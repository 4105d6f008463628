"use client";
import type { ComparisonInput } from "@ai623/shared";
import { ResponsiveLine } from "@nivo/line";
import { useId, useState } from "react";
import { chartTheme, epochTicks } from "@/components/charts/chart-theme";
import { type CurveMetric, colourOf, curve, curveMetrics } from "@/lib/compare";
import { ChartFrame } from "./chart-frame";

/** Overlaid per-epoch curves of every run: EMA-smoothed lines over their faint raw lines, legend toggles. */
export function CompareCurves({ runs, fileStem }: { runs: ComparisonInput; fileStem: string }) {
  const [weight, setWeight] = useState(0.6);
  const [hidden, setHidden] = useState<string[]>([]);
  const sliderId = useId();
  const shown = runs.map((r, i) => ({ run: r, colour: colourOf(i) })).filter(({ run }) => !hidden.includes(run.id));
  const maxEpoch = Math.max(2, ...runs.flatMap((r) => r.metrics.map((m) => m.epoch)));
  const ticks = epochTicks(maxEpoch);
  return (
    <section aria-labelledby="curves-title" className="space-y-3">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <h2 id="curves-title" className="text-sm font-semibold">
          Curves
        </h2>
        <div className="flex items-center gap-2 text-xs">
          <label htmlFor={sliderId}>Smoothing (EMA)</label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={0.95}
            step={0.05}
            value={weight}
            onChange={(e) => setWeight(Number(e.target.value))}
          />
          <output htmlFor={sliderId} className="w-8 tabular-nums">
            {weight.toFixed(2)}
          </output>
        </div>
        <ul className="flex flex-wrap gap-2" aria-label="Runs shown in the charts">
          {runs.map((run, i) => {
            const on = !hidden.includes(run.id);
            return (
              <li key={run.id}>
                <button
                  type="button"
                  aria-pressed={on}
                  data-testid="legend-toggle"
                  onClick={() => setHidden((h) => (on ? [...h, run.id] : h.filter((x) => x !== run.id)))}
                  className="inline-flex items-center gap-1.5 rounded-full border border-slate-200 px-2 py-0.5 text-xs aria-[pressed=false]:opacity-40 dark:border-slate-700"
                >
                  <span aria-hidden className="h-2.5 w-2.5 rounded-full" style={{ background: colourOf(i) }} />
                  {run.name}
                </button>
              </li>
            );
          })}
        </ul>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        {(Object.keys(curveMetrics) as CurveMetric[]).map((metric) => {
          const { label, percent } = curveMetrics[metric];
          const format = (v: unknown) =>
            typeof v !== "number" ? String(v) : percent ? `${(v * 100).toFixed(1)} %` : v.toPrecision(3);
          const series = shown.flatMap(({ run, colour }) => {
            const { raw, smooth } = curve(run, metric, weight);
            return weight > 0
              ? [
                  { id: `${run.name} (raw)`, colour: `${colour}55`, data: raw },
                  { id: run.name, colour, data: smooth },
                ]
              : [{ id: run.name, colour, data: raw }];
          });
          return (
            <ChartFrame
              key={metric}
              title={label}
              fileName={`${fileStem}-${metric}`}
              testId={`compare-chart-${metric}`}
            >
              {series.length === 0 ? (
                <p className="flex h-full items-center justify-center text-sm text-slate-500">No epochs to draw.</p>
              ) : (
                <ResponsiveLine
                  data={series.map((s) => ({ id: s.id, data: s.data }))}
                  colors={series.map((s) => s.colour)}
                  theme={chartTheme}
                  margin={{ top: 12, right: 16, bottom: 40, left: 56 }}
                  xScale={{ type: "linear", min: 1, max: maxEpoch }}
                  yScale={{ type: "linear", min: "auto", max: "auto" }}
                  yFormat={format}
                  axisBottom={{ legend: "epoch", legendOffset: 30, legendPosition: "middle", tickValues: ticks }}
                  gridXValues={ticks}
                  axisLeft={{ format, tickValues: 5 }}
                  pointSize={weight > 0 ? 0 : 4}
                  lineWidth={2}
                  useMesh
                  animate={false}
                />
              )}
            </ChartFrame>
          );
        })}
      </div>
    </section>
  );
}
