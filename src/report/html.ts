import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type { CompareReport, PayloadReport, SourceReport } from "../compare.js";
import type { Finding } from "../findings/types.js";
import { count, percent, ratio } from "../format/numbers.js";
import type { GateResult } from "../gates.js";
import type { Metrics } from "../metrics/measure.js";
import type { ModelComparison } from "../models/sees.js";
import { PREVIEW_JPEG, scaleText } from "./images.js";
import { PAGE_CSS, PAGE_JS } from "./page-assets.generated.js";
import type {
  ReportAnswers,
  ReportCrop,
  ReportEntry,
  ReportImage,
  ReportImages,
  ReportView,
} from "./types.js";

export interface HtmlReportOptions {
  title: string;
  /** ISO date; omit for byte-identical output from the same input. */
  generatedAt?: string;
  /** Counted from the entries when omitted. */
  totals?: { passed: number; failed: number; errors: number };
}

type Verdict = "pass" | "fail" | "error";

/**
 * How a figure is shown. The page puts the format next to the raw JSON value (data-format,
 * data-value), so a test can check that the text shown is that value, formatted.
 */
type Format = "count" | "percent" | "db" | "ssim" | "fixed3" | "ratio" | "plain" | "bool";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe in text and in quoted attributes alike. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

function formatValue(format: Format, value: number | boolean | null): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value === null) return format === "db" ? "∞" : format === "ssim" ? "n/a" : "—";
  switch (format) {
    case "count":
      return count(value);
    case "percent":
      return percent(value);
    case "db":
      return `${value.toFixed(2)} dB`;
    case "ssim":
      return value.toFixed(4);
    case "fixed3":
      return value.toFixed(3);
    case "ratio":
      return ratio(value);
    default:
      return String(value);
  }
}

/** One figure: formatted text, with the JSON path and raw value for scripts and tests. */
function fig(
  path: string,
  format: Format,
  value: number | boolean | null,
  metric?: string,
): string {
  const m = metric === undefined ? "" : ` data-metric="${esc(metric)}"`;
  return `<span class="v" data-path="${esc(path)}"${m} data-format="${format}" data-value="${esc(String(value))}">${esc(formatValue(format, value))}</span>`;
}

const DATA_ID = "imgenc-data";

/** Anchor ids limited to characters that need no escaping in URLs or CSS selectors. */
function safeIds(entries: readonly ReportEntry[]): string[] {
  // The JSON block's id is taken.
  const used = new Set<string>([DATA_ID]);
  return entries.map((entry, i) => {
    const base =
      entry.id.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || `entry-${i + 1}`;
    const stem = /^[A-Za-z]/.test(base) ? base : `e-${base}`;
    let id = stem;
    for (let n = 2; used.has(id); n++) id = `${stem}-${n}`;
    used.add(id);
    return id;
  });
}

function verdictOf(entry: ReportEntry): Verdict {
  if (entry.report === null && !entry.sent) return "error";
  return entry.passed ? "pass" : "fail";
}

const VERDICT_TEXT: Record<Verdict, string> = { pass: "passed", fail: "failed", error: "error" };

function badge(verdict: Verdict): string {
  return `<span class="badge ${verdict}">${VERDICT_TEXT[verdict]}</span>`;
}

/**
 * A piece of the page: markup, or an image whose data: URI is written in slices where it
 * stands, so no string ever holds a whole image.
 */
type Part = string | ReportImage;

function dimension(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 1;
}

function imgTag(image: ReportImage, alt: string): Part[] {
  return [
    `<img src="`,
    image,
    `" width="${dimension(image.width)}" height="${dimension(image.height)}" alt="${esc(alt)}" loading="lazy" decoding="async" draggable="false">`,
  ];
}

function pane(kind: "a" | "b" | "diff", caption: string, image: ReportImage, alt: string): Part[] {
  const handle = kind === "b" ? `<div class="handle"></div>` : "";
  return [
    `<figure class="pane ${kind}"><figcaption>${caption}</figcaption><div class="scroll"><div class="frame">`,
    ...imgTag(image, alt),
    `${handle}</div></div></figure>`,
  ];
}

