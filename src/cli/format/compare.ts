import { stripVTControlCharacters as plain } from "node:util";
import type { ChalkInstance } from "chalk";
import type {
  ClientComparison,
  ClientPayloadReport,
  CompareReport,
  PayloadReport,
  SourceReport,
} from "../../compare.js";
import { bytes, count, percent, ratio } from "../../format/numbers.js";
import type { GateResult } from "../../gates.js";
import type { Metrics } from "../../metrics/measure.js";
import { findingsBlock } from "./findings.js";
import { comparisonBlock, planLine } from "./model.js";
import { shortenMiddle, termSafe, wrapHanging } from "./terminal.js";

/** How a table may give way on a terminal narrower than itself. */
interface Fit {
  width: number | undefined;
  /** Columns that may go, first to go first, when shortening text is not enough. */
  droppable?: readonly number[];
}

/** The narrowest a text column is shortened to before whole columns are dropped. */
const MIN_TEXT = 10;

const SEPARATOR = 2;

function tableWidth(widths: readonly number[], kept: ReadonlySet<number>): number {
  const shown = widths.filter((_, i) => kept.has(i));
  return shown.reduce((sum, w) => sum + w, 0) + SEPARATOR * Math.max(0, shown.length - 1);
}

/**
 * Columns before `textColumns` align left (text), the rest right (figures). On a terminal of
 * `fit.width`, the widest text columns are shortened (with "…") and then the droppable columns
 * dropped until the table fits; figures are never cut.
 */
function table(
  rows: string[][],
  color: ChalkInstance,
  textColumns = 3,
  fit: Fit = { width: undefined },
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, plain(cell).length);
    });
  }
  const kept = new Set(widths.map((_, i) => i));
  if (fit.width !== undefined) {
    const limit = fit.width;
    const over = () => tableWidth(widths, kept) - limit;
    // The least needed columns go first, whole; then the widest text is shortened.
    for (const column of fit.droppable ?? []) {
      if (over() <= 0) break;
      kept.delete(column);
    }
    while (over() > 0) {
      const widest = [...kept]
        .filter((i) => i < textColumns)
        .sort((a, b) => (widths[b] ?? 0) - (widths[a] ?? 0))[0];
      if (widest === undefined || (widths[widest] ?? 0) <= MIN_TEXT) break;
      widths[widest] = Math.max(MIN_TEXT, (widths[widest] ?? 0) - over());
    }
  }
  return rows.map((row, r) => {
    const line = row
      .flatMap((cell, i) => {
        if (!kept.has(i)) return [];
        const width = widths[i] ?? 0;
        const text = plain(cell).length > width ? shortenEnd(plain(cell), width) : cell;
        const pad = " ".repeat(Math.max(0, width - plain(text).length));
        // Text columns align left, figures right.
        return [i < textColumns ? text + pad : pad + text];
      })
      .join(" ".repeat(SEPARATOR))
      .trimEnd();
    return r === 0 ? color.dim(line) : line;
  });
}

