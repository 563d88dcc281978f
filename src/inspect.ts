import { type ClientIdentification, identifyClient } from "./client/identify.js";
import { ImgencError, withInput } from "./errors.js";
import { type DataUriLint, lintDataUri } from "./findings/lint-data-uri.js";
import { createFinding } from "./findings/messages.js";
import { sourcePitfalls } from "./findings/pitfalls.js";
import type { Finding } from "./findings/types.js";
import {
  type DecodedImage,
  type DecodeOptions,
  decode,
  type ImageInfo,
  readInfo,
} from "./image/decode.js";
import { mimeForFormat, type SniffedFormat, sniffFormat } from "./image/format.js";
import type { IccSummary } from "./image/icc.js";
import { estimateQuality, readJpegHeader } from "./image/jpeg.js";
import type { ModelName, ModelPlan, PlanOptions } from "./models/registry.js";
import { base64Length, dataUriLength } from "./payload/build-data-uri.js";
import { serverFor, serverPath, serverPaths } from "./server/index.js";
import type { ServerName, ServerPath, ServerPixels, ServerRefusal } from "./server/types.js";
import { type ServerVerdict, serverVerdict } from "./server/verdict.js";
import { SOURCE_SETTINGS, validateOptions } from "./settings.js";
import { dataUriInput, readSource, readStdinRaw } from "./source/index.js";
import type { SourceKind, SourceOptions } from "./source/types.js";

export interface InspectOptions extends SourceOptions, DecodeOptions, PlanOptions {
  /** Also say how this model would size the image and what it costs in tokens. */
  model?: ModelName;
  /**
   * Say whether this server takes the data URI or URL, and plan with its processor (its first
   * model unless `model` is given).
   */
  server?: ServerName;
}

export interface ImageDetails {
  format: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  colourSpace: string;
  palette: boolean;
  iccProfile: IccSummary | null;
  /** EXIF orientation 1-8; null when the file has none. */
  orientation: number | null;
  /** Pixel counts are null when the pixels could not be decoded (see the findings). */
  alpha: { channel: boolean; translucentPixels: number | null; translucentShare: number | null };
  frames: number;
  progressive: boolean;
}

export interface JpegDetails {
  /** "4:4:4", "4:2:0", ...; null for greyscale. */
  subsampling: string | null;
  greyscale: boolean;
  /** Estimated from the quantisation tables; null for tables that fit no IJG quality. */
  quality: number | null;
  standardTables: boolean;
  arithmetic: boolean;
}

/** Plain data: JSON.stringify of it is the `inspect --json` document. */
export interface InspectReport {
  input: string;
  kind: SourceKind;
  /** Container sniffed from the bytes, whatever any name or header claims. */
  container: SniffedFormat | null;
  mime: string | null;
  dataUri?: { length: number; declaredMime: string; mimeMatches: boolean; base64: boolean };
  url?: { finalUrl: string; contentType: string | null };
  /** null when the bytes are no image imgenc can read. */
  image: ImageDetails | null;
  jpeg?: JpegDetails;
  /**
   * JPEG, PNG and WebP: the client paths and encoders the bytes are consistent with, and the
   * evidence (tables, chunks, zlib and filter choices, quantisers) they were matched on.
   */
  identification?: ClientIdentification;
  /** Of the image bytes, and of a correct data URI for them. */
  sizes: { bytes: number; base64Length: number; dataUriLength: number } | null;
  findings: Finding[];
  /** No error-level finding. */
  passed: boolean;
  /** With --model: the size the model resizes the image to, and its token cost. */
  model?: ModelPlan;
  /**
   * Data URIs and URLs: whether each server takes it (its reference rules), or, with a named
   * server, whether that one takes it and its decoder reads what it holds.
   */
  servers?: ServerVerdict[];
  /** With a named server and a data URI or URL: its verdict. */
  accepted?: boolean;
}

