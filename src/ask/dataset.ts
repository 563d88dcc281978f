import { dirname, isAbsolute, resolve } from "node:path";
import { ImgencError, isImgencError } from "../errors.js";
import { invalidValue, SETTINGS, shownValue, validateOptions } from "../settings.js";
import { readTextFile } from "../source/file.js";
import { redactSpec } from "../source/redact.js";
import { type AskRequestOptions, askContext, validateExpectation } from "./index.js";
import { hasExpectation, wilsonInterval } from "./judge.js";
import { askImage, limiter, refusedEverything } from "./run.js";
import type {
  AskSettings,
  AskSourceReport,
  Expectation,
  VariantName,
  VariantReport,
} from "./types.js";

/** One line of a dataset, as read. */
export interface DatasetCase {
  /** 1-based line in the file. */
  line: number;
  /** As written in the file (relative paths are read from the file's folder). */
  image: string;
  prompt: string;
  expect?: Expectation;
}

export interface CaseReport {
  line: number;
  /** As written, URL secrets masked. */
  image: string;
  prompt: string;
  expectation: Expectation | null;
  /** passed: every variant passed; failed: one did not; error: the image or a request failed. */
  status: "passed" | "failed" | "error";
  /** Every answer of every variant normalises to the same text. */
  agree: boolean;
  source?: AskSourceReport;
  variants: VariantReport[];
  /** The image could not be read or encoded. */
  error?: { code: string; message: string };
}

export interface VariantAccuracy {
  variant: VariantName;
  /** Cases with an expectation where every run met it. */
  correct: number;
  /** Cases with an expectation that this variant answered (every run). */
  judged: number;
  /** Cases where a request of this variant failed. */
  errors: number;
  /** correct / judged; null when nothing was judged. */
  accuracy: number | null;
  /** Wilson score interval, 95%. */
  interval: [number, number] | null;
}

export interface AccuracyGate {
  gate: "min-accuracy" | "max-accuracy-drop";
  variant: VariantName;
  /** A share (min-accuracy) or percentage points (max-accuracy-drop). */
  limit: number;
  /** The accuracy, or the drop in points from the first variant; null when not measured. */
  value: number | null;
  passed: boolean;
}

export interface DatasetTotals {
  cases: number;
  passed: number;
  failed: number;
  errors: number;
  /** Cases whose variants gave different answers. */
  disagreements: number;
  /** Requests made, and answers taken from the cache. */
  asked: number;
  cached: number;
  durationMs: number;
}

export interface DatasetReport {
  settings: AskSettings;
  /** The dataset file as given. */
  dataset: string;
  variants: VariantName[];
  /** Cases where the variants disagree first, then failures, then the rest; each by line. */
  cases: CaseReport[];
  accuracy: VariantAccuracy[];
  gates: AccuracyGate[];
  totals: DatasetTotals;
  /**
   * No request failed and, with gates, every gate passed; without gates, every case passed.
   */
  passed: boolean;
}

export interface AskDatasetOptions extends AskRequestOptions {
  /** The prompt of cases that have none. */
  prompt?: string;
  minAccuracy?: number;
  maxAccuracyDrop?: number;
  /** Called as each case finishes, in finishing order. */
  onCase?: (report: CaseReport, done: number, total: number) => void;
}

function lineError(file: string, line: number, message: string): ImgencError {
  return new ImgencError("usage", `line ${line}: ${message}`, { input: file });
}

function field(
  row: Record<string, unknown>,
  name: string,
  file: string,
  line: number,
): string | undefined {
  const value = row[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "")
    throw lineError(file, line, invalidValue("a text", name, shownValue(value)));
  return value;
}

/** The expectation of one line: expect, expect_regex, expect_number with tolerance. */
function caseExpectation(row: Record<string, unknown>, file: string, line: number): Expectation {
  const expectation: Expectation = {};
  const text = field(row, "expect", file, line);
  if (text !== undefined) expectation.text = text;
  const regex = field(row, "expect_regex", file, line);
  if (regex !== undefined) {
    if (SETTINGS.expectRegex.check(regex) === undefined)
      throw lineError(
        file,
        line,
        invalidValue(SETTINGS.expectRegex.expected, "expect_regex", shownValue(regex)),
      );
    expectation.regex = regex;
  }
  const number = row.expect_number;
  const tolerance = row.tolerance ?? 0;
  if (number !== undefined && number !== null) {
    const parsed =
      typeof number === "string"
        ? SETTINGS.expectNumber.fromText(number)
        : SETTINGS.expectNumber.check({ value: number, tolerance });
    if (parsed === undefined)
      throw lineError(
        file,
        line,
        invalidValue(SETTINGS.expectNumber.textExpected, "expect_number", shownValue(number)),
      );
    if (typeof number === "string" && row.tolerance !== undefined) {
      if (typeof tolerance !== "number" || !(tolerance >= 0))
        throw lineError(
          file,
          line,
          invalidValue("a number of at least 0", "tolerance", shownValue(tolerance)),
        );
      parsed.tolerance = tolerance;
    }
    expectation.number = parsed;
  }
  return expectation;
}

/** The cases of a JSON Lines file; blank lines are skipped, anything else must be a case. */
export function parseDataset(text: string, file: string, defaultPrompt?: string): DatasetCase[] {
  const cases: DatasetCase[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = i + 1;
    if (raw.trim() === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw lineError(file, line, "not a JSON object");
    }
    if (typeof row !== "object" || row === null || Array.isArray(row))
      throw lineError(file, line, "not a JSON object");
    const record = row as Record<string, unknown>;
    const image = field(record, "image", file, line);
    if (image === undefined) throw lineError(file, line, 'no "image"');
    const prompt = field(record, "prompt", file, line) ?? defaultPrompt;
    if (prompt === undefined) throw lineError(file, line, 'no "prompt" (or give --prompt)');
    const expect = caseExpectation(record, file, line);
    cases.push({ line, image, prompt, ...(hasExpectation(expect) && { expect }) });
  }
  if (cases.length === 0)
    throw new ImgencError("empty", "the dataset holds no cases", { input: file });
  return cases;
}

