"use client";
import { type ComparisonInput, type ComparisonReport, renderReportMarkdown } from "@ai623/shared";
import type { ReactNode } from "react";
import { buttonClass } from "@/components/ui";
import { configDiff, fileStem, metricsCsv, metricsJson, summaryRows } from "@/lib/compare";
import { downloadText } from "@/lib/download";
import { CompareCurves } from "./compare-curves";
import { CompareScatter } from "./compare-scatter";
import { ReportView } from "./report-view";
import { ConfigDiff, SummaryTable } from "./summary-table";

/**
 * Everything a comparison shows: curves, summary, config diff, cost scatter plots, the written
 * analysis, and the exports. The compare page and the public share page both render it; `actions`
 * is the owner's (share) and absent on a shared page.
 */
export function ComparisonView({
  title,
  subtitle,
  runs,
  report,
  actions,
}: {
  title: string;
  subtitle?: ReactNode;
  runs: ComparisonInput;
  report: ComparisonReport;
  actions?: ReactNode;
}) {
  const rows = summaryRows(runs);
  const stem = fileStem(title);
  return (
    <div className="space-y-8">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">{title}</h1>
          {subtitle ? <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{subtitle}</p> : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs text-slate-500">Export</span>
          {[
            { label: "Metrics CSV", file: `${stem}-metrics.csv`, type: "text/csv", text: () => metricsCsv(runs) },
            {
              label: "Metrics JSON",
              file: `${stem}-metrics.json`,
              type: "application/json",
              text: () => metricsJson(runs),
            },
            {
              label: "Report Markdown",
              file: `${stem}-report.md`,
              type: "text/markdown",
              text: () => renderReportMarkdown(report),
            },
          ].map((e) => (
            <button
              key={e.label}
              type="button"
              className={buttonClass("secondary", "sm")}
              onClick={() => downloadText(e.file, e.text(), e.type)}
            >
              {e.label}
            </button>
          ))}
          {actions}
        </div>
      </header>
      <CompareCurves runs={runs} fileStem={stem} />
      <SummaryTable rows={rows} />
      <ConfigDiff diff={configDiff(runs)} names={runs.map((r) => r.name)} />
      <CompareScatter rows={rows} fileStem={stem} />
      <ReportView report={report} />
    </div>
  );
}
