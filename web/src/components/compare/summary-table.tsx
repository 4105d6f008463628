import { TableHead } from "@/components/table-head";
import { StatusBadge } from "@/components/ui";
import { type ConfigDiffRow, colourOf, type SummaryRow } from "@/lib/compare";
import { compact, duration, percent } from "@/lib/format";

const columns = [
  "Run",
  "Status",
  "Best val acc",
  "Final val acc",
  "Final train acc",
  "Total params",
  "Trainable",
  "FLOPs / image",
  "Wall time",
  "Images/s",
  "Efficiency",
];

/** One row per run: the study's comparison table, plus what it left out (wall time, throughput). */
export function SummaryTable({ rows }: { rows: SummaryRow[] }) {
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title" className="mb-2 text-sm font-semibold">
        Summary
      </h2>
      <div className="overflow-x-auto">
        <table className="w-full text-right text-sm tabular-nums" data-testid="summary-table">
          <caption className="sr-only">
            Each run's results; efficiency is best val acc divided by trainable params in millions
          </caption>
          <TableHead columns={columns.map((label) => ({ label }))} />
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.id} className="border-b border-slate-100 dark:border-slate-900">
                <th scope="row" className="py-1.5 pr-4 text-left font-medium">
                  <span
                    aria-hidden
                    className="mr-2 inline-block h-2.5 w-2.5 rounded-full"
                    style={{ background: colourOf(i) }}
                  />
                  {r.name}
                </th>
                <td className="py-1.5 pr-4 text-left">
                  <StatusBadge status={r.status} />
                </td>
                <td className="py-1.5 pr-4">
                  {percent(r.bestValAcc, 2)}
                  {r.bestEpoch ? <span className="text-xs text-slate-500"> @{r.bestEpoch}</span> : null}
                </td>
                <td className="py-1.5 pr-4">{percent(r.finalValAcc, 2)}</td>
                <td className="py-1.5 pr-4">{percent(r.finalTrainAcc, 2)}</td>
                <td className="py-1.5 pr-4">{compact(r.totalParams)}</td>
                <td className="py-1.5 pr-4">
                  {compact(r.trainableParams)}
                  {r.trainableShare !== null ? (
                    <span className="text-xs text-slate-500"> ({(r.trainableShare * 100).toFixed(2)} %)</span>
                  ) : null}
                </td>
                <td className="py-1.5 pr-4">{compact(r.flops)}</td>
                <td className="py-1.5 pr-4">{duration(r.wallSeconds)}</td>
                <td className="py-1.5 pr-4">{r.imagesPerSec === null ? "—" : r.imagesPerSec.toFixed(1)}</td>
                <td className="py-1.5" data-testid="efficiency">
                  {r.efficiency === null ? "—" : r.efficiency.toFixed(4)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The config fields that differ between the runs, and only those. */
export function ConfigDiff({ diff, names }: { diff: ConfigDiffRow[]; names: string[] }) {
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title" className="mb-2 text-sm font-semibold">
        What differs
      </h2>
      {diff.length === 0 ? (
        <p className="text-sm text-slate-500">The runs share every config field.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="config-diff">
            <caption className="sr-only">Config fields whose values differ between the runs</caption>
            <TableHead columns={[{ label: "Field" }, ...names.map((label) => ({ label }))]} />
            <tbody>
              {diff.map((row) => (
                <tr key={row.field} className="border-b border-slate-100 dark:border-slate-900">
                  <th scope="row" className="py-1.5 pr-4 font-mono text-xs font-medium">
                    {row.field}
                  </th>
                  {row.values.map((v, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: one cell per run, in the runs' fixed order
                    <td key={i} className="py-1.5 pr-4 font-mono text-xs">
                      {v}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