interface Read {
  input: string;
  kind: SourceKind;
  bytes: Buffer | undefined;
  /** The data URI or URL exactly as a server would be sent it. */
  reference?: string;
  lint?: DataUriLint;
  /** Length of the data-URI text, when the source was one. */
  textLength?: number;
  url?: InspectReport["url"];
}

async function read(spec: string, options: InspectOptions): Promise<Read> {
  // Data URIs are linted from their text, so a broken one is reported, not refused.
  if (/^data:/i.test(spec)) {
    const lint = lintDataUri(spec);
    return {
      input: dataUriInput(spec),
      kind: "data-uri",
      bytes: lint.bytes,
      reference: spec,
      lint,
      textLength: spec.length,
    };
  }
  if (spec === "-") {
    if (options.stdin === undefined)
      throw new ImgencError("usage", "no stdin stream", { input: "-" });
    const { raw, text } = await readStdinRaw(options.stdin, options);
    if (text === undefined) return { input: "-", kind: "stdin", bytes: raw };
    // What a program would send: the text as piped, a trailing newline included, so the lint
    // and the servers' verdicts see it (imgenc's own reader strips it).
    const reference = raw.toString("utf8").replace(/^\uFEFF?\s*/, "");
    const lint = lintDataUri(reference);
    return {
      input: "-",
      kind: "stdin",
      bytes: lint.bytes,
      reference,
      lint,
      textLength: text.length,
    };
  }
  const source = await readSource(spec, options);
  const read: Read = { input: source.input, kind: source.kind, bytes: source.bytes };
  if (source.finalUrl !== undefined) {
    read.url = { finalUrl: source.finalUrl, contentType: source.contentType ?? null };
  }
  if (source.kind === "url") read.reference = spec;
  return read;
}

function translucentPixels(rgba: Buffer): number {
  let count = 0;
  for (let i = 3; i < rgba.length; i += 4) if ((rgba[i] as number) < 255) count++;
  return count;
}

/** Header facts, plus what only decoding every pixel tells (which also proves the file whole). */
function details(info: ImageInfo, rgba: Buffer | undefined): ImageDetails {
  const translucent = rgba === undefined ? null : translucentPixels(rgba);
  const pixels = info.width * info.height;
  const image: ImageDetails = {
    format: info.format,
    width: info.width,
    height: info.height,
    channels: info.channels,
    bitDepth: info.bitDepth,
    colourSpace: info.space,
    palette: info.palette,
    iccProfile: info.iccProfile ?? null,
    orientation: info.orientation ?? null,
    alpha: {
      channel: info.hasAlpha,
      translucentPixels: translucent,
      translucentShare: translucent === null ? null : pixels === 0 ? 0 : translucent / pixels,
    },
    frames: info.pages,
    progressive: info.progressive,
  };
  return image;
}

function jpegDetails(bytes: Buffer): JpegDetails | undefined {
  const header = readJpegHeader(bytes);
  if (header === undefined) return undefined;
  const estimate = estimateQuality(header.quantTables);
  return {
    subsampling: header.subsampling ?? null,
    greyscale: header.greyscale,
    quality: estimate.quality,
    standardTables: estimate.standard,
    arithmetic: header.arithmetic,
  };
}

function contentTypeFinding(contentType: string | null, mime: string): Finding | undefined {
  const declared = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (declared === "" || declared === mime) return undefined;
  return createFinding("content-type-mismatch", { declared, detected: mime });
}

/**
 * What an image or data URI really holds: container, geometry, depth, colour, alpha, frames,
 * JPEG encoding, sizes, and data-URI lint findings. Throws ImgencError only when the input
 * cannot be read (exit 2); problems with what was read are findings.
 */
