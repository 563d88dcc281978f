import { stripVTControlCharacters as plain } from "node:util";
import type { ChalkInstance } from "chalk";
import type { CaseReport, DatasetReport } from "../../ask/dataset.js";
import { describeExpectation } from "../../ask/judge.js";
import type { AskReport, Expectation, VariantReport } from "../../ask/types.js";
import { bytes, percent } from "../../format/numbers.js";
import { shortenMiddle, statusMark, termSafe, wrapHanging } from "./terminal.js";

/** Characters of an answer shown in a table cell. */
const ANSWER_CHARS = 60;

function align(rows: string[][], right: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, plain(cell).length);
    });
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - plain(cell).length);
        return right.includes(i) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

/** An answer on one line: escaped, and cut to `max` characters. */
function shortAnswer(answer: string, max = ANSWER_CHARS): string {
  const line = termSafe(answer.replace(/\s+/g, " ").trim());
  if (line === "") return "(empty)";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function answerCell(v: VariantReport, max = ANSWER_CHARS): string {
  const [top, ...others] = v.answers;
  if (top === undefined) return "-";
  const runs = v.runs.length;
  const share = runs > 1 ? ` (${top.count}/${runs})` : "";
  const text = top.answer.trim() === "" ? "(empty)" : `"${shortAnswer(top.answer, max)}"`;
  return `${text}${share}${others.length > 0 ? ` +${others.length} other${others.length === 1 ? "" : "s"}` : ""}`;
}

function verdictCell(v: VariantReport, expectation: boolean, c: ChalkInstance): string {
  if (v.status === "error") {
    const failure = v.runs.find((r) => r.error !== undefined)?.error;
    return c.red(`ERROR ${termSafe(failure?.message ?? "")}`);
  }
  const similarity =
    v.similarity === null || v.agrees ? "" : ` (similarity ${v.similarity.toFixed(2)})`;
  if (expectation) {
    const met = `${v.met ?? 0}/${v.runs.length} met`;
    return v.status === "passed" ? c.green(`pass ${met}`) : c.red(`FAIL ${met}${similarity}`);
  }
  return v.agrees ? c.green("agrees") : c.red(`DIFFERS${similarity}`);
}

function expectationText(e: Expectation | null): string | undefined {
  return e === null ? undefined : termSafe(describeExpectation(e));
}

/** Every distinct answer of variants that gave more than one, so variance shows. */
function varianceLines(variants: readonly VariantReport[], c: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const v of variants) {
    if (v.answers.length < 2) continue;
    lines.push(
      c.dim(`${v.variant}: ${v.answers.length} different answers in ${v.runs.length} runs`),
    );
    for (const a of v.answers)
      lines.push(`  ${String(a.count).padStart(3)}x "${shortAnswer(a.answer, 100)}"`);
  }
  return lines;
}

function settingsLine(s: AskReport["settings"]): string {
  const decoding = s.api === "anthropic" ? "" : `, temperature ${s.temperature}, seed ${s.seed}`;
  return `${s.api} ${termSafe(s.endpoint)}, model ${termSafe(s.model)}${decoding}, ${s.runs} run${s.runs === 1 ? "" : "s"} per variant`;
}

/** The narrowest an answer is cut to on a narrow terminal. */
const MIN_ANSWER = 8;

/**
 * The answer's share of a terminal `width` wide, once the other columns (`others`, their
 * widest cells) and the separators are placed; ANSWER_CHARS when not on a terminal.
 */
function answerRoom(width: number | undefined, others: readonly number[], columns: number): number {
  if (width === undefined) return ANSWER_CHARS;
  const fixed = others.reduce((sum, w) => sum + w, 0) + 2 * (others.length + columns - 1);
  // Quotes (and with several runs a "(2/3)" share) sit beside the text.
  return Math.max(MIN_ANSWER, Math.min(ANSWER_CHARS, Math.floor((width - fixed) / columns) - 4));
}

/**
 * The table: variant, payload bytes, answer, verdict; then variance and the verdict line. On a
 * terminal `width` wide, answers are cut to fit and the heading lines wrap.
 */
