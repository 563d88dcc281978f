import type { GateResult } from "../gates.js";
import type { CheckItem, CheckTotals } from "./types.js";

/** XML 1.0 cannot carry most control characters, even escaped: they become U+FFFD. */
function isForbidden(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
}

/**
 * Escapes text for element content, or for an attribute value when `attribute` is set. A parser
 * turns a raw tab, newline or CR in an attribute into a space, and a raw CR anywhere into a
 * newline; character references survive both, so messages keep their line breaks.
 */
export function escapeXml(text: string, attribute = false): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === "&") out += "&amp;";
    else if (char === "<") out += "&lt;";
    else if (char === ">") out += "&gt;";
    else if (char === '"') out += "&quot;";
    else if (char === "\r") out += "&#13;";
    else if (attribute && char === "\n") out += "&#10;";
    else if (attribute && char === "\t") out += "&#9;";
    else out += isForbidden(code) ? "\uFFFD" : char;
  }
  return out;
}

const attr = (text: string) => escapeXml(text, true);

/** ` file="..."` for a local file, so CI can link a testcase to it; nothing for URLs and data URIs. */
export function fileAttribute(input: string): string {
  return input === "-" || /^(data|https?):/i.test(input) ? "" : ` file="${attr(input)}"`;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function gateFailure(gate: GateResult): string {
  const value = gate.value === null ? "not measured" : String(gate.value);
  const op = gate.gate === "max-mismatch" ? "<=" : ">=";
  const message = `${gate.metric} ${value} does not meet --${gate.gate} ${op} ${gate.limit}`;
  const body = `metric: ${gate.metric}\nvalue: ${value}\nlimit: ${op} ${gate.limit}`;
  return `      <failure type="${gate.gate}" message="${attr(message)}">${escapeXml(body)}</failure>\n`;
}

function testcase(item: CheckItem): string {
  const open = `    <testcase classname="imgenc.check" name="${attr(item.file)}"${fileAttribute(item.file)} time="${seconds(item.durationMs)}"`;
  if (item.status === "passed") return `${open}/>\n`;
  let body = "";
  if (item.error) {
    const message = `${item.error.code}: ${item.error.message}`;
    body = `      <failure type="${attr(item.error.code)}" message="${attr(message)}">${escapeXml(message)}</failure>\n`;
  } else {
    body = (item.report?.gates ?? [])
      .filter((g) => !g.passed)
      .map(gateFailure)
      .join("");
  }
  return `${open}>\n${body}    </testcase>\n`;
}

/**
 * An interrupted run must not read as a green suite: one error testcase names every image that
 * was not run (or did not finish).
 */
function interruption(notRun: readonly string[], total: number): string {
  const message = `the run was interrupted: ${notRun.length} of ${total} images not run`;
  const body = notRun.length === 0 ? message : `not run:\n${notRun.join("\n")}`;
  return (
    `    <testcase classname="imgenc.check" name="interrupted" time="0.000">\n` +
    `      <error type="interrupted" message="${escapeXml(message)}">${escapeXml(body)}</error>\n` +
    "    </testcase>\n"
  );
}

/**
 * JUnit XML: one testcase per image; a failed gate or an unreadable image is a <failure>. An
 * interrupted run adds an <error> testcase listing `notRun`.
 */
export function junitXml(
  items: readonly CheckItem[],
  totals: CheckTotals,
  options: { notRun?: readonly string[] } = {},
): string {
  const failures = totals.failed + totals.errors;
  const errors = totals.interrupted ? 1 : 0;
  const head = `tests="${items.length + errors}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(totals.durationMs)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="imgenc check" ${head}>\n` +
    `  <testsuite name="imgenc check" ${head}>\n` +
    items.map(testcase).join("") +
    (totals.interrupted
      ? interruption(options.notRun ?? [], items.length + (options.notRun?.length ?? 0))
      : "") +
    "  </testsuite>\n</testsuites>\n"
  );
}
