import type { Caveat, ComparisonReport, ReportSection, ReportTable } from "./types";

/** Table cells must not break the row: escape pipes, fold newlines. */
function escapeCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function renderTableMarkdown(table: ReportTable): string {
  const header = `| ${table.columns.map((c) => escapeCell(c.label)).join(" | ")} |`;
  const rule = `|${table.columns.map((c) => (c.numeric ? " ---: " : " --- ")).join("|")}|`;
  const rows = table.rows.map((r) => `| ${r.cells.map((c) => escapeCell(c.text)).join(" | ")} |`);
  return [`**${table.title}**`, "", header, rule, ...rows].join("\n");
}

function renderSection(section: ReportSection): string {
  const parts = [`### ${section.title}`, "", section.headline];
  if (section.findings.length > 0) parts.push("", ...section.findings.map((f) => `- ${f.text}`));
  for (const table of section.tables) parts.push("", renderTableMarkdown(table));
  return parts.join("\n");
}

function renderCaveat(c: Caveat): string {
  return `- ${c.severity === "warning" ? "**Warning:** " : ""}${c.text}`;
}

/** The report as Markdown: the same sentences and tables the page shows. */
export function renderReportMarkdown(report: ComparisonReport): string {
  const parts = [`# ${report.title}`, "", report.headline];
  for (const ds of report.datasets) {
    parts.push("", `## ${ds.title}`);
    for (const section of ds.sections) parts.push("", renderSection(section));
  }
  if (report.caveats.length > 0) {
    parts.push("", "## Caveats", "", ...report.caveats.map(renderCaveat));
  }
  parts.push(
    "",
    "---",
    "",
    `_Efficiency = best val acc ÷ trainable params in millions. Differences under ${(report.options.noiseFloor * 100).toFixed(1)} pts are called about equal; the trade-off pick is the most efficient run within ${(report.options.tradeOffTolerance * 100).toFixed(1)} pts of the best accuracy; convergence is the first epoch at ${Math.round(report.options.convergenceFraction * 100)} % of a run's best._`,
  );
  return `${parts.join("\n")}\n`;
}
