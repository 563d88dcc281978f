import type { CheckItem, CheckTotals } from "../check/types.js";
import { type CompareResult, clientReport } from "../compare.js";
import { reportImages } from "./images.js";
import type { ReportAnswers, ReportEntry, ReportSent } from "./types.js";

export interface ReportPageOptions {
  /** ISO date shown on the page; omit for byte-identical output from the same input. */
  generatedAt?: string;
}

/** The page's module is loaded only when a page is made, not with the rest of the core. */
async function render(
  entries: ReportEntry[],
  title: string,
  options: ReportPageOptions,
  totals?: CheckTotals,
): Promise<AsyncIterable<string>> {
  const { renderHtmlReport } = await import("./html.js");
  return renderHtmlReport(entries, {
    title,
    ...(options.generatedAt !== undefined && { generatedAt: options.generatedAt }),
    ...(totals && {
      totals: { passed: totals.passed, failed: totals.failed, errors: totals.errors },
    }),
  });
}

/** One entry per client path compared (or one for the comparison), with its images if kept. */
async function compareEntries(result: CompareResult): Promise<ReportEntry[]> {
  const { report, artifacts } = result;
  const title = report.sources.map((s) => s.input).join(" vs ");
  if (report.clients !== undefined && report.clients.length > 1) {
    const entries: ReportEntry[] = [];
    for (const [i, comparison] of report.clients.entries()) {
      const made = artifacts.clients?.[i];
      entries.push({
        id: `client-${comparison.client}`,
        title: `${title}: ${comparison.client}`,
        report: clientReport(report, comparison),
        passed: comparison.passed,
        ...(made?.pixels && {
          images: await reportImages({
            payloads: [artifacts.payloads[0], made.payload],
            pixels: made.pixels,
            ...(made.diff && { diff: made.diff }),
          }),
        }),
      });
    }
    return entries;
  }
  return [
    {
      id: "image",
      title,
      report,
      passed: report.passed,
      ...(artifacts.pixels && {
        images: await reportImages({
          payloads: artifacts.payloads,
          pixels: artifacts.pixels,
          ...(artifacts.diff && { diff: artifacts.diff }),
        }),
      }),
    },
  ];
}

/**
 * The HTML report of one comparison, as a stream of chunks. The images are embedded only when
 * `result` came from compare() with `diff` and `pixels` set.
 */
export async function compareReportPage(
  result: CompareResult,
  options: ReportPageOptions = {},
): Promise<AsyncIterable<string>> {
  const entries = await compareEntries(result);
  const title = result.report.sources.map((s) => s.input).join(" vs ");
  return render(
    entries,
    entries.length > 1
      ? `imgenc compare: ${title}, ${entries.length} client paths`
      : `imgenc compare: ${title}`,
    options,
  );
}

/**
 * The HTML report of `ask`: the comparison of the client paths it sent, each entry with the
 * model's answers to every variant.
 */
export async function askReportPage(
  answers: ReportAnswers,
  result: CompareResult,
  options: ReportPageOptions = {},
): Promise<AsyncIterable<string>> {
  const entries = (await compareEntries(result)).map((entry) => ({ ...entry, answers }));
  const title = result.report.sources.map((s) => s.input).join(" vs ");
  return render(entries, `imgenc ask: ${title}`, options);
}

/** An image a client sent through the proxy, as the page shows it. */
export interface SentImage {
  title: string;
  passed: boolean;
  sent: ReportSent;
}

/** The HTML report of a proxy session: one entry per image, in the order they passed. */
export function proxyReportPage(
  images: readonly SentImage[],
  options: ReportPageOptions = {},
): Promise<AsyncIterable<string>> {
  const entries = images.map(
    (image, i): ReportEntry => ({
      id: `image-${i + 1}`,
      title: image.title,
      report: null,
      passed: image.passed,
      sent: image.sent,
    }),
  );
  return render(entries, `imgenc proxy: ${entries.length} images`, options);
}

/** The HTML report of a check run, its items in the order given (check() ranks worst first). */
export function checkReportPage(
  items: readonly CheckItem[],
  totals: CheckTotals,
  options: ReportPageOptions = {},
): Promise<AsyncIterable<string>> {
  const entries = items.flatMap((item, i): ReportEntry[] => {
    const clients = item.report?.clients;
    if (item.report !== undefined && clients !== undefined && clients.length > 1) {
      const report = item.report;
      return clients.map((comparison, k) => {
        const images = item.clientImages?.[k];
        return {
          id: `image-${i + 1}-${comparison.client}`,
          title: `${item.file}: ${comparison.client}`,
          report: clientReport(report, comparison),
          passed: comparison.passed,
          ...(images && { images }),
        };
      });
    }
    return [
      {
        id: `image-${i + 1}`,
        title: item.file,
        report: item.report ?? null,
        passed: item.status === "passed",
        ...(item.error && { error: item.error }),
        ...(item.images && { images: item.images }),
      },
    ];
  });
  return render(entries, `imgenc check: ${totals.images} images`, options, totals);
}
