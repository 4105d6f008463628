import type { ComparisonReport, ReportTable } from "@ai623/shared";

function Table({ table }: { table: ReportTable }) {
  return (
    <div className="overflow-x-auto">
      <table className="mt-2 w-full text-sm" data-testid={`report-table-${table.id}`}>
        <caption className="text-left text-xs font-semibold text-slate-600 dark:text-slate-400">{table.title}</caption>
        <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800">
          <tr>
            {table.columns.map((c) => (
              <th key={c.key} scope="col" className={`py-1 pr-3 font-medium ${c.numeric ? "text-right" : "text-left"}`}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the report's rows have no id of their own beyond position
            <tr key={r} className="border-b border-slate-100 dark:border-slate-900">
              {row.cells.map((cell, c) => (
                <td
                  key={table.columns[c]?.key ?? c}
                  className={`py-1 pr-3 ${table.columns[c]?.numeric ? "text-right tabular-nums" : ""}`}
                >
                  {cell.text}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The generated analysis as a page: the same sentences and tables as its Markdown. */
export function ReportView({ report }: { report: ComparisonReport }) {
  return (
    <article aria-labelledby="report-title" className="space-y-6" data-testid="report">
      <header>
        <h2 id="report-title" className="text-lg font-semibold">
          Analysis
        </h2>
        <p className="mt-1 text-sm" data-testid="report-headline">
          {report.headline}
        </p>
      </header>
      {report.datasets.map((ds) => (
        <section key={ds.dataset} aria-label={ds.title} className="space-y-5">
          <h3 className="text-base font-semibold">{ds.title}</h3>
          {ds.sections.map((section) => (
            <section key={section.id} id={`report-${ds.dataset}-${section.id}`} data-section={section.id}>
              <h4 className="text-sm font-semibold">{section.title}</h4>
              <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{section.headline}</p>
              {section.findings.length > 0 ? (
                <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
                  {section.findings.map((f) => (
                    <li key={f.id} data-finding={f.id}>
                      {f.text}
                    </li>
                  ))}
                </ul>
              ) : null}
              {section.tables.map((t) => (
                <Table key={t.id} table={t} />
              ))}
            </section>
          ))}
        </section>
      ))}
      {report.caveats.length > 0 ? (
        <section aria-labelledby="caveats-title">
          <h3 id="caveats-title" className="text-base font-semibold">
            Caveats
          </h3>
          <ul className="mt-2 space-y-1 text-sm">
            {report.caveats.map((c) => (
              <li
                // one caveat id can come once per dataset
                key={`${c.dataset ?? "all"}:${c.id}`}
                data-caveat={c.id}
                className={
                  c.severity === "warning" ? "text-amber-700 dark:text-amber-300" : "text-slate-600 dark:text-slate-400"
                }
              >
                {c.severity === "warning" ? "⚠ " : ""}
                {c.text}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {report.excluded.length > 0 ? (
        <p className="text-xs text-slate-500">
          Left out: {report.excluded.map((e) => `${e.name} (${e.reason})`).join("; ")}.
        </p>
      ) : null}
    </article>
  );
}