function size(width: number, height: number): string {
  return `${dimension(width)}×${dimension(height)}`;
}

/** What a pane shows: the payload at full size, a preview of it, or a crop of it. */
type Shown = "full" | "preview" | "crop";

function payloadCaption(
  p: PayloadReport | undefined,
  image: ReportImage,
  fallback: string,
  shown: Shown,
): string {
  const name = p ? `<b>${esc(p.role)}</b> ${esc(p.label)}` : `<b>${esc(fallback)}</b>`;
  if (shown === "crop") return `${name} <span class="muted">· 1:1 crop</span>`;
  if (shown === "preview" && p) {
    // The payload's own figures; the page says above at what scale it is shown.
    return `${name} <span class="muted">· ${esc(size(p.width, p.height))} · ${esc(count(p.bytes))} B · shown ${esc(size(image.width, image.height))}</span>`;
  }
  return `${name} <span class="muted">· ${esc(size(image.width, image.height))} · ${esc(count(image.bytes.byteLength))} B</span>`;
}

function viewer(entry: ReportEntry, view: ReportView, shown: Shown, diffNote: string): Part[] {
  const [pa, pb] = entry.report?.payloads ?? [];
  const labelA = pa ? `${pa.role} ${pa.label}` : "lossless";
  const labelB = pb ? `${pb.role} ${pb.label}` : "lossy";
  const what = shown === "crop" ? " (1:1 crop)" : shown === "preview" ? " (preview)" : "";
  const diff: Part[] = view.diff
    ? pane(
        "diff",
        `<b>diff</b> <span class="muted">· pixelmatch: red perceptible, yellow anti-aliasing${diffNote}</span>`,
        view.diff,
        `pixelmatch diff of ${entry.title}${what}`,
      )
    : [
        `<figure class="pane diff"><figcaption><b>diff</b></figcaption><p class="muted">${
          entry.report?.metrics === null
            ? "not measured: the payloads differ in size"
            : "no diff image"
        }</p></figure>`,
      ];
  const button = (attr: string, value: string, text: string, pressed: boolean, key?: string) =>
    `<button type="button" data-${attr}="${value}" aria-pressed="${pressed}"${key ? ` title="key ${key}"` : ""}>${text}</button>`;
  return [
    `<div class="viewer" data-zoom="fit"><div class="toolbar">
<div class="group" role="group" aria-label="view">${button("mode", "side", "Side by side", true, "B")}${button("mode", "flip", "Flip ⇄", false, "F")}${button("mode", "slide", "Slide", false, "S")}</div>
<input type="range" class="split" min="0" max="100" step="0.1" value="50" aria-label="split: ${esc(labelA)} left, ${esc(labelB)} right">
<div class="group" role="group" aria-label="zoom">${button("zoom", "fit", "Fit", true, "Z")}${button("zoom", "1", "1:1", false)}${button("zoom", "2", "2×", false)}${button("zoom", "4", "4×", false)}</div>
</div>
<div class="views" data-mode="side" data-show="b" data-label-a="${esc(labelA)}" data-label-b="${esc(labelB)}">
<div class="pair"><output class="status"></output>`,
    ...pane(
      "a",
      payloadCaption(pa, view.source, "lossless", shown),
      view.source,
      `${labelA}: ${entry.title}${what}`,
    ),
    ...pane(
      "b",
      payloadCaption(pb, view.lossy, "lossy", shown),
      view.lossy,
      `${labelB}: ${entry.title}${what}`,
    ),
    `</div>
`,
    ...diff,
    `
</div></div>`,
  ];
}

const CROP_REASON: Record<ReportCrop["by"], string> = {
  mismatch: "the region with the most pixelmatch mismatches",
  difference: "no pixelmatch mismatch: the region with the most absolute difference",
  centre: "the payloads are identical: the centre",
};