/** `text` cut to `width` characters, the last one "…". */
function shortenEnd(text: string, width: number): string {
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

function describeSource(source: SourceReport): string {
  const alpha = source.hasAlpha ? "+alpha" : "";
  const parts = [
    `${source.format.toUpperCase()} ${source.width}x${source.height}`,
    `${source.channels} channel${source.channels === 1 ? "" : "s"}${alpha ? ` (${alpha.slice(1)})` : ""}`,
    `${source.bitDepth}-bit`,
    `${count(source.bytes)} bytes`,
  ];
  if (source.declaredMime !== undefined) {
    parts.push(`declared ${source.declaredMime === "" ? "no media type" : source.declaredMime}`);
  }
  return parts.join(", ");
}

function payloadRows(payloads: PayloadReport[]): string[][] {
  return [
    ["payload", "", "type", "size", "bytes", "base64", "data URI"],
    ...payloads.map((p) => [
      p.role,
      p.label,
      p.mime,
      `${p.width}x${p.height}`,
      count(p.bytes),
      count(p.base64Length),
      count(p.dataUriLength),
    ]),
  ];
}

function metricRows(m: Metrics, c: ChalkInstance): string[] {
  if (m.identical) {
    return [c.green("  identical: every pixel has the same R, G, B values (PSNR is infinite)")];
  }
  const psnr = m.psnr === null ? "infinite" : `${m.psnr.toFixed(2)} dB`;
  const rows: [string, string, string][] = [
    ["changed pixels", percent(m.changedShare), `${count(m.changedPixels)} of ${count(m.pixels)}`],
    [
      "pixelmatch",
      percent(m.mismatchShare),
      `${count(m.mismatchedPixels)} perceptible at threshold ${m.threshold}`,
    ],
    ["PSNR", psnr, "R, G, B"],
    [
      "SSIM",
      m.ssim === null ? "n/a" : m.ssim.toFixed(4),
      m.ssim === null ? "image under 11 px" : "luma, 11x11 Gaussian",
    ],
    ["max difference", String(m.maxChannelDiff), "largest change of one channel (0-255)"],
    ["mean abs error", m.meanAbsError.toFixed(3), "per channel"],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  return rows.map(
    ([name, value, note]) =>
      `  ${name.padEnd(width)}  ${c.bold(value.padStart(valueWidth))}  ${c.dim(note)}`,
  );
}

function gateLine(g: GateResult, measured: boolean, c: ChalkInstance): string {
  const name = { "min-psnr": "PSNR", "min-ssim": "SSIM", "max-mismatch": "pixelmatch" }[g.gate];
  const shown = (v: number) =>
    g.metric === "mismatchShare" ? percent(v) : g.metric === "psnr" ? `${v} dB` : String(v);
  const value =
    g.value === null
      ? measured && g.metric === "psnr"
        ? "infinite (identical)"
        : "not measured"
      : g.metric === "psnr"
        ? `${g.value.toFixed(2)} dB`
        : g.metric === "ssim"
          ? g.value.toFixed(4)
          : shown(g.value);
  const op = g.gate === "max-mismatch" ? "<=" : ">=";
  const mark = g.passed ? c.green("✔") : c.red("✖");
  return `  ${mark} --${g.gate}: ${name} ${value}, limit ${op} ${shown(g.limit)}`;
}

function psnrCell(m: Metrics | null): string {
  if (m === null) return "n/a";
  return m.psnr === null ? "inf" : m.psnr.toFixed(2);
}

/** What a path did, in a few words: "JPEG q75 4:2:0", "PNG", "original bytes". */
function stepsCell(p: ClientPayloadReport): string {
  const s = p.steps;
  const format =
    s.format === "original"
      ? "original bytes"
      : s.format === "webp"
        ? "WebP"
        : s.format.toUpperCase();
  const quality = s.quality !== undefined && !s.lossless ? ` q${s.quality}` : "";
  const sampling = s.subsampling !== undefined ? ` ${s.subsampling}` : "";
  return `${format}${quality}${sampling}`;
}

/** One row per client path: the at-a-glance answer to "which path is safe for this image?" */
function clientRows(clients: readonly ClientComparison[]): string[][] {
  return [
    [
      "client",
      "sends",
      "as",
      "bytes",
      "data URI",
      "changed",
      "pixelmatch",
      "PSNR",
      "SSIM",
      "findings",
    ],
    ...clients.map((k) => {
      const m = k.metrics;
      const prefix = k.payload.sentPrefix === "" ? "bare base64" : k.payload.sentPrefix;
      return [
        k.client,
        stepsCell(k.payload),
        prefix,
        count(k.payload.bytes),
        count(k.payload.dataUriLength),
        m === null ? "n/a" : percent(m.changedShare),
        m === null ? "n/a" : percent(m.mismatchShare),
        psnrCell(m),
        m === null || m.ssim === null ? "n/a" : m.ssim.toFixed(4),
        String(k.findings.length),
      ];
    }),
  ];
}

/** Through a named server: each path as the model gets it, against the source's own bytes. */
function seenRows(clients: readonly ClientComparison[]): string[][] {
  return [
    ["client", "data URI", "model input", "tokens", "changed", "pixelmatch", "PSNR", "SSIM"],
    ...clients.map((k) => {
      const seen = k.model;
      const plan = seen?.payloadPlan ?? seen?.plan;
      const m = seen?.metrics ?? null;
      const size = plan?.error
        ? "refused"
        : plan?.resized
          ? `${plan.resized.width}x${plan.resized.height}`
          : plan
            ? `${plan.input.width}x${plan.input.height}`
            : "n/a";
      const sent =
        k.sent === undefined || k.sent === null
          ? "bare base64"
          : k.sent.accepted
            ? "accepted"
            : "REJECTED";
      return [
        k.client,
        sent,
        size,
        plan?.tokens == null ? "n/a" : count(plan.tokens),
        m === null ? "n/a" : percent(m.changedShare),
        m === null ? "n/a" : percent(m.mismatchShare),
        psnrCell(m),
        m === null || m.ssim === null ? "n/a" : m.ssim.toFixed(4),
      ];
    }),
  ];
}

/** compare --client: the lossless reference, then a row per path, then every path's findings. */
function formatClients(
  report: CompareReport,
  clients: readonly ClientComparison[],
  c: ChalkInstance,
  width: number | undefined,
): string {
  const lines: string[] = [];
  const [source] = report.sources;
  if (source !== undefined) {
    lines.push(`${c.bold("source")} ${sourceName(source, "source", width)}`);
    lines.push(`  ${termSafe(describeSource(source))}`);
  }
  const [lossless] = report.payloads;
  lines.push(
    "",
    `${c.bold("reference")} ${lossless.label}: ${count(lossless.bytes)} bytes, data URI ${count(lossless.dataUriLength)}`,
    "",
  );
  // At a terminal's width the data URI length and the changed share go first; the prefix as
  // sent is shortened rather than dropped, as it is often the bug.
  lines.push(...table(clientRows(clients), c, 3, { width, droppable: [4, 5] }));
  for (const r of report.refusedClients ?? []) {
    lines.push(c.red(`${r.client}  refused: ${termSafe(r.error.message)}`));
  }
  lines.push(
    ...wrapHanging(
      "",
      "changed: pixels with any change; pixelmatch: perceptible at the threshold; PSNR in dB".split(
        " ",
      ),
      width,
      0,
    ).map((line) => c.dim(line)),
  );
  if (report.model?.server !== undefined) {
    const { plan, server } = report.model;
    lines.push(
      "",
      c.bold(`what ${plan.model} sees through ${server}`),
      ...wrapHanging(
        "  ",
        `reference (the source's own bytes, as a URL or the raw path sends them): ${termSafe(planLine(plan))}`.split(
          " ",
        ),
        width,
        4,
      ),
      "",
      ...table(seenRows(clients), c, 3, { width, droppable: [4, 5] }),
    );
    for (const k of clients) {
      if (k.sent && !k.sent.accepted) {
        lines.push(
          c.red(`${k.client}  ${server} rejects its data URI: ${termSafe(k.sent.reason ?? "")}`),
        );
      }
      if (k.model?.metrics === null)
        lines.push(c.yellow(`${k.client}  ${termSafe(k.model.summary)}`));
    }
  }
  const sourceFindings = report.findings.filter((f) => f.data?.client === undefined);
  lines.push(
    ...findingsBlock([...sourceFindings, ...clients.flatMap((k) => k.findings)], c, width),
  );
  const gates = clients.flatMap((k) =>
    k.gates.map((g) => ({ client: k.client, gate: g, measured: k.metrics !== null })),
  );
  if (gates.length > 0) {
    lines.push("", c.bold("gates"));
    lines.push(
      ...gates.map(
        ({ client, gate, measured }) => `${gateLine(gate, measured, c)} ${c.dim(`(${client})`)}`,
      ),
    );
    const failed = gates.filter(({ gate }) => !gate.passed).length;
    lines.push(
      failed === 0
        ? c.green(`passed: ${gates.length} of ${gates.length} gates`)
        : c.red(`failed: ${failed} of ${gates.length} gates`),
    );
  }
  lines.push(...failOnLines(report, c));
  return `${lines.join("\n")}\n`;
}

/** The findings that broke --fail-on, when it was given. */
function failOnLines(report: CompareReport, c: ChalkInstance): string[] {
  const codes = report.failedFindings;
  if (codes === undefined) return [];
  return [
    "",
    codes.length === 0
      ? c.green("passed: no finding --fail-on names")
      : c.red(`failed: --fail-on: ${codes.join(", ")}`),
  ];
}

/** A source's name after its tag, shortened in the middle to fit a terminal `width` wide. */
function sourceName(source: SourceReport, tag: string, width: number | undefined): string {
  return shortenMiddle(
    termSafe(source.input),
    width === undefined ? undefined : width - tag.length - 1,
  );
}

/** The human report for `imgenc compare`; on a terminal, fitted to its `width`. */
export function formatCompare(report: CompareReport, c: ChalkInstance, width?: number): string {
  const paths = (report.clients?.length ?? 0) + (report.refusedClients?.length ?? 0);
  if (report.clients !== undefined && paths > 1) {
    return formatClients(report, report.clients, c, width);
  }
  const lines: string[] = [];
  for (const [i, source] of report.sources.entries()) {
    const tag = report.mode === "pair" ? (i === 0 ? "A" : "B") : "source";
    lines.push(`${c.bold(tag)} ${sourceName(source, tag, width)}`);
    lines.push(`  ${termSafe(describeSource(source))}`);
  }
  lines.push("");
  lines.push(...table(payloadRows(report.payloads), c, 3, { width, droppable: [5, 2] }));
  const [first, second] = report.payloads;
  const ratios =
    c.dim(`${second.role} / ${first.role}: `) +
    `${ratio(report.ratio.bytes)} bytes, ${ratio(report.ratio.dataUriLength)} data URI`;
  const sizes = `(${bytes(first.bytes)} -> ${bytes(second.bytes)})`;
  // On a narrow terminal the sizes go on a line of their own.
  if (width !== undefined && plain(ratios).length + 1 + sizes.length > width) {
    lines.push(ratios, c.dim(`  ${sizes}`));
  } else {
    lines.push(`${ratios}${c.dim(` ${sizes}`)}`);
  }
  lines.push("");
  if (report.metrics) {
    lines.push(c.bold(`difference, ${second.role} vs ${first.role}`));
    lines.push(...metricRows(report.metrics, c));
  } else {
    lines.push(c.bold("difference: not measured (different dimensions)"));
  }
  if (report.model) {
    lines.push(...comparisonBlock(report.model, (m) => metricRows(m, c), c));
  }
  lines.push(...findingsBlock(report.findings, c, width));
  if (report.gates.length > 0) {
    lines.push("", c.bold("gates"));
    lines.push(...report.gates.map((g) => gateLine(g, report.metrics !== null, c)));
    const failed = report.gates.filter((g) => !g.passed).length;
    lines.push(
      failed === 0
        ? c.green(`passed: ${report.gates.length} of ${report.gates.length} gates`)
        : c.red(`failed: ${failed} of ${report.gates.length} gates`),
    );
  }
  lines.push(...failOnLines(report, c));
  return `${lines.join("\n")}\n`;
}