/** Where a case's image is read from: URLs, data URIs and absolute paths as they are. */
function imageSpec(image: string, file: string): string {
  if (/^(?:https?|data|file):/i.test(image) || isAbsolute(image)) return image;
  return resolve(dirname(resolve(file)), image);
}

function caseRank(c: CaseReport): number {
  if (!c.agree && c.status !== "error") return 0;
  return c.status === "error" ? 1 : c.status === "failed" ? 2 : 3;
}

function accuracyOf(
  variant: VariantName,
  index: number,
  cases: readonly CaseReport[],
): VariantAccuracy {
  let correct = 0;
  let judged = 0;
  let errors = 0;
  for (const c of cases) {
    const report = c.variants[index];
    if (report === undefined) continue;
    if (report.status === "error") {
      errors++;
      continue;
    }
    if (c.expectation === null) continue;
    judged++;
    if (report.status === "passed") correct++;
  }
  return {
    variant,
    correct,
    judged,
    errors,
    accuracy: judged === 0 ? null : correct / judged,
    interval: judged === 0 ? null : wilsonInterval(correct, judged),
  };
}

function gatesOf(accuracy: readonly VariantAccuracy[], options: AskDatasetOptions): AccuracyGate[] {
  const gates: AccuracyGate[] = [];
  if (options.minAccuracy !== undefined) {
    for (const a of accuracy) {
      gates.push({
        gate: "min-accuracy",
        variant: a.variant,
        limit: options.minAccuracy,
        value: a.accuracy,
        passed: a.accuracy !== null && a.accuracy >= options.minAccuracy,
      });
    }
  }
  const [first, ...rest] = accuracy;
  if (options.maxAccuracyDrop !== undefined && first !== undefined) {
    for (const a of rest) {
      const value =
        first.accuracy === null || a.accuracy === null
          ? null
          : Math.round((first.accuracy - a.accuracy) * 100 * 1e9) / 1e9;
      gates.push({
        gate: "max-accuracy-drop",
        variant: a.variant,
        limit: options.maxAccuracyDrop,
        value,
        passed: value !== null && value <= options.maxAccuracyDrop,
      });
    }
  }
  return gates;
}

/**
 * Ask every case of a JSON Lines dataset with every variant: accuracy per variant with a 95%
 * Wilson interval, the cases where the variants disagree first, and the accuracy gates. With
 * `cache`, answers already on disk are not asked again.
 */
export async function askDataset(file: string, options: AskDatasetOptions): Promise<DatasetReport> {
  const started = performance.now();
  const context = askContext(options);
  validateOptions(options, ["prompt", "minAccuracy", "maxAccuracyDrop"]);
  const text = await readTextFile(file);
  const cases = parseDataset(text, file, options.prompt);
  for (const c of cases) validateExpectation(c.expect, `line ${c.line}: `);
  // Images are read and encoded a few at a time; their requests share the request limit.
  const casesAtOnce = limiter(Math.min(context.settings.concurrency, 4));
  let done = 0;
  const reports = await Promise.all(
    cases.map((c) =>
      casesAtOnce(async (): Promise<CaseReport> => {
        const base = {
          line: c.line,
          image: redactSpec(c.image),
          prompt: c.prompt,
          expectation: c.expect ?? null,
        };
        let report: CaseReport;
        try {
          const { source, variants } = await askImage(
            imageSpec(c.image, file),
            c.prompt,
            c.expect,
            context,
          );
          const status = variants.some((v) => v.status === "error")
            ? "error"
            : variants.every((v) => v.status === "passed")
              ? "passed"
              : "failed";
          report = { ...base, status, agree: variants.every((v) => v.agrees), source, variants };
        } catch (error) {
          if (!isImgencError(error)) throw error;
          report = {
            ...base,
            status: "error",
            agree: true,
            variants: [],
            error: { code: error.code, message: error.message },
          };
        }
        done++;
        options.onCase?.(report, done, cases.length);
        return report;
      }),
    ),
  );
  const runs = reports.flatMap((r) => r.variants.flatMap((v) => v.runs));
  const refused = refusedEverything(runs, context.settings.endpoint);
  if (refused) throw refused;
  const ordered = [...reports].sort((a, b) => caseRank(a) - caseRank(b) || a.line - b.line);
  const accuracy = context.variants.map((v, i) => accuracyOf(v, i, reports));
  const gates = gatesOf(accuracy, options);
  const totals: DatasetTotals = {
    cases: reports.length,
    passed: reports.filter((r) => r.status === "passed").length,
    failed: reports.filter((r) => r.status === "failed").length,
    errors: reports.filter((r) => r.status === "error").length,
    disagreements: reports.filter((r) => !r.agree).length,
    asked: runs.filter((r) => !r.cached).length,
    cached: runs.filter((r) => r.cached).length,
    durationMs: Math.round(performance.now() - started),
  };
  const passed =
    totals.errors === 0 && (gates.length > 0 ? gates.every((g) => g.passed) : totals.failed === 0);
  return {
    settings: context.settings,
    dataset: redactSpec(file),
    variants: [...context.variants],
    cases: ordered,
    accuracy,
    gates,
    totals,
    passed,
  };
}
