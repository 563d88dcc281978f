import type { DatasetReport } from "../../ask/dataset.js";
import { caseFile } from "../../ask/junit.js";
import type { AskReport, VariantReport } from "../../ask/types.js";
import { rankWorstFirst } from "../../check/rank.js";
import type { CheckItem, CheckTotals } from "../../check/types.js";
import type { CompareReport } from "../../compare.js";
import type { Finding } from "../../findings/types.js";
import { bytes, count, percent } from "../../format/numbers.js";
import type { GateResult } from "../../gates.js";
import type { Metrics } from "../../metrics/measure.js";

/**
 * GitHub Actions workflow commands (`::error file=...,title=...::message`) and the Markdown of a
 * job summary. Values are escaped as the runner unescapes them (actions/toolkit command.ts): in
 * the message `%`, CR and LF; in a property also `:` and `,`. A file name can then neither end
 * the command line nor add a property.
 */

function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

type Level = "error" | "warning";

interface Annotation {
  level: Level;
  /** A local file; URLs and data URIs are named in the message instead. */
  file?: string;
  title: string;
  message: string;
}

function command({ level, file, title, message }: Annotation): string {
  const properties = [
    ...(file !== undefined ? [`file=${escapeProperty(file)}`] : []),
    `title=${escapeProperty(title)}`,
  ];
  return `::${level} ${properties.join(",")}::${escapeData(message)}\n`;
}

const isLocal = (input: string) => input !== "-" && !/^(data|https?):/i.test(input);

/** The file property for a local input; a URL goes into the message. */
function where(input: string, message: string): { file?: string; message: string } {
  if (isLocal(input)) return { file: input, message };
  const shown = input.length > 200 ? `${input.slice(0, 199)}…` : input;
  return { message: `${shown}: ${message}` };
}

function metricValue(metric: GateResult["metric"], value: number): string {
  if (metric === "psnr") return value.toFixed(2);
  if (metric === "ssim") return value.toFixed(4);
  if (metric === "mismatchShare") return percent(value);
  return count(value);
}

/** "psnr 19.72 < 30", "mismatchShare 6.5% > 1%", "ssim not measured < 0.95". */
function gateMessage(g: GateResult): string {
  const op = g.gate === "max-mismatch" ? ">" : "<";
  const value = g.value === null ? "not measured" : metricValue(g.metric, g.value);
  const limit = g.metric === "mismatchShare" ? percent(g.limit) : String(g.limit);
  return `${g.metric} ${value} ${op} ${limit}`;
}

