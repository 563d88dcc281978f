import type { CheckItem, CheckTotals } from "../../check/types.js";
import type { CompareResult } from "../../compare.js";
import type { ReportEntry } from "../../report/types.js";
import { reportImages } from "../../report/images.js";
import { writeFileAtomic } from "../output.js";

/** The page is rendered only when asked for: its module is loaded here, not at start-up. */
async function write(
  path: string,
  entries: ReportEntry[],
  title: string,
  inputs: string[],
  totals?: CheckTotals,
) {
  const { renderHtmlReport } = await import("../../report/html.js");
  const html = renderHtmlReport(entries, {
    title,
    generatedAt: new Date().toISOString(),
    ...(totals && {
      totals: { passed: totals.passed, failed: totals.failed, errors: totals.errors },
    }),
  });
  await writeFileAtomic(path, html, inputs);
}

/** `result` must come from compare() with `diff` and `pixels` set. */
export async function writeCompareReport(
  path: string,
  result: CompareResult,
  inputs: string[],
): Promise<void> {
  const { report, artifacts } = result;
  const entry: ReportEntry = {
    id: "image",
    title: report.sources.map((s) => s.input).join(" vs "),
    report,
    passed: report.passed,
    ...(artifacts.pixels && {
      images: await reportImages({
        payloads: artifacts.payloads,
        pixels: artifacts.pixels,
        ...(artifacts.diff && { diff: artifacts.diff }),
      }),
    }),
  };
  await write(path, [entry], `imgenc compare: ${entry.title}`, inputs);
}

/** Items in the order given (worst first). */
export async function writeCheckReport(
  path: string,
  items: readonly CheckItem[],
  totals: CheckTotals,
  inputs: string[],
): Promise<void> {
  const entries = items.map(
    (item, i): ReportEntry => ({
      id: `image-${i + 1}`,
      title: item.file,
      report: item.report ?? null,
      passed: item.status === "passed",
      ...(item.error && { error: item.error }),
      ...(item.images && { images: item.images }),
    }),
  );
  await write(path, entries, `imgenc check: ${totals.images} images`, inputs, totals);
}