/** Full size, or a downscaled view plus a 1:1 crop, each saying what it is. */
function imagesBlock(entry: ReportEntry, images: ReportImages): Part[] {
  const k = images.divisor;
  if (k === undefined || k <= 1) return viewer(entry, images, "full", "");
  const payloads = entry.report?.payloads ?? [];
  const shownAs = [images.source, images.lossy]
    .map((image, i) => {
      const p = payloads[i];
      const from = p ? `${size(p.width, p.height)} → ` : "";
      return `${from}${size(image.width, image.height)}`;
    })
    .filter((text, i, all) => all.indexOf(text) === i)
    .join(" and ");
  const scale = scaleText(k);
  const jpeg = images.source.mime === "image/jpeg" || images.lossy.mime === "image/jpeg";
  const how = [
    `downscaled${jpeg ? ` (as JPEG q${PREVIEW_JPEG.quality})` : ""} to keep the page small`,
    ...(images.crop ? ["the 1:1 crop below is exact"] : []),
    "every figure is measured on the full images",
  ];
  const parts: Part[] = [
    `<p class="scaled" data-divisor="${k}"><b>shown at ${esc(scale)}: ${esc(shownAs)}</b> <span class="muted">· ${how.join("; ")}</span></p>`,
    ...viewer(
      entry,
      images,
      "preview",
      `; here each pixel stands for ${k}×${k}, red if any of them is`,
    ),
  ];
  const crop = images.crop;
  if (crop) {
    parts.push(
      `<p class="scaled crop" data-x="${crop.x}" data-y="${crop.y}"><b>1:1 crop: ${esc(size(crop.width, crop.height))} at x ${crop.x}, y ${crop.y}</b> <span class="muted">· ${CROP_REASON[crop.by]}</span></p>`,
      ...viewer(entry, crop, "crop", ""),
    );
  }
  return parts;
}

function describeSource(s: SourceReport, i: number): string {
  const parts = [
    `${esc(s.format.toUpperCase())} ${fig(`sources.${i}.width`, "plain", s.width)}×${fig(`sources.${i}.height`, "plain", s.height)}`,
    `${fig(`sources.${i}.channels`, "plain", s.channels)} channels${s.hasAlpha ? " (alpha)" : ""}`,
    `${fig(`sources.${i}.bitDepth`, "plain", s.bitDepth)}-bit`,
    `${fig(`sources.${i}.bytes`, "count", s.bytes)} bytes`,
  ];
  if (s.declaredMime !== undefined) {
    parts.push(`declared ${s.declaredMime === "" ? "no media type" : esc(s.declaredMime)}`);
  }
  if (s.contentType !== undefined) parts.push(`Content-Type ${esc(s.contentType)}`);
  if (s.finalUrl !== undefined && s.finalUrl !== s.input) parts.push(`from ${esc(s.finalUrl)}`);
  return parts.join(", ");
}

function sourcesBlock(report: CompareReport): string {
  const rows = report.sources.map((s, i) => {
    const tag = report.mode === "pair" ? (i === 0 ? "A" : "B") : "source";
    return `<p class="source"><b>${tag}</b> <code>${esc(s.input)}</code> <span class="muted">${describeSource(s, i)}</span></p>`;
  });
  return rows.join("");
}

function metricsTable(m: Metrics, prefix: string, heading: string): string {
  const f = (key: keyof Metrics, format: Format) =>
    fig(`${prefix}.${key}`, format, m[key] as number | boolean | null, key);
  const rows: [string, string, string][] = [
    [
      "changed pixels",
      f("changedShare", "percent"),
      `${f("changedPixels", "count")} of ${f("pixels", "count")}`,
    ],
    [
      "pixelmatch",
      f("mismatchShare", "percent"),
      `${f("mismatchedPixels", "count")} perceptible at threshold ${f("threshold", "plain")}`,
    ],
    ["PSNR", f("psnr", "db"), m.psnr === null ? "identical: infinite" : "R, G, B"],
    ["SSIM", f("ssim", "ssim"), m.ssim === null ? "image under 11 px" : "luma, 11×11 Gaussian"],
    ["max difference", f("maxChannelDiff", "plain"), "largest change of one channel (0–255)"],
    ["mean abs error", f("meanAbsError", "fixed3"), "per channel"],
    ["identical", f("identical", "bool"), "every pixel's R, G, B equal"],
  ];
  const body = rows
    .map(
      ([name, value, note]) =>
        `<tr><th scope="row">${name}</th><td class="n">${value}</td><td class="muted">${note}</td></tr>`,
    )
    .join("");
  return `<table class="metrics"><caption>${heading} <span class="muted">at ${f("width", "plain")}×${f("height", "plain")}</span></caption><tbody>${body}</tbody></table>`;
}