/** Failed gates, refused paths and findings of one compare report, as annotations. */
function reportAnnotations(input: string, report: CompareReport): Annotation[] {
  const out: Annotation[] = [];
  const clients = report.clients;
  const perPath =
    clients !== undefined && clients.length > 1
      ? clients.map((k) => ({ suffix: ` (${k.client})`, gates: k.gates, findings: k.findings }))
      : [{ suffix: "", gates: report.gates, findings: [] as Finding[] }];
  for (const path of perPath) {
    for (const g of path.gates.filter((gate) => !gate.passed))
      out.push({
        level: "error",
        title: `${g.gate}${path.suffix}`,
        ...where(input, gateMessage(g)),
      });
  }
  for (const refused of report.refusedClients ?? []) {
    out.push({
      level: "error",
      title: `${refused.client} (refused)`,
      ...where(input, `${refused.error.code}: ${refused.error.message}`),
    });
  }
  const failing = new Set(report.failedFindings ?? []);
  const seen = new Set<string>();
  for (const f of [...report.findings, ...perPath.flatMap((p) => p.findings)]) {
    const key = `${f.code}\n${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const fails = failing.has(f.code);
    if (!fails && f.severity === "info") continue;
    out.push({ level: fails ? "error" : "warning", title: f.code, ...where(input, f.message) });
  }
  return out;
}

export function compareAnnotations(input: string, report: CompareReport): string {
  return reportAnnotations(input, report).map(command).join("");
}

export function checkAnnotations(items: readonly CheckItem[]): string {
  const out: Annotation[] = [];
  for (const item of items) {
    if (item.error) {
      out.push({ level: "error", title: item.error.code, ...where(item.file, item.error.message) });
    } else if (item.report) {
      out.push(...reportAnnotations(item.file, item.report));
    }
  }
  return out.map(command).join("");
}

/** An error annotation for a source that could not be read at all. */
export function errorAnnotation(input: string, code: string, message: string): string {
  return command({ level: "error", title: code, ...where(input, message) });
}

function variantFailure(v: VariantReport): string {
  const failure = v.runs.find((r) => r.error !== undefined)?.error;
  if (failure) return `${failure.code}: ${failure.message}`;
  const answer = v.answers[0]?.answer ?? "";
  const shown = answer.length > 300 ? `${answer.slice(0, 299)}…` : answer;
  return v.met !== undefined
    ? `${v.met} of ${v.runs.length} answers met the expectation; answered: ${shown}`
    : `answered differently from the first variant: ${shown}`;
}

export function askAnnotations(input: string, report: AskReport): string {
  return report.variants
    .filter((v) => v.status !== "passed")
    .map((v) => command({ level: "error", title: v.variant, ...where(input, variantFailure(v)) }))
    .join("");
}

export function datasetAnnotations(report: DatasetReport): string {
  const out: Annotation[] = [];
  for (const c of report.cases) {
    if (c.error) {
      out.push({
        level: "error",
        title: `${c.error.code} (line ${c.line})`,
        ...where(caseFile(report.dataset, c.image), c.error.message),
      });
      continue;
    }
    for (const v of c.variants.filter((variant) => variant.status !== "passed")) {
      out.push({
        level: "error",
        title: `${v.variant} (line ${c.line})`,
        ...where(caseFile(report.dataset, c.image), variantFailure(v)),
      });
    }
  }
  for (const g of report.gates.filter((gate) => !gate.passed)) {
    out.push({
      level: "error",
      file: report.dataset,
      title: `${g.gate} ${g.variant}`,
      message: `${g.value ?? "not measured"} against --${g.gate} ${g.limit}`,
    });
  }
  return out.map(command).join("");
}

/** Text as a Markdown table cell: no HTML, no emphasis, no column break, one line. */
function cell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~#!]/g, (c) => `\\${c}`);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const STATUS: Record<string, string> = { passed: "pass", failed: "FAIL", error: "ERROR" };

function metricCells(m: Metrics | null | undefined): string[] {
  return [
    m ? (m.psnr === null ? "identical" : `${m.psnr.toFixed(2)} dB`) : "-",
    m?.ssim == null ? "-" : m.ssim.toFixed(4),
    m ? percent(m.mismatchShare) : "-",
  ];
}

function reasons(item: CheckItem): string {
  if (item.error) return `${item.error.code}: ${item.error.message}`;
  const r = item.report;
  const clients = r?.clients;
  const gates =
    clients !== undefined && clients.length > 1
      ? clients.flatMap((k) => k.gates.filter((g) => !g.passed).map((g) => `${k.client} ${g.gate}`))
      : (r?.gates ?? []).filter((g) => !g.passed).map((g) => g.gate);
  return [
    ...gates,
    ...(r?.refusedClients ?? []).map((k) => `${k.client} refused`),
    ...(r?.failedFindings ?? []),
  ].join(", ");
}

const HEADER = ["", "image", "PSNR", "SSIM", "mismatch", "lossless", "lossy", "failed"];

function itemRow(item: CheckItem): string[] {
  const r = item.report;
  return [
    STATUS[item.status] ?? item.status,
    cell(item.file),
    ...metricCells(r?.metrics),
    r ? bytes(r.payloads[0].bytes) : "-",
    r ? bytes(r.payloads[1].bytes) : "-",
    cell(reasons(item)),
  ];
}

/** The job summary of a check run: the verdict, then a table of the failures, worst first. */
export function checkSummary(
  items: readonly CheckItem[],
  totals: CheckTotals,
  title = "imgenc check",
): string {
  const bad = rankWorstFirst(items).filter((i) => i.status !== "passed");
  const verdict =
    bad.length === 0
      ? `passed: ${totals.images} images`
      : `failed: ${bad.length} of ${totals.images} images (${totals.failed} failed a gate, ${totals.errors} unreadable)`;
  const stopped = totals.interrupted ? " (interrupted: partial results)" : "";
  const lines = [`### ${title}: ${verdict}${stopped}`, ""];
  if (bad.length > 0) lines.push(table(HEADER, bad.map(itemRow)), "");
  return `${lines.join("\n")}\n`;
}

export function compareSummary(input: string, report: CompareReport): string {
  const status = report.passed ? "passed" : "failed";
  return checkSummary(
    [{ file: input, status, durationMs: 0, report }],
    {
      images: 1,
      passed: report.passed ? 1 : 0,
      failed: report.passed ? 0 : 1,
      errors: 0,
      durationMs: 0,
      interrupted: false,
    },
    "imgenc compare",
  );
}

function variantRows(variants: readonly VariantReport[], line?: number): string[][] {
  return variants
    .filter((v) => v.status !== "passed")
    .map((v) => [
      STATUS[v.status] ?? v.status,
      ...(line !== undefined ? [String(line)] : []),
      cell(v.variant),
      bytes(v.payload.bytes),
      cell(variantFailure(v)),
    ]);
}

export function askSummary(input: string, report: AskReport): string {
  const failed = report.variants.filter((v) => v.status !== "passed").length;
  const verdict = report.passed
    ? `passed: ${report.variants.length} variants`
    : `failed: ${failed} of ${report.variants.length} variants`;
  const lines = [`### imgenc ask ${cell(input)}: ${verdict}`, ""];
  if (failed > 0)
    lines.push(table(["", "variant", "sent", "why"], variantRows(report.variants)), "");
  return `${lines.join("\n")}\n`;
}

export function datasetSummary(report: DatasetReport): string {
  const rows = report.cases.flatMap((c) =>
    c.error
      ? [
          [
            STATUS.error ?? "",
            String(c.line),
            cell(c.image),
            "-",
            cell(`${c.error.code}: ${c.error.message}`),
          ],
        ]
      : variantRows(c.variants, c.line).map(([mark, line, ...rest]) => [
          mark ?? "",
          line ?? "",
          `${cell(c.image)} (${rest[0]})`,
          ...rest.slice(1),
        ]),
  );
  const gates = report.gates
    .filter((g) => !g.passed)
    .map(
      (g) =>
        `- ${cell(`--${g.gate} ${g.variant}: ${g.value ?? "not measured"} against ${g.limit}`)}`,
    );
  const verdict = report.passed ? "passed" : "failed";
  const lines = [`### imgenc ask ${cell(report.dataset)}: ${verdict}`, ""];
  if (gates.length > 0) lines.push(...gates, "");
  if (rows.length > 0) lines.push(table(["", "line", "image (variant)", "sent", "why"], rows), "");
  return `${lines.join("\n")}\n`;
}
