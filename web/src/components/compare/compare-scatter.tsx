"use client";
import { ResponsiveScatterPlot } from "@nivo/scatterplot";
import { chartTheme } from "@/components/charts/chart-theme";
import { colourOf, logTicks, type SummaryRow } from "@/lib/compare";
import { compact } from "@/lib/format";
import { ChartFrame } from "./chart-frame";

/** Best val acc against trainable params and against compute spent, both on log axes. */
export function CompareScatter({ rows, fileStem }: { rows: SummaryRow[]; fileStem: string }) {
  const plots = [
    {
      key: "params",
      title: "Accuracy vs trainable params",
      axis: "trainable params (log)",
      x: (r: SummaryRow) => r.trainableParams,
    },
    {
      key: "compute",
      title: "Accuracy vs compute spent",
      axis: "forward FLOPs × images processed (log)",
      x: (r: SummaryRow) => r.computeFlops,
    },
  ];
  return (
    <section aria-labelledby="scatter-title" className="space-y-3">
      <h2 id="scatter-title" className="text-sm font-semibold">
        Accuracy against cost
      </h2>
      <div className="grid gap-4 md:grid-cols-2">
        {plots.map((plot) => {
          const data = rows
            .map((r, i) => ({ r, i, x: plot.x(r) }))
            .filter(({ r, x }) => x !== null && x > 0 && r.bestValAcc !== null)
            .map(({ r, i, x }) => ({
              id: r.name,
              colour: colourOf(i),
              data: [{ x: x as number, y: r.bestValAcc as number }],
            }));
          const ticks = logTicks(data.map((d) => d.data[0]?.x ?? 0));
          return (
            <ChartFrame
              key={plot.key}
              title={plot.title}
              fileName={`${fileStem}-${plot.key}`}
              testId={`scatter-${plot.key}`}
            >
              {data.length === 0 ? (
                <p className="flex h-full items-center justify-center text-sm text-slate-500">
                  No run has both an accuracy and this cost yet.
                </p>
              ) : (
                <ResponsiveScatterPlot
                  data={data.map((d) => ({ id: d.id, data: d.data }))}
                  colors={data.map((d) => d.colour)}
                  theme={chartTheme}
                  margin={{ top: 16, right: 24, bottom: 44, left: 56 }}
                  xScale={{ type: "log", base: 10, min: ticks[0] ?? "auto", max: ticks.at(-1) ?? "auto" }}
                  yScale={{ type: "linear", min: 0, max: "auto" }}
                  gridXValues={ticks}
                  nodeSize={12}
                  axisBottom={{
                    legend: plot.axis,
                    legendOffset: 34,
                    legendPosition: "middle",
                    tickValues: ticks,
                    format: (v) => compact(Number(v), 1),
                  }}
                  axisLeft={{ format: (v) => `${(Number(v) * 100).toFixed(0)} %`, tickValues: 5 }}
                  tooltip={({ node }) => (
                    <div className="rounded bg-slate-900 px-2 py-1 text-xs text-white">
                      {node.serieId}: {(Number(node.yValue) * 100).toFixed(2)} % at {compact(Number(node.xValue))}
                    </div>
                  )}
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
