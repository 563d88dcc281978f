import { dirname, isAbsolute, join } from "node:path";
import { escapeXml, fileAttribute } from "../check/junit.js";
import type { CaseReport, DatasetReport } from "./dataset.js";

const attr = (text: string) => escapeXml(text, true);

/** A case's image as a path from where the dataset was named: its lines name images from its folder. */
export function caseFile(dataset: string, image: string): string {
  if (/^(?:https?|data|file):/i.test(image) || isAbsolute(image)) return image;
  return join(dirname(dataset), image);
}
const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcases(c: CaseReport, names: readonly string[], dataset: string): string {
  const file = fileAttribute(caseFile(dataset, c.image));
  const name = (variant: string) => `${c.image} [${variant}] (line ${c.line})`;
  if (c.error) {
    const message = `${c.error.code}: ${c.error.message}`;
    return names
      .map(
        (variant) =>
          `    <testcase classname="imgenc.ask" name="${attr(name(variant))}"${file} time="0.000">\n` +
          `      <failure type="${attr(c.error?.code ?? "")}" message="${attr(message)}">${escapeXml(message)}</failure>\n` +
          "    </testcase>\n",
      )
      .join("");
  }
  return c.variants
    .map((v) => {
      const time = seconds(v.runs.reduce((sum, r) => sum + r.latencyMs, 0));
      const open = `    <testcase classname="imgenc.ask" name="${attr(name(v.variant))}"${file} time="${time}"`;
      if (v.status === "passed") return `${open}/>\n`;
      const failure = v.runs.find((r) => r.error !== undefined)?.error;
      const answers = v.answers.map((a) => `${a.count}x ${a.answer}`).join("\n");
      const [type, message] = failure
        ? [failure.code, failure.message]
        : c.expectation !== null
          ? ["expectation", `${v.met ?? 0} of ${v.runs.length} answers met the expectation`]
          : ["disagreement", "the answer differs from the first variant's"];
      return (
        `${open}>\n` +
        `      <failure type="${attr(type)}" message="${attr(message)}">${escapeXml(`prompt: ${c.prompt}\nanswers:\n${answers}`)}</failure>\n` +
        "    </testcase>\n"
      );
    })
    .join("");
}

/** JUnit XML: one testcase per case and variant; a failed expectation or request is a failure. */
export function askJunitXml(report: DatasetReport): string {
  const tests = report.cases.reduce(
    (n, c) => n + (c.error ? report.variants.length : c.variants.length),
    0,
  );
  const failures =
    report.cases.reduce(
      (n, c) =>
        n +
        (c.error ? report.variants.length : c.variants.filter((v) => v.status !== "passed").length),
      0,
    ) + report.gates.filter((g) => !g.passed).length;
  const gates = report.gates
    .map((g) => {
      const open = `    <testcase classname="imgenc.ask.gates" name="${attr(`--${g.gate} ${g.variant}`)}" time="0.000"`;
      if (g.passed) return `${open}/>\n`;
      const message = `${g.variant}: ${g.value ?? "not measured"} against --${g.gate} ${g.limit}`;
      return `${open}>\n      <failure type="${g.gate}" message="${attr(message)}">${escapeXml(message)}</failure>\n    </testcase>\n`;
    })
    .join("");
  const head = `tests="${tests + report.gates.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(report.totals.durationMs)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="imgenc ask" ${head}>\n` +
    `  <testsuite name="imgenc ask" ${head}>\n` +
    report.cases.map((c) => testcases(c, report.variants, report.dataset)).join("") +
    gates +
    "  </testsuite>\n</testsuites>\n"
  );
}
