import type { ClientName } from "../client/types.js";
import { findingInfo } from "../findings/codes.js";
import type { Finding } from "../findings/types.js";
import { type ImageAnalysis, likelyClients } from "./analyse.js";

/** Client paths as a sentence names them. */
const CLIENT_WORDS: Partial<Record<ClientName, string>> = {
  pillow: "Pillow's default save",
  "pillow-png": "Pillow's PNG save",
  "pillow-webp": "Pillow's default WebP save",
  opencv: "OpenCV's cv2.imencode",
  "canvas-jpeg": "a browser canvas's toDataURL('image/jpeg')",
  "canvas-png": "a browser canvas's toDataURL()",
  gradio: "Gradio's WebP",
  vllm: "vLLM's encode_image_base64 (PNG)",
  "vllm-legacy": "vLLM's older encode_image_base64 (JPEG)",
};

/** What a data-URI finding says of the header, in a few words. */
const HEADER_WORDS: Record<string, string> = {
  "missing-media-type": "has no media type",
  "missing-subtype": "has no subtype",
  "non-image-media-type": "is not an image type",
  "media-type-mismatch": "does not match the bytes",
  "nonstandard-media-type": "has a non-standard media type",
  "media-type-parameters": "has parameters",
  "nonstandard-base64-marker": "has a non-standard base64 marker",
  "not-base64": "is not base64",
};

/** "data:image;base64": the header as the client wrote it. */
function header(analysis: ImageAnalysis): string | undefined {
  const report = analysis.report;
  if (report?.dataUri === undefined) return undefined;
  if (analysis.transport === "base64-source") return `media_type "${report.dataUri.declaredMime}"`;
  const text = analysis.reference;
  const comma = text.indexOf(",");
  return comma < 0 ? undefined : text.slice(0, comma);
}

function findingWords(f: Finding, analysis: ImageAnalysis): string {
  const words = HEADER_WORDS[f.code];
  const head = header(analysis);
  if (words !== undefined && head !== undefined) return `${head} ${words} [${f.code}]`;
  return `${f.message} [${f.code}]`;
}

/** "JPEG 1280x720 q75 4:2:0": what the bytes are. */
function bytesWords(analysis: ImageAnalysis): string {
  const report = analysis.report;
  const image = report?.image;
  if (!report || !image) {
    return report?.container && report.container !== "unknown"
      ? `${report.container.toUpperCase()} that cannot be read`
      : "no image";
  }
  const parts = [`${image.format.toUpperCase()} ${image.width}x${image.height}`];
  const jpeg = report.jpeg;
  if (jpeg) {
    if (jpeg.quality !== null) parts.push(`q${jpeg.quality}`);
    parts.push(jpeg.greyscale ? "greyscale" : (jpeg.subsampling ?? "?"));
  }
  const evidence = report.identification?.evidence;
  if (evidence?.format === "webp") {
    if (evidence.codec === "VP8L") parts.push("lossless");
    else if (evidence.quality) {
      const { min, max } = evidence.quality;
      parts.push(min === max ? `q${min}` : `q${min}-${max}`);
    }
  }
  if (image.alpha.channel) parts.push("alpha");
  return parts.join(" ");
}

/** "likely Pillow's default save (or vLLM's older ...)": the client paths the bytes fit. */
function clientWords(analysis: ImageAnalysis): string | undefined {
  const fits = likelyClients(analysis);
  const [first, ...others] = fits;
  if (first === undefined) {
    return analysis.report?.identification ? "no known client's encoder" : undefined;
  }
  const name = (c: (typeof fits)[number]) =>
    (c.path ? CLIENT_WORDS[c.client as ClientName] : undefined) ?? c.label;
  if (others.length === 0) return `likely ${name(first)}`;
  const more = others.length === 1 ? "1 other writes" : `${others.length} others write`;
  return `likely ${name(first)} (${more} the same bytes)`;
}

/**
 * One line about one image, without its request: what the bytes are, which client they fit,
 * and the findings on what was sent (the pitfalls of re-encoding it again are left to the log).
 */
export function describeImage(analysis: ImageAnalysis): string {
  if (analysis.transport === "url") {
    const refused = analysis.servers?.filter((v) => !v.accepted).map((v) => v.server) ?? [];
    const tail = refused.length > 0 ? `; refused by ${refused.join(", ")}` : "";
    return `URL ${analysis.reference} (the server fetches the original bytes)${tail}`;
  }
  if (analysis.error !== undefined) return `not analysed: ${analysis.error}`;
  const head = [bytesWords(analysis), clientWords(analysis)].filter((p) => p !== undefined);
  const shown = analysis.findings.filter((f) => findingInfo(f.code).group !== "pitfall");
  return [head.join(", "), ...shown.map((f) => findingWords(f, analysis))].join("; ");
}
