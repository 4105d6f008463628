import { describe, expect, it } from "vitest";
import { renderReportMarkdown, renderTableMarkdown } from "./markdown";
import { generateComparisonReport } from "./report";
import { makeMemoryPlan, makeRun, makeStudyRuns } from "./test-fixtures";

describe("Markdown rendering", () => {
  const report = generateComparisonReport(makeStudyRuns());
  const md = renderReportMarkdown(report);
  const lines = md.split("\n");

  it("has one heading per dataset and per section, in reading order", () => {
    const headings = lines.filter((l) => l.startsWith("#"));
    expect(headings[0]).toBe("# Comparison of 5 runs");
    expect(headings.indexOf("## CIFAR-10 (2 runs)")).toBeLessThan(headings.indexOf("## CIFAR-100 (3 runs)"));
    expect(headings.filter((h) => h === "### Ranking by best validation accuracy")).toHaveLength(2);
    expect(headings.at(-1)).toBe("## Caveats");
  });

  it("renders table rows with the computed numbers", () => {
    expect(lines).toContain(
      "| 1 | pretrained head_only | pretrained | head_only | 70.71 % | 29 | 70.61 % | 30/30 | succeeded |",
    );
    expect(lines).toContain("| pretrained head_only | 70.71 % | 204,900 | 0.35 % | 3.4510 | yes (pick) |");
    expect(lines).toContain("| head_only | 70.71 % | 4.20 % | +66.51 pts | +1583.6 % |");
    expect(lines).toContain(
      "| CIFAR-10 skips off | layer3.0, layer4.1 | \u221236.00 pts | ±0 | \u2212526,336 | \u2212205,520,896 | \u2212102,760,448 |",
    );
    // header, alignment rule, rows: every row has the header's column count
    const table = lines.slice(
      lines.indexOf("| # | Run | Init | Trained | Best val acc | Best epoch | Final val acc | Epochs | Status |"),
    );
    expect(table[1]).toBe("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | --- |");
  });

  it("puts every finding and every caveat in the text", () => {
    for (const ds of report.datasets) {
      for (const s of ds.sections) {
        expect(md).toContain(s.headline);
        for (const f of s.findings) expect(lines).toContain(`- ${f.text}`);
      }
    }
    expect(md).toContain("- **Warning:** Each configuration on CIFAR-100 ran once");
  });

  it("lists a micro-batched run's BatchNorm as a deviation from the study under the caveats", () => {
    const r = generateComparisonReport([
      makeRun({ id: "m", name: "micro", best: 0.5, config: {}, memoryPlan: makeMemoryPlan({ microBatchSize: 32 }) }),
    ]);
    const text = renderReportMarkdown(r).split("\n");
    expect(text.slice(text.indexOf("## Caveats"))).toContainEqual(
      expect.stringMatching(
        /^- \*\*Warning:\*\* Deviation from the study: .* micro-batches of 32 of a batch of 128 in "micro"\. /,
      ),
    );
  });

  it("escapes run names that would break a table", () => {
    const r = generateComparisonReport([makeRun({ id: "x", name: "a | b\nc", best: 0.5, config: {} })]);
    const table = renderTableMarkdown(r.datasets[0]!.sections[0]!.tables[0]!);
    expect(table).toContain("| 1 | a \\| b c | pretrained |");
  });

  it("renders an empty comparison", () => {
    const empty = renderReportMarkdown(generateComparisonReport([]));
    expect(empty.startsWith("# Comparison of 0 runs\n\nNo runs to compare.\n")).toBe(true);
    expect(empty).not.toContain("## Caveats");
  });
});
