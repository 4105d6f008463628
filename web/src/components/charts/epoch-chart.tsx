"use client";
import { ResponsiveLine } from "@nivo/line";
import { chartTheme, epochTicks } from "./chart-theme";

export interface EpochSeries {
  id: string;
  color: string;
  points: { x: number; y: number }[];
}

/**
 * Lines over epochs in a box of fixed height, so the page does not move while points stream in.
 * `yFormat` formats the axis and tooltip ("percent" shows 0.71 as 71 %).
 */
export function EpochChart({
  title,
  series,
  yFormat = "number",
  height = 280,
  epochs,
  testId,
}: {
  title: string;
  series: EpochSeries[];
  yFormat?: "percent" | "number";
  height?: number;
  /** The run's planned epochs: the x axis spans them, so a growing curve shows how far the run is. */
  epochs?: number;
  testId?: string;
}) {
  const format = (v: number | string | Date | null) =>
    typeof v !== "number" ? String(v) : yFormat === "percent" ? `${(v * 100).toFixed(1)} %` : v.toPrecision(3);
  const points = series.reduce((n, s) => n + s.points.length, 0);
  const maxEpoch = Math.max(2, epochs ?? 0, ...series.flatMap((s) => s.points.map((p) => p.x)));
  const ticks = epochTicks(maxEpoch);
  return (
    <figure
      className="rounded-xl border border-slate-200 p-3 text-slate-700 dark:border-slate-800 dark:text-slate-300"
      data-testid={testId}
      data-points={points}
    >
      <figcaption className="text-sm font-semibold text-slate-900 dark:text-slate-100">{title}</figcaption>
      <div
        style={{ height }}
        role="img"
        aria-label={`${title}: ${series.map((s) => `${s.id}, ${s.points.length} epochs`).join("; ")}`}
      >
        {points === 0 ? (
          <p className="flex h-full items-center justify-center text-sm text-slate-500">
            The first point appears when the agent finishes epoch 1.
          </p>
        ) : (
          <ResponsiveLine
            data={series.map((s) => ({ id: s.id, data: s.points }))}
            colors={series.map((s) => s.color)}
            theme={chartTheme}
            margin={{ top: 12, right: 16, bottom: 56, left: 56 }}
            xScale={{ type: "linear", min: 1, max: maxEpoch }}
            yScale={{ type: "linear", min: "auto", max: "auto" }}
            yFormat={format}
            axisBottom={{
              legend: "epoch",
              legendOffset: 30,
              legendPosition: "middle",
              tickValues: ticks,
            }}
            gridXValues={ticks}
            axisLeft={{ format, tickValues: 5 }}
            pointSize={5}
            lineWidth={2}
            useMesh
            animate={false}
            legends={[
              {
                anchor: "bottom",
                direction: "row",
                translateY: 54,
                itemWidth: 110,
                itemHeight: 16,
                symbolSize: 10,
                toggleSerie: true,
              },
            ]}
          />
        )}
      </div>
    </figure>
  );
}