export async function inspect(spec: string, options: InspectOptions = {}): Promise<InspectReport> {
  validateOptions(options, [...SOURCE_SETTINGS, "model", "server", "minPixels", "maxPixels"]);
  if (options.server !== undefined) serverFor(options.server, options.model);
  const source = await read(spec, options);
  const findings: Finding[] = [...(source.lint?.findings ?? [])];
  const { bytes } = source;
  const container = bytes === undefined ? null : sniffFormat(bytes);
  let info: ImageInfo | undefined;
  if (bytes !== undefined) {
    try {
      info = await withInput(source.input, readInfo(bytes));
    } catch (error) {
      // A data URI holding no image is already a lint finding; a file or URL is unreadable.
      if (!(source.lint && error instanceof ImgencError)) throw error;
    }
  }
  let decoded: DecodedImage | undefined;
  if (info && bytes) {
    try {
      decoded = await withInput(source.input, decode(bytes, options));
    } catch (error) {
      if (!(source.lint && error instanceof ImgencError)) throw error;
      findings.push(
        createFinding("corrupt-image", { format: info.format }, { cause: error.message }),
      );
    }
  }
  const image = info ? details(info, decoded?.rgba) : null;
  const mime = info
    ? info.mime
    : container && container !== "unknown"
      ? mimeForFormat(container)
      : null;
  const report: InspectReport = {
    input: source.input,
    kind: source.kind,
    container,
    mime,
    image,
    sizes:
      bytes === undefined
        ? null
        : {
            bytes: bytes.length,
            base64Length: base64Length(bytes.length),
            dataUriLength: dataUriLength(mime ?? "application/octet-stream", bytes.length),
          },
    findings,
    passed: true,
  };
  if (source.lint) {
    report.dataUri = {
      length: source.textLength ?? 0,
      declaredMime: source.lint.mediaType,
      mimeMatches: mime !== null && source.lint.mediaType === mime,
      base64: source.lint.base64,
    };
  }
  if (source.url) {
    report.url = source.url;
    const mismatch = mime === null ? undefined : contentTypeFinding(source.url.contentType, mime);
    if (mismatch) findings.push(mismatch);
  }
  const jpeg = bytes && container === "jpeg" ? jpegDetails(bytes) : undefined;
  if (jpeg) report.jpeg = jpeg;
  if (bytes && (container === "jpeg" || container === "png" || container === "webp")) {
    const identification = identifyClient(bytes);
    if (identification) report.identification = identification;
  }
  if (decoded && bytes) {
    findings.push(
      ...(await sourcePitfalls({ bytes, image: decoded, jpegQuality: jpeg?.quality ?? null })),
    );
  }
  const servers = options.server === undefined ? serverPaths() : [serverPath(options.server)];
  const target =
    options.model !== undefined || options.server !== undefined
      ? serverFor(options.server, options.model)
      : undefined;
  const reads = new Map<ServerName, ServerPixels | ServerRefusal>();
  const readBy = async (server: ServerPath) => {
    if (!decoded || !bytes) return undefined;
    let result = reads.get(server.name);
    if (result === undefined) {
      result = await server.read({ bytes, image: decoded });
      reads.set(server.name, result);
    }
    return result;
  };
  if (source.reference !== undefined) {
    const reference = source.reference;
    report.servers = [];
    // Every server's reference rules are cheap; decoding as each server does is not, so only
    // the server asked for also reads the bytes.
    const named = options.server !== undefined;
    for (const server of servers) {
      const pixels = named ? await readBy(server) : undefined;
      report.servers.push(serverVerdict(server, reference, pixels));
    }
    if (named) report.accepted = report.servers[0]?.accepted ?? false;
  }
  if (target !== undefined && info) {
    const pixels = options.server === undefined ? undefined : await readBy(target.server);
    // The server's own decode decides the size it plans for (an EXIF turn swaps the sides).
    const size = pixels && !("error" in pixels) ? pixels : info;
    report.model = target.server.plan(target.model, size.width, size.height, options);
  }
  report.passed = !findings.some((f) => f.severity === "error");
  return report;
}
