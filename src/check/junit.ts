import type { GateResult } from "../gates.js";
import type { CheckItem, CheckTotals } from "./types.js";

function escape(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // XML 1.0 cannot carry most control characters, even escaped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\uFFFD")
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function gateFailure(gate: GateResult): string {
  const value = gate.value === null ? "not measured" : String(gate.value);
  const op = gate.gate === "max-mismatch" ? "<=" : ">=";
  const message = `${gate.metric} ${value} does not meet --${gate.gate} ${op} ${gate.limit}`;
  const body = `metric: ${gate.metric}\nvalue: ${value}\nlimit: ${op} ${gate.limit}`;
  return `      <failure type="${gate.gate}" message="${escape(message)}">${escape(body)}</failure>\n`;
}

function testcase(item: CheckItem): string {
  const open = `    <testcase classname="imgenc.check" name="${escape(item.file)}" time="${seconds(item.durationMs)}"`;
  if (item.status === "passed") return `${open}/>\n`;
  let body = "";
  if (item.error) {
    const message = `${item.error.code}: ${item.error.message}`;
    body = `      <failure type="${escape(item.error.code)}" message="${escape(message)}">${escape(message)}</failure>\n`;
  } else {
    body = (item.report?.gates ?? [])
      .filter((g) => !g.passed)
      .map(gateFailure)
      .join("");
  }
  return `${open}>\n${body}    </testcase>\n`;
}

/** JUnit XML: one testcase per image; a failed gate or an unreadable image is a <failure>. */
export function junitXml(items: readonly CheckItem[], totals: CheckTotals): string {
  const failures = totals.failed + totals.errors;
  const head = `tests="${items.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(totals.durationMs)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="imgenc check" ${head}>\n` +
    `  <testsuite name="imgenc check" ${head}>\n` +
    items.map(testcase).join("") +
    "  </testsuite>\n</testsuites>\n"
  );
}
