import type { ChalkInstance } from "chalk";
import { count, percent } from "../../format/numbers.js";
import type { InspectReport } from "../../inspect.js";
import type { ServerVerdict } from "../../server/verdict.js";
import { findingsBlock } from "./findings.js";
import { identificationBlock } from "./identify.js";
import { planBlock } from "./model.js";
import { shortenMiddle, termSafe, wrapHanging } from "./terminal.js";

const ORIENTATION = [
  "",
  "1 (normal)",
  "2 (mirrored)",
  "3 (rotated 180°)",
  "4 (mirrored vertically)",
  "5 (mirrored, rotated 90° CW)",
  "6 (rotated 90° CW)",
  "7 (mirrored, rotated 90° CCW)",
  "8 (rotated 90° CCW)",
];

function rows(report: InspectReport): [string, string][] {
  const out: [string, string][] = [];
  out.push([
    "container",
    report.container === null
      ? "unknown"
      : `${report.container.toUpperCase()} (${report.mime ?? "?"})`,
  ]);
  if (report.dataUri) {
    const d = report.dataUri;
    const declared = d.declaredMime === "" ? "no media type" : d.declaredMime;
    out.push([
      "declared",
      `${declared}${d.mimeMatches ? " (matches the bytes)" : " (does not match the bytes)"}${d.base64 ? "" : ", not base64"}`,
    ]);
  }
  if (report.url) {
    out.push(["final URL", report.url.finalUrl]);
    out.push(["content type", report.url.contentType ?? "none"]);
  }
  const image = report.image;
  if (image) {
    out.push(["size", `${image.width}x${image.height}`]);
    out.push([
      "pixels",
      `${image.channels} channel${image.channels === 1 ? "" : "s"}, ${image.bitDepth}-bit, ${image.colourSpace}${image.palette ? ", palette" : ""}`,
    ]);
    const icc = image.iccProfile;
    out.push([
      "ICC profile",
      icc
        ? `${icc.description ?? "(no description)"} (${icc.colourSpace}, v${icc.version})`
        : "none",
    ]);
    out.push([
      "orientation",
      image.orientation === null
        ? "none"
        : (ORIENTATION[image.orientation] ?? String(image.orientation)),
    ]);
    const a = image.alpha;
    out.push([
      "alpha",
      !a.channel
        ? "none"
        : a.translucentPixels === null || a.translucentShare === null
          ? "channel present (pixels not decoded)"
          : a.translucentPixels === 0
            ? "channel present, every pixel opaque"
            : `${count(a.translucentPixels)} pixels not fully opaque (${percent(a.translucentShare)})`,
    ]);
    out.push(["frames", String(image.frames)]);
    out.push(["progressive", image.progressive ? "yes (interlaced)" : "no"]);
  }
  const jpeg = report.jpeg;
  if (jpeg) {
    const quality =
      jpeg.quality === null
        ? "non-standard tables"
        : `quality ${jpeg.quality}${jpeg.standardTables ? " (standard IJG tables)" : " (approximate: tables near the IJG scale)"}`;
    out.push([
      "JPEG",
      `${jpeg.greyscale ? "greyscale" : (jpeg.subsampling ?? "?")}, ${quality}${jpeg.arithmetic ? ", arithmetic coding" : ""}`,
    ]);
  }
  const s = report.sizes;
  if (s) {
    out.push([
      "bytes",
      `${count(s.bytes)}; base64 ${count(s.base64Length)}; data URI ${count(s.dataUriLength)}`,
    ]);
  }
  if (report.dataUri) out.push(["as given", `${count(report.dataUri.length)} characters`]);
  return out;
}

/** Each server's verdict on the data URI or URL; the rule only when one server is asked. */
function serversBlock(verdicts: readonly ServerVerdict[], c: ChalkInstance): string[] {
  const width = Math.max(...verdicts.map((v) => v.server.length));
  const lines = ["", c.bold(verdicts.length === 1 ? "server" : "servers")];
  for (const v of verdicts) {
    const name = v.server.padEnd(width);
    lines.push(
      v.accepted
        ? `  ${c.green("✔")} ${name}  accepts`
        : `  ${c.red("✖")} ${name}  rejects: ${termSafe(v.reason ?? "")}`,
    );
    if (verdicts.length === 1) lines.push(`    ${c.dim(termSafe(v.rule))}`);
  }
  return lines;
}

/** The human report for `imgenc inspect`; on a terminal, fitted to its `width`. */
export function formatInspect(report: InspectReport, c: ChalkInstance, width?: number): string {
  const table = rows(report);
  const nameWidth = Math.max(...table.map(([name]) => name.length));
  const lines = [
    c.bold(shortenMiddle(termSafe(report.input), width)),
    // Values carry the file's own text (an ICC description, a server's Content-Type).
    ...table.flatMap(([name, value]) =>
      wrapHanging(
        `  ${c.dim(name.padEnd(nameWidth))}  `,
        termSafe(value).split(" "),
        width,
        nameWidth + 4,
      ),
    ),
    ...(report.identification ? identificationBlock(report.identification, c, width) : []),
    ...(report.servers ? serversBlock(report.servers, c) : []),
    ...(report.model ? planBlock(report.model, c) : []),
    ...findingsBlock(report.findings, c, width),
  ];
  return `${lines.join("\n")}\n`;
}
