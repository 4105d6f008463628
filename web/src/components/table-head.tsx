/** Header row of the site's data tables; a column without a visible label still has one for screen readers. */
export function TableHead({ columns }: { columns: { label: string; hidden?: boolean }[] }) {
  return (
    <thead className="border-b border-slate-200 text-slate-500 dark:border-slate-800 dark:text-slate-400">
      <tr>
        {columns.map((c, i) => (
          <th
            key={c.label}
            scope="col"
            className={i === columns.length - 1 ? "py-2 font-medium" : "py-2 pr-4 font-medium"}
          >
            {c.hidden ? <span className="sr-only">{c.label}</span> : c.label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