export function formatAsk(report: AskReport, c: ChalkInstance, width?: number): string {
  const expectation = report.expectation !== null;
  const head = `${shortenMiddle(termSafe(report.source.input), width === undefined ? undefined : width - 24)}  ${report.source.mime} ${report.source.width}x${report.source.height}`;
  const lines = [
    c.bold(head),
    ...wrapHanging("", settingsLine(report.settings).split(" "), width, 2).map((l) => c.dim(l)),
    ...wrapHanging("", `prompt: "${shortAnswer(report.prompt, 100)}"`.split(" "), width, 2).map(
      (l) => c.dim(l),
    ),
  ];
  const wanted = expectationText(report.expectation);
  if (wanted !== undefined) lines.push(c.dim(`expect: ${wanted}`));
  lines.push("");
  const cells = report.variants.map((v) => ({
    variant: v.variant,
    payload: v.payload.transport === "url" ? "URL" : bytes(v.payload.bytes),
    verdict: verdictCell(v, expectation, c),
  }));
  const widest = (pick: (x: (typeof cells)[number]) => string, title: string) =>
    Math.max(title.length, ...cells.map((x) => plain(pick(x)).length));
  const room = answerRoom(
    width,
    [
      widest((x) => x.variant, "variant"),
      widest((x) => x.payload, "payload"),
      widest((x) => x.verdict, "verdict"),
    ],
    1,
  );
  const rows = report.variants.map((v, i) => {
    const x = cells[i] as (typeof cells)[number];
    return [x.variant, x.payload, answerCell(v, room), x.verdict];
  });
  const table = align([["variant", "payload", "answer", "verdict"], ...rows], [1]);
  lines.push(c.dim(table[0] ?? ""), ...table.slice(1));
  const variance = varianceLines(report.variants, c);
  if (variance.length > 0) lines.push("", ...variance);
  lines.push("");
  const failed = report.variants.filter((v) => v.status !== "passed").map((v) => v.variant);
  if (report.passed) {
    lines.push(
      c.green(
        expectation
          ? "passed: every answer meets the expectation"
          : "passed: every variant gives the same answer",
      ),
    );
  } else {
    lines.push(
      c.red(
        `failed: ${failed.join(", ")} ${expectation ? "did not meet the expectation" : "answered differently"}${report.variants.some((v) => v.status === "error") ? " or could not be asked" : ""}`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

function caseRow(r: CaseReport, c: ChalkInstance, room = 30, imageWidth?: number): string[] {
  const mark = statusMark(r.status, c);
  const image = shortenMiddle(termSafe(r.image), imageWidth);
  if (r.error) return [mark, image, c.red(termSafe(`${r.error.code}: ${r.error.message}`))];
  const cells = r.variants.map((v) => {
    const top = v.answers[0]?.answer;
    const text =
      top === undefined ? "-" : top.trim() === "" ? "(empty)" : `"${shortAnswer(top, room)}"`;
    return v.status === "passed" ? text : c.red(text);
  });
  return [mark, image, r.agree ? "" : c.yellow("differ"), ...cells];
}

function interval(i: [number, number] | null): string {
  return i === null ? "-" : `${percent(i[0])}-${percent(i[1])}`;
}

/**
 * Cases (disagreements first), then accuracy per variant, gates and the verdict. On a terminal
 * `width` wide, image names and answers are shortened to fit.
 */
export function formatDataset(report: DatasetReport, c: ChalkInstance, width?: number): string {
  const lines = [
    ...wrapHanging("", settingsLine(report.settings).split(" "), width, 2).map((l) => c.dim(l)),
    "",
  ];
  const shown = report.cases.filter((r) => r.status !== "passed" || !r.agree);
  if (shown.length > 0) {
    const imageWidth = width === undefined ? undefined : Math.max(12, Math.floor(width / 5));
    const images = Math.min(
      imageWidth ?? Number.POSITIVE_INFINITY,
      Math.max(5, ...shown.map((r) => termSafe(r.image).length)),
    );
    const room = answerRoom(width, [4, images, 6], report.variants.length);
    const table = align([
      ["", "image", "", ...report.variants],
      ...shown.map((r) => caseRow(r, c, width === undefined ? 30 : room, imageWidth)),
    ]);
    lines.push(c.dim(table[0] ?? ""), ...table.slice(1));
    const hidden = report.cases.length - shown.length;
    if (hidden > 0) lines.push(c.dim(`(${hidden} more passed, all variants agreeing)`));
    lines.push("");
  }
  const accuracy = align(
    [
      ["variant", "accuracy", "95% interval", "correct", "errors"],
      ...report.accuracy.map((a) => [
        a.variant,
        a.accuracy === null ? "-" : percent(a.accuracy),
        interval(a.interval),
        `${a.correct}/${a.judged}`,
        String(a.errors),
      ]),
    ],
    [1, 3, 4],
  );
  lines.push(c.dim(accuracy[0] ?? ""), ...accuracy.slice(1), "");
  for (const g of report.gates) {
    if (g.passed) continue;
    const value =
      g.value === null
        ? "not measured"
        : g.gate === "min-accuracy"
          ? percent(g.value)
          : `${g.value.toFixed(1)} points`;
    const limit = g.gate === "min-accuracy" ? percent(g.limit) : `${g.limit} points`;
    lines.push(c.red(`--${g.gate}: ${g.variant} ${value}, limit ${limit}`));
  }
  const t = report.totals;
  const time = `${(t.durationMs / 1000).toFixed(1)} s`;
  const asked = `${t.asked} asked, ${t.cached} from the cache`;
  const counts = `${t.failed} failed, ${t.errors} errors, ${t.disagreements} with differing answers; ${asked}`;
  const gated = report.gates.length > 0;
  const verdict = report.passed
    ? c.green(gated ? `passed the gates: ${t.cases} cases` : `passed: ${t.cases} cases`)
    : c.red(
        gated && t.errors === 0
          ? `failed the gates: ${t.cases} cases`
          : `failed: ${t.failed + t.errors} of ${t.cases} cases`,
      );
  lines.push(...wrapHanging(`${verdict} `, `(${counts}) in ${time}`.split(" "), width, 2));
  return `${lines.join("\n")}\n`;
}
