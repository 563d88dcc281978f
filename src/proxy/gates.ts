import { findingsFailing } from "../findings/gate.js";
import type { ImageAnalysis } from "./analyse.js";

/** The CI gates of a proxied run: what an image may not carry. */
export interface ProxyGates {
  /** Finding codes, or severities (a severity also fails anything worse). */
  failOn?: readonly string[];
  /** Lowest JPEG (or lossy WebP) quality an image may be sent at. */
  minQuality?: number;
}

/** The estimated quality of a lossy image: JPEG's from its tables, WebP's highest fitting. */
function lossyQuality(analysis: ImageAnalysis): number | undefined {
  const report = analysis.report;
  if (report?.jpeg?.quality != null) return report.jpeg.quality;
  const evidence = report?.identification?.evidence;
  return evidence?.format === "webp" && evidence.codec === "VP8" && evidence.quality
    ? evidence.quality.max
    : undefined;
}

/** Why one image breaks the gates, one phrase per broken gate; empty when it passes. */
export function gateFailures(analysis: ImageAnalysis, gates: ProxyGates): string[] {
  const reasons: string[] = [];
  for (const f of findingsFailing(analysis.findings, gates.failOn ?? []))
    reasons.push(`${f.code} (${f.severity})`);
  const quality = lossyQuality(analysis);
  if (gates.minQuality !== undefined && quality !== undefined && quality < gates.minQuality) {
    reasons.push(`quality ${quality} is below ${gates.minQuality}`);
  }
  return [...new Set(reasons)];
}
