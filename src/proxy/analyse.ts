import type { ClientCandidate } from "../client/identify.js";
import { ImgencError } from "../errors.js";
import { findingInfo } from "../findings/codes.js";
import { lintDataUri } from "../findings/lint-data-uri.js";
import { createFinding } from "../findings/messages.js";
import type { Finding } from "../findings/types.js";
import { mimeForFormat, sniffFormat } from "../image/format.js";
import { type InspectOptions, type InspectReport, inspect } from "../inspect.js";
import { serverPath, serverPaths } from "../server/index.js";
import { goStdBase64 } from "../server/ollama-api.js";
import { type ServerVerdict, serverVerdict } from "../server/verdict.js";
import { redactUrl } from "../source/redact.js";
import { type ApiKind, detectApi, type FoundImage, findImages, type Transport } from "./request.js";

/** What the per-image analysis takes: inspect's --model and --server, and its source limits. */
export type AnalyseOptions = Pick<
  InspectOptions,
  "model" | "server" | "minPixels" | "maxPixels" | "maxInputBytes" | "maxInputPixels"
>;

/** Plain data: one image of a request, as the client sent it. */
export interface ImageAnalysis {
  /** 1-based, in body order, of `count`. */
  index: number;
  count: number;
  where: string;
  transport: Transport;
  /** The URL with secrets masked, or the head of the data URI or base64 text. */
  reference: string;
  /**
   * inspect's analysis of the bytes sent: container, size, JPEG quality and subsampling, the
   * client paths the bytes fit, data-URI findings and server verdicts. Absent for a URL (the
   * server fetches the original bytes) and for base64 that decodes to nothing.
   */
  report?: InspectReport;
  /** A URL's verdicts: whether each server (or the one named) fetches it. */
  servers?: ServerVerdict[];
  /** Why the bytes were not analysed (over --max-input-pixels, ...). */
  error?: string;
  /** Findings on the image, the report's included; a named server's refusal is one. */
  findings: Finding[];
}

/** Every image of one request body. */
export interface RequestAnalysis {
  api: ApiKind | undefined;
  images: ImageAnalysis[];
}

const HEAD = 48;

function head(text: string): string {
  const clean = text.replace(/\p{Cc}/gu, " ");
  return clean.length <= HEAD ? clean : `${clean.slice(0, HEAD)}… (${text.length} chars)`;
}

/** The data URI the bytes travel as, for the lint and the verdicts. */
function asDataUri(image: FoundImage): string | undefined {
  if (image.transport === "data-uri") return image.value;
  if (image.transport === "base64-source") {
    return `data:${image.mediaType ?? ""};base64,${image.value}`;
  }
  if (image.transport === "bare-base64") {
    if (!goStdBase64(image.value)) return undefined;
    const format = sniffFormat(Buffer.from(image.value, "base64"));
    const mime = format === "unknown" || format === "html" ? "" : mimeForFormat(format);
    return `data:${mime};base64,${image.value}`;
  }
  return undefined;
}

function refusal(verdict: ServerVerdict | undefined, url = false): Finding | undefined {
  if (verdict === undefined || verdict.accepted) return undefined;
  return createFinding("server-rejects-data-uri", {
    server: verdict.server,
    reason: verdict.reason ?? "",
    rule: verdict.rule,
    ...(url && { url }),
  });
}

/**
 * The analysis of one image as a request carries it: inspect() of the bytes sent, with the
 * lint and server verdicts of the data URI as written. Never throws for what the client sent:
 * bytes that cannot be read are findings.
 */
export async function analyseImage(
  image: FoundImage,
  position: { index: number; count: number },
  options: AnalyseOptions = {},
): Promise<ImageAnalysis> {
  const analysis: ImageAnalysis = {
    ...position,
    where: image.where,
    transport: image.transport,
    reference: image.transport === "url" ? redactUrl(image.value) : head(image.value),
    findings: [],
  };
  if (image.transport === "url") {
    const servers = options.server === undefined ? serverPaths() : [serverPath(options.server)];
    analysis.servers = servers.map((server) => serverVerdict(server, image.value, undefined));
    if (options.server !== undefined) {
      const refused = refusal(analysis.servers[0], true);
      if (refused) analysis.findings.push(refused);
    }
    return analysis;
  }
  const uri = asDataUri(image);
  if (uri === undefined) {
    // Ollama's images: Go's base64 decoder refuses the text, so the server never sees an image.
    const lint = lintDataUri(`data:;base64,${image.value}`);
    analysis.findings.push(...lint.findings.filter((f) => f.code !== "missing-media-type"));
    return analysis;
  }
  let report: InspectReport;
  try {
    report = await inspect(uri, options);
  } catch (error) {
    if (!(error instanceof ImgencError)) throw error;
    analysis.error = error.message;
    return analysis;
  }
  if (image.transport === "bare-base64") {
    // No header travels: the findings and verdicts of the one built here do not apply.
    delete report.dataUri;
    delete report.servers;
    delete report.accepted;
    report.findings = report.findings.filter((f) => findingInfo(f.code).group !== "data-uri");
  }
  report.input = analysis.reference;
  analysis.report = report;
  analysis.findings.push(...report.findings);
  if (options.server !== undefined) {
    const refused = refusal(report.servers?.[0]);
    if (refused) analysis.findings.push(refused);
  }
  return analysis;
}

/** Every image in a request body (parsed JSON), analysed in body order. */
export async function analyseRequest(
  body: unknown,
  options: AnalyseOptions & { path?: string } = {},
): Promise<RequestAnalysis> {
  const { path, ...rest } = options;
  const found = findImages(body);
  const images: ImageAnalysis[] = [];
  for (const [i, image] of found.entries()) {
    images.push(await analyseImage(image, { index: i + 1, count: found.length }, rest));
  }
  return { api: detectApi(path, body), images };
}

/** The client paths the bytes fit, known ones first; `raw` alone means none is known. */
export function likelyClients(analysis: ImageAnalysis): ClientCandidate[] {
  return analysis.report?.identification?.candidates.filter((c) => c.client !== "raw") ?? [];
}
