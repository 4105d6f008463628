import type { EpochMetricsRow } from "@ai623/drizzle";
import { TableHead } from "@/components/table-head";
import { duration, percent } from "@/lib/format";

const columns = ["Epoch", "Train loss", "Train acc", "Val loss", "Val acc", "LR", "Time", "Images/s", "Peak memory"];

export function EpochTable({ metrics, bestEpoch }: { metrics: EpochMetricsRow[]; bestEpoch: number | null }) {
  if (metrics.length === 0) return <p className="text-sm text-slate-500">No epoch has finished yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-right text-sm tabular-nums" data-testid="epoch-table">
        <caption className="sr-only">Metrics per epoch</caption>
        <TableHead columns={columns.map((label) => ({ label }))} />
        <tbody>
          {metrics.map((m) => (
            <tr
              key={m.epoch}
              className={`border-b border-slate-100 dark:border-slate-900 ${m.epoch === bestEpoch ? "bg-emerald-50 dark:bg-emerald-950" : ""}`}
            >
              <th scope="row" className="py-1.5 pr-4 text-left font-medium">
                {m.epoch}
                {m.epoch === bestEpoch ? (
                  <span className="ml-1 text-xs text-emerald-700 dark:text-emerald-300">best</span>
                ) : null}
              </th>
              <td className="py-1.5 pr-4">{m.trainLoss.toFixed(4)}</td>
              <td className="py-1.5 pr-4">{percent(m.trainAcc, 2)}</td>
              <td className="py-1.5 pr-4">{m.valLoss.toFixed(4)}</td>
              <td className="py-1.5 pr-4">{percent(m.valAcc, 2)}</td>
              <td className="py-1.5 pr-4">{m.lr.toExponential(1)}</td>
              <td className="py-1.5 pr-4">{duration(m.epochSeconds)}</td>
              <td className="py-1.5 pr-4">{m.imagesPerSec.toFixed(1)}</td>
              <td className="py-1.5">{m.peakMemoryMb === null ? "—" : `${Math.round(m.peakMemoryMb)} MB`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