function payloadsBlock(report: CompareReport): string {
  const rows = report.payloads
    .map((p, i) => {
      const at = (key: keyof PayloadReport) => `payloads.${i}.${key}`;
      return `<tr><th scope="row">${esc(p.role)}</th><td>${esc(p.label)}<div class="muted">${esc(p.mime)}, ${fig(at("width"), "plain", p.width)}×${fig(at("height"), "plain", p.height)}</div></td><td class="n">${fig(at("bytes"), "count", p.bytes)}</td><td class="n">${fig(at("base64Length"), "count", p.base64Length)}</td><td class="n">${fig(at("dataUriLength"), "count", p.dataUriLength)}</td></tr>`;
    })
    .join("");
  const [first, second] = report.payloads;
  return `<section class="block"><h3>payloads</h3><table><thead><tr><th scope="col"></th><th scope="col"></th><th scope="col" class="n">bytes</th><th scope="col" class="n">base64</th><th scope="col" class="n">data URI</th></tr></thead><tbody>${rows}</tbody></table>
<p>${esc(second.role)} / ${esc(first.role)}: ${fig("ratio.bytes", "ratio", report.ratio.bytes)} bytes, ${fig("ratio.dataUriLength", "ratio", report.ratio.dataUriLength)} data URI</p></section>`;
}

const SEVERITY_MARK: Record<Finding["severity"], string> = { error: "✖", warning: "▲", info: "i" };

function findingsBlock(findings: Finding[]): string {
  if (findings.length === 0)
    return `<section class="block"><h3>findings</h3><p class="muted">none</p></section>`;
  const items = findings
    .map(
      (f) =>
        `<li class="finding ${esc(f.severity)}"><span class="mark" title="${esc(f.severity)}">${SEVERITY_MARK[f.severity] ?? "?"}</span><div><code>${esc(f.code)}</code> <span class="sev">${esc(f.severity)}</span><div>${esc(f.message)}</div></div></li>`,
    )
    .join("");
  return `<section class="block"><h3>findings <span class="muted">${findings.length}</span></h3><ul class="findings">${items}</ul></section>`;
}

const GATE_FORMAT: Record<GateResult["metric"], Format> = {
  psnr: "db",
  ssim: "ssim",
  mismatchedPixels: "count",
  mismatchShare: "percent",
};

