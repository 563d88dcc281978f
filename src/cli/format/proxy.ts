import type { ImageAnalysis } from "../../proxy/analyse.js";
import { describeImage } from "../../proxy/describe.js";
import type { ProxyImageEvent, ProxySummary } from "../../proxy/server.js";
import { termSafe } from "./terminal.js";

/** `POST /v1/chat/completions image 1/2: JPEG 1280x720 q75 4:2:0, ...`, one line. */
export function imageLine(event: ProxyImageEvent): string {
  const a = event.analysis;
  const gate = event.failures.length > 0 ? ` ✖ gate: ${event.failures.join(", ")}` : "";
  return termSafe(
    `${event.method} ${event.path} image ${a.index}/${a.count}: ${describeImage(a)}${gate}`,
  );
}

/** `image 1/2 at messages[0].content[1]`: the heading of one image of a saved request. */
export function imageHeading(a: ImageAnalysis): string {
  return termSafe(
    `image ${a.index}/${a.count} at ${a.where === "" ? "the top" : a.where} (${a.transport})`,
  );
}

function counts(record: Record<string, number | undefined>): string {
  return Object.entries(record)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([name, n]) => `${n} ${name}`)
    .join(", ");
}

/** What went through, when the proxy stops. */
export function summaryText(summary: ProxySummary): string {
  const apis = counts({ ...summary.byApi, other: summary.other });
  const transports = counts(summary.transports);
  const lines = [
    `imgenc proxy: ${summary.requests} request${summary.requests === 1 ? "" : "s"}${apis ? ` (${apis})` : ""}, ${summary.images} image${summary.images === 1 ? "" : "s"}${transports ? ` (${transports})` : ""}`,
  ];
  if (summary.tooLarge > 0) lines.push(`  ${summary.tooLarge} over --max-body (413)`);
  if (summary.upstreamErrors > 0) lines.push(`  ${summary.upstreamErrors} upstream failures (502)`);
  if (summary.failures.length > 0) {
    const n = summary.failures.length;
    lines.push(`  ✖ ${n} image${n === 1 ? "" : "s"} broke a gate:`);
    for (const f of summary.failures) {
      lines.push(
        termSafe(
          `    ${f.method} ${f.path} (request ${f.request}) image ${f.image} at ${f.where}: ${f.reasons.join(", ")}`,
        ),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
