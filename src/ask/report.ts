import { type CompareResult, compare } from "../compare.js";
import { askReportPage, type ReportPageOptions } from "../report/index.js";
import type { ReportAnswers } from "../report/types.js";
import type { SourceOptions } from "../source/types.js";
import { describeExpectation } from "./judge.js";
import type { AskReport } from "./types.js";

/** The answers as the HTML report shows them. */
function reportAnswers(report: AskReport): ReportAnswers {
  return {
    model: report.settings.model,
    prompt: report.prompt,
    expectation: report.expectation === null ? null : describeExpectation(report.expectation),
    variants: report.variants.map((v) => ({
      variant: v.variant,
      bytes: v.payload.bytes,
      answers: v.answers,
      status: v.status,
      similarity: v.similarity,
    })),
  };
}

/**
 * The HTML report of an ask run: the client paths it sent compared with the source (the raw
 * bytes when it sent only the original), each with the model's answers to every variant.
 */
export async function askReport(
  source: string,
  report: AskReport,
  options: SourceOptions & ReportPageOptions = {},
): Promise<AsyncIterable<string>> {
  const clients = report.variants.flatMap((v) => (v.variant === "original" ? [] : [v.variant]));
  const { generatedAt, ...sourceOptions } = options;
  const result: CompareResult = await compare(source, undefined, {
    ...sourceOptions,
    client: clients.length > 0 ? clients : "raw",
    diff: true,
    pixels: true,
  });
  return askReportPage(reportAnswers(report), result, {
    ...(generatedAt !== undefined && { generatedAt }),
  });
}