function gatesBlock(gates: GateResult[]): string {
  if (gates.length === 0) return "";
  const rows = gates
    .map((g, i) => {
      const format = GATE_FORMAT[g.metric];
      const op = g.gate === "max-mismatch" ? "≤" : "≥";
      return `<tr class="${g.passed ? "ok" : "bad"}"><th scope="row">--${esc(g.gate)}</th><td class="n">${fig(`gates.${i}.value`, format, g.value)}</td><td class="n">${op} ${fig(`gates.${i}.limit`, format, g.limit)}</td><td>${g.passed ? "✔ passed" : "✖ failed"}</td></tr>`;
    })
    .join("");
  const failed = gates.filter((g) => !g.passed).length;
  return `<section class="block"><h3>gates <span class="muted">${failed === 0 ? "all passed" : `${failed} of ${gates.length} failed`}</span></h3><table><thead><tr><th scope="col">gate</th><th scope="col" class="n">value</th><th scope="col" class="n">limit</th><th scope="col"></th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function modelBlock(model: ModelComparison): string {
  const { plan } = model;
  const input = `${fig("model.plan.input.width", "plain", plan.input.width)}×${fig("model.plan.input.height", "plain", plan.input.height)}`;
  const line =
    plan.error !== null
      ? `refused: ${esc(plan.error)}`
      : `${input} ${
          plan.resized
            ? `→ ${fig("model.plan.resized.width", "plain", plan.resized.width)}×${fig("model.plan.resized.height", "plain", plan.resized.height)}`
            : "kept"
        }, ${fig("model.plan.tokens", "count", plan.tokens)} tokens`;
  const metrics = model.metrics
    ? metricsTable(model.metrics, "model.metrics", "at model size")
    : "";
  const tone = model.hidesLoss === false ? "warn" : "good";
  return `<section class="block model"><h3>what ${esc(plan.model)} sees</h3><p>${line}</p><p class="muted small">${esc(plan.note)}</p>${metrics}<p class="summary ${tone}">${esc(model.summary)}</p></section>`;
}

/** The model's answers per variant: the question the pixels are for. */
function answersBlock(answers: ReportAnswers): string {
  const rows = answers.variants
    .map((v) => {
      const said = v.answers
        .map(
          (a) =>
            `<q>${esc(a.answer)}</q>${a.count > 1 ? ` <span class="muted">×${a.count}</span>` : ""}`,
        )
        .join("<br>");
      const verdict = v.status === "passed" ? "pass" : v.status === "failed" ? "fail" : "error";
      const similarity = v.similarity === null ? "—" : v.similarity.toFixed(2);
      return `<tr><th scope="row">${esc(v.variant)}</th><td class="n">${count(v.bytes)}</td><td>${said || '<span class="muted">(no answer)</span>'}</td><td class="n">${similarity}</td><td>${badge(verdict)}</td></tr>`;
    })
    .join("");
  const expectation =
    answers.expectation === null ? "the variants compared with each other" : answers.expectation;
  return `<section class="block answers"><h3>what ${esc(answers.model)} answered</h3><p>${esc(answers.prompt)} <span class="muted">(${esc(expectation)})</span></p><table><thead><tr><th scope="col">variant</th><th scope="col" class="n">bytes</th><th scope="col">answer</th><th scope="col" class="n">similarity</th><th scope="col"></th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function entrySection(entry: ReportEntry, id: string): Part[] {
  const verdict = verdictOf(entry);
  const head = `<header><h2><a href="#${id}">${esc(entry.title)}</a></h2>${badge(verdict)}</header>`;
  const report = entry.report;
  const error = entry.error
    ? `<div class="failure"><code>${esc(entry.error.code)}</code> ${esc(entry.error.message)}</div>`
    : "";
  if (report === null && entry.sent) {
    const { sent } = entry;
    const image = sent.image
      ? [`<figure class="sent">`, ...imgTag(sent.image, entry.title), `</figure>`]
      : [`<p class="muted">image not embedded</p>`];
    return [
      `<section class="entry" id="${id}" data-entry="${id}" data-verdict="${verdict}">${head}<p>${esc(sent.summary)}</p>`,
      ...image,
      `<div class="details">${findingsBlock(sent.findings)}</div></section>`,
    ];
  }
  if (report === null) {
    const fallback = entry.error ? "" : `<div class="failure">the image could not be read</div>`;
    return [
      `<section class="entry" id="${id}" data-entry="${id}" data-verdict="${verdict}">${head}${error}${fallback}</section>`,
    ];
  }
  const views = entry.images
    ? imagesBlock(entry, entry.images)
    : [`<p class="muted">images not embedded</p>`];
  const metrics = report.metrics
    ? `<section class="block">${metricsTable(report.metrics, "metrics", `difference, ${esc(report.payloads[1].role)} vs ${esc(report.payloads[0].role)}`)}</section>`
    : `<section class="block"><h3>difference</h3><p class="muted">not measured: the payloads differ in size</p></section>`;
  const details = [
    entry.answers ? answersBlock(entry.answers) : "",
    metrics,
    payloadsBlock(report),
    findingsBlock(report.findings),
    gatesBlock(report.gates),
    report.model ? modelBlock(report.model) : "",
  ].join("");
  return [
    `<section class="entry" id="${id}" data-entry="${id}" data-verdict="${verdict}"${entry.images ? ` data-images="${(entry.images.divisor ?? 1) > 1 ? "preview" : "full"}"` : ""}>${head}${sourcesBlock(report)}${error}`,
    ...views,
    `<div class="details">${details}</div></section>`,
  ];
}

function* overview(entries: readonly ReportEntry[], ids: string[]): Generator<string> {
  yield `<section class="overview"><table><thead><tr><th scope="col">file</th><th scope="col">verdict</th><th scope="col" class="n">PSNR</th><th scope="col" class="n">SSIM</th><th scope="col" class="n">mismatch</th><th scope="col" class="n" title="lossy bytes / lossless bytes">size ratio</th><th scope="col" class="n">findings</th></tr></thead><tbody>
`;
  for (const [i, entry] of entries.entries()) {
    if (i > 0) yield "\n";
    yield overviewRow(entry, ids[i] as string);
  }
  yield `
</tbody></table></section>`;
}

function overviewRow(entry: ReportEntry, id: string): string {
  const r = entry.report;
  const link = `<a href="#${id}">${esc(entry.title)}</a>`;
  if (r === null) {
    const what = entry.sent
      ? esc(entry.sent.summary)
      : entry.error
        ? `<code>${esc(entry.error.code)}</code>`
        : "";
    return `<tr data-entry="${id}"><td class="file">${link}</td><td>${badge(verdictOf(entry))}</td><td colspan="5" class="muted">${what}</td></tr>`;
  }
  const m = r.metrics;
  const cell = (html: string) => `<td class="n">${html}</td>`;
  const none = `<td class="n muted">—</td>`;
  const severe = r.findings.filter((f) => f.severity !== "info").length;
  return `<tr data-entry="${id}"><td class="file">${link}</td><td>${badge(verdictOf(entry))}</td>${
    m
      ? cell(fig("metrics.psnr", "db", m.psnr, "psnr")) +
        cell(fig("metrics.ssim", "ssim", m.ssim, "ssim")) +
        cell(fig("metrics.mismatchShare", "percent", m.mismatchShare, "mismatchShare"))
      : none + none + none
  }${cell(fig("ratio.bytes", "ratio", r.ratio.bytes))}${cell(
    `${fig("findings.length", "count", r.findings.length)}${severe > 0 ? ` <span class="warn-dot" title="${severe} warning or error">▲</span>` : ""}`,
  )}</tr>`;
}

/** JSON inside <script>: `<` escaped so no string can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The style element's text: page.css, starting on the line after the tag. */
const CSS = `\n${PAGE_CSS}`;
/**
 * The browser script, page.js. Event-delegated: one listener per event type on the document,
 * however many entries. Each viewer (an entry has one, or two: a downscaled view and a 1:1
 * crop) keeps its own mode and zoom. The lossy image sits on top of the lossless one in
 * flip/slide modes; flip hides it, slide clips it.
 */
const JS = PAGE_JS;

/** No chunk of the page is longer than this many characters (1 MiB of base64). */
export const MAX_CHUNK_CHARS = 1 << 20;
/** Markup is gathered up to this size before it is handed on: fewer, larger writes. */
const GATHER_CHARS = 64 * 1024;
/** Image bytes per base64 slice: a multiple of 3, so the slices join into one valid URI. */
const SLICE_BYTES = (MAX_CHUNK_CHARS / 4) * 3;

/** Cuts long markup into chunks, never between the two halves of a surrogate pair. */
function* split(text: string): Generator<string> {
  let start = 0;
  while (text.length - start > MAX_CHUNK_CHARS) {
    let end = start + MAX_CHUNK_CHARS;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(start, end);
    start = end;
  }
  if (start < text.length) yield start === 0 ? text : text.slice(start);
}

function mediaType(image: ReportImage): string {
  // The media type lands inside a URL: anything odd is not worth trusting.
  return /^[\w.+-]+\/[\w.+-]+$/.test(image.mime) ? image.mime : "application/octet-stream";
}

/** Markup gathered into chunks; each image's bytes read only when its turn comes. */
async function* chunks(parts: Iterable<Part>): AsyncGenerator<string> {
  let pending = "";
  for (const part of parts) {
    if (typeof part === "string") {
      pending += part;
      if (pending.length >= GATHER_CHARS) {
        yield* split(pending);
        pending = "";
      }
      continue;
    }
    yield* split(`${pending}data:${mediaType(part)};base64,`);
    pending = "";
    const stored = part.bytes;
    const bytes = stored instanceof Uint8Array ? stored : await stored.read();
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let start = 0; start < buffer.length; start += SLICE_BYTES) {
      yield buffer.toString("base64", start, Math.min(buffer.length, start + SLICE_BYTES));
    }
  }
  if (pending !== "") yield* split(pending);
}

