import type { LineSeries, LineSvgProps } from "@nivo/line";

/** nivo in the site's colours: text follows the page (light or dark), grid lines stay faint. */
export const chartTheme: NonNullable<LineSvgProps<LineSeries>["theme"]> = {
  text: { fill: "currentColor", fontSize: 11 },
  axis: {
    domain: { line: { stroke: "currentColor", strokeOpacity: 0.3 } },
    ticks: { line: { stroke: "currentColor", strokeOpacity: 0.3 }, text: { fill: "currentColor" } },
    legend: { text: { fill: "currentColor", fontSize: 12 } },
  },
  grid: { line: { stroke: "currentColor", strokeOpacity: 0.12 } },
  legends: { text: { fill: "currentColor" } },
  crosshair: { line: { stroke: "currentColor", strokeOpacity: 0.5 } },
  tooltip: { container: { background: "#0f172a", color: "#f8fafc", fontSize: 12, borderRadius: 6 } },
};

/** Whole-epoch ticks from 1 to `maxEpoch`, at most about ten. */
export function epochTicks(maxEpoch: number): number[] {
  const step = Math.ceil(maxEpoch / 10);
  return Array.from({ length: Math.floor((maxEpoch - 1) / step) + 1 }, (_, i) => 1 + i * step);
}
