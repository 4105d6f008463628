import type { DatasetId } from "../run-config";
import type { ComparisonReport, Finding, ReportSection, SectionId } from "./types";

export function getSection(report: ComparisonReport, dataset: DatasetId, id: SectionId): ReportSection {
  const ds = report.datasets.find((d) => d.dataset === dataset);
  const section = ds?.sections.find((s) => s.id === id);
  if (!section) throw new Error(`No section "${id}" for ${dataset}; have ${ds?.sections.map((s) => s.id).join(", ")}`);
  return section;
}

export function getFinding(section: ReportSection, id: string): Finding {
  const f = section.findings.find((x) => x.id === id);
  if (!f) throw new Error(`No finding "${id}" in ${section.id}; have ${section.findings.map((x) => x.id).join(", ")}`);
  return f;
}

export function tableTexts(section: ReportSection, tableId = section.id): string[][] {
  const table = section.tables.find((t) => t.id === tableId);
  if (!table) throw new Error(`No table "${tableId}" in ${section.id}`);
  return table.rows.map((r) => r.cells.map((c) => c.text));
}