/** Per entry, for scripts: at what scale its images are shown, and where the crop is. */
function previewData(images: ReportImages | undefined): object | null {
  if (images?.divisor === undefined || images.divisor <= 1) return null;
  const crop = images.crop;
  return {
    divisor: images.divisor,
    width: images.source.width,
    height: images.source.height,
    crop: crop
      ? { x: crop.x, y: crop.y, width: crop.width, height: crop.height, by: crop.by }
      : null,
  };
}

function* page(entries: readonly ReportEntry[], options: HtmlReportOptions): Generator<Part> {
  const ids = safeIds(entries);
  const verdicts = entries.map(verdictOf);
  const totals = options.totals ?? {
    passed: verdicts.filter((v) => v === "pass").length,
    failed: verdicts.filter((v) => v === "fail").length,
    errors: verdicts.filter((v) => v === "error").length,
  };
  const csp = [
    "default-src 'none'",
    "img-src data:",
    `style-src ${sha256(CSS)}`,
    `script-src ${sha256(JS)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const generated =
    options.generatedAt !== undefined
      ? ` · generated <time datetime="${esc(options.generatedAt)}">${esc(options.generatedAt)}</time>`
      : "";
  const n = entries.length;
  const summary = `${count(n)} image${n === 1 ? "" : "s"} · ${count(totals.passed)} passed · ${count(totals.failed)} failed · ${count(totals.errors)} error${totals.errors === 1 ? "" : "s"}${generated}`;
  const help = `<p class="muted small">Per image: <kbd>F</kbd> flip lossless/lossy, <kbd>S</kbd> slide, <kbd>B</kbd> side by side, <kbd>Z</kbd> zoom (fit, 1:1, 2×, 4×); keys act on the image under the pointer or focused. Drag across the image to move the split.</p>`;
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="imgenc">
<title>${esc(options.title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<main>
<header class="page-head"><h1>${esc(options.title)}</h1><p>${summary}</p>${help}</header>
`;
  if (n > 1) yield* overview(entries, ids);
  yield "\n";
  for (const [i, entry] of entries.entries()) {
    if (i > 0) yield "\n";
    yield* entrySection(entry, ids[i] as string);
  }
  // The same text as JSON.stringify of the whole document, written one entry at a time.
  const head = [`"title":${scriptJson(options.title)}`];
  if (options.generatedAt !== undefined)
    head.push(`"generatedAt":${scriptJson(options.generatedAt)}`);
  head.push(`"totals":${scriptJson(totals)}`);
  yield `
</main>
<script type="application/json" id="${DATA_ID}">{${head.join(",")},"entries":[`;
  for (const [i, entry] of entries.entries()) {
    const data = {
      id: ids[i],
      title: entry.title,
      passed: entry.passed,
      verdict: verdicts[i],
      error: entry.error ?? null,
      report: entry.report,
      preview: previewData(entry.images),
    };
    yield `${i > 0 ? "," : ""}${scriptJson(data)}`;
  }
  yield `]}</script>
<script>${JS}</script>
</body>
</html>
`;
}

/**
 * One self-contained HTML page for compare reports: images as data: URIs, inline CSS and JS,
 * and a Content-Security-Policy that forbids every fetch but data: images, so opening the file
 * never touches the network. Pure: same input, same bytes (unless `generatedAt` is given).
 *
 * The page comes as a stream of chunks of at most MAX_CHUNK_CHARS characters, one entry at a
 * time, each image's bytes read (when stored elsewhere) and encoded only when its turn comes:
 * a report of any number of images never becomes one string, which V8 caps at 512 MiB.
 */
export function renderHtmlReport(
  entries: readonly ReportEntry[],
  options: HtmlReportOptions,
): AsyncIterable<string> {
  return chunks(page(entries, options));
}
