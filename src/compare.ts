import { pillow } from "./client/pillow.js";
import type { ClientName, ClientPayload, ClientSteps } from "./client/types.js";
import { ImgencError, isImgencError, withInput } from "./errors.js";
import { findingsFailing } from "./findings/gate.js";
import { lintDataUri } from "./findings/lint-data-uri.js";
import { createFinding, forClient, forSource } from "./findings/messages.js";
import {
  clientPitfalls,
  payloadPitfalls,
  type SourceLosses,
  sourceLosses,
  sourcePitfalls,
} from "./findings/pitfalls.js";
import type { Finding } from "./findings/types.js";
import { evaluateGates, type GateResult, type Gates } from "./gates.js";
import { addOpaqueAlpha } from "./image/channels.js";
import { type DecodedImage, type DecodeOptions, decode, type ImageInfo } from "./image/decode.js";
import { estimateQuality, readJpegHeader } from "./image/jpeg.js";
import { applyOrientation } from "./image/orientation.js";
import { loadSharp } from "./image/sharp.js";
import { type Metrics, measure } from "./metrics/measure.js";
import { compositeOnWhite } from "./models/pillow-resize.js";
import type { ModelName, PlanOptions } from "./models/registry.js";
import type { ModelComparison } from "./models/sees.js";
import { base64Length, dataUriLength } from "./payload/build-data-uri.js";
import { checkEncodable } from "./payload/limits.js";
import {
  canStreamPng,
  originalPayload,
  pngPayload,
  streamedPngPayload,
} from "./payload/lossless.js";
import { pillowJpegPayload } from "./payload/pillow-jpeg.js";
import {
  type JpegSettings,
  type LosslessMode,
  type Payload,
  type PayloadRole,
  PILLOW_DEFAULT_JPEG,
} from "./payload/types.js";
import type { ServerName } from "./server/types.js";
import { type ServerVerdict, serverVerdict } from "./server/verdict.js";
import { SETTINGS, SOURCE_SETTINGS, validateOptions } from "./settings.js";
import { readSource } from "./source/index.js";
import type { Source, SourceKind, SourceOptions } from "./source/types.js";

export interface CompareOptions extends SourceOptions, DecodeOptions, PlanOptions {
  /**
   * Single source only: the client paths to reproduce and compare against the lossless
   * payload, one or several (see CLIENT_NAMES). Omitted: the Pillow-default JPEG, reported in
   * the schemaVersion 1 shape.
   */
  client?: ClientName | ClientName[];
  /** Also compare at this model's resolution, after its preprocessing. */
  model?: ModelName;
  /**
   * The model server whose decode and processor make what the model sees: the reference is the
   * source's bytes through it (as a URL delivers them), each payload goes through it too.
   * Without `model`, the server's first model.
   */
  server?: ServerName;
  /** Single source only: PNG written by sharp, or the untouched source bytes. */
  lossless?: LosslessMode;
  /** Single source only: the lossy JPEG's settings (Pillow's default when omitted). */
  jpeg?: JpegSettings;
  /** pixelmatch threshold, 0-1. */
  threshold?: number;
  gates?: Gates;
  /** Finding codes or severities (a severity also takes worse ones) that fail the comparison. */
  failOn?: readonly string[];
  /** Keep pixelmatch's diff image in the result's artifacts. */
  diff?: boolean;
  /** Keep both payloads' decoded pixels in the result's artifacts (to draw previews). */
  pixels?: boolean;
}

export interface SourceReport {
  input: string;
  kind: SourceKind;
  format: string;
  mime: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  hasAlpha: boolean;
  bytes: number;
  /** Data-URI sources: the media type they declared ("" when none). */
  declaredMime?: string;
  /** URL sources: where the redirects ended and what the server said the body was. */
  finalUrl?: string;
  contentType?: string;
}

export interface PayloadReport {
  role: PayloadRole;
  label: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
  base64Length: number;
  dataUriLength: number;
  jpeg?: JpegSettings;
}

/** A client path's payload: what it sends, how it writes it, and what it did. */
export interface ClientPayloadReport extends PayloadReport {
  client: ClientName;
  /** What precedes the base64 text as the client writes it ("" for bare base64). */
  sentPrefix: string;
  steps: ClientSteps;
}

/** One client path against the lossless payload. */
export interface ClientComparison {
  client: ClientName;
  description: string;
  payload: ClientPayloadReport;
  /** This path's payload over the lossless one. */
  ratio: { bytes: number; dataUriLength: number };
  /**
   * Against the lossless pixels, turned the same way when the path applied an EXIF
   * orientation; null when the sizes still differ.
   */
  metrics: Metrics | null;
  /** What this path loses, each finding with `data.client`. */
  findings: Finding[];
  gates: GateResult[];
  passed: boolean;
  /** With a named server: this path's payload as the model sees it, against the reference. */
  model?: ModelComparison;
  /**
   * With a named server: whether it takes the data URI as this path writes it; null when the
   * path sends bare base64 (an API field, not a data URI).
   */
  sent?: ServerVerdict | null;
}

/** Plain data: JSON.stringify of it is the documented `--json` document. */
export interface CompareReport {
  mode: "single" | "pair";
  sources: SourceReport[];
  payloads: [PayloadReport, PayloadReport];
  /** Second payload over the first (lossy / lossless, or b / a). */
  ratio: { bytes: number; dataUriLength: number };
  /** null when the two payloads have different dimensions. */
  metrics: Metrics | null;
  findings: Finding[];
  gates: GateResult[];
  passed: boolean;
  /** With a model: its size and token plan, and the metrics at that size. */
  model?: ModelComparison;
  /**
   * With the `client` option: every path, in the order asked. `payloads[1]`, `metrics`,
   * `findings` and `gates` above are then the first path's, so a reader of the one-client
   * document still finds them where it always did.
   */
  clients?: ClientComparison[];
  /**
   * Paths that cannot send this image at all (OpenCV has no GIF reader, Chromium none for
   * TIFF): what the client's call would raise. Any of them fails the comparison.
   */
  refusedClients?: ClientRefusal[];
  /** With the `failOn` option: the codes of the findings that broke it (then `passed` is false). */
  failedFindings?: string[];
}

/** A client path that refuses the source, and why, as its library would fail. */
export interface ClientRefusal {
  client: ClientName;
  description: string;
  error: { code: string; message: string };
}

/** Decoded pixels: width * height * 4 bytes, RGBA. */
export interface RgbaPixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

interface ClientArtifacts {
  payload: ClientPayload;
  diff?: RgbaPixels;
  pixels?: [RgbaPixels, RgbaPixels];
}

/** Bytes that a caller may write or print; never part of the JSON document. */
export interface CompareArtifacts {
  payloads: [Payload, Payload];
  /**
   * With the `client` option: each path's payload, in the order of `report.clients`, with its
   * diff and the pixels measured (the reference turned as the path turned it) when asked for.
   */
  clients?: ClientArtifacts[];
  diff?: RgbaPixels;
  /** The two payloads as decoded and measured, when asked for. */
  pixels?: [RgbaPixels, RgbaPixels];
}

export interface CompareResult {
  report: CompareReport;
  artifacts: CompareArtifacts;
}

function sourceReport(source: Source, image: DecodedImage): SourceReport {
  const { info } = image;
  const report: SourceReport = {
    input: source.input,
    kind: source.kind,
    format: info.format,
    mime: info.mime,
    width: info.width,
    height: info.height,
    channels: info.channels,
    bitDepth: info.bitDepth,
    hasAlpha: info.hasAlpha,
    bytes: source.bytes.length,
  };
  if (source.dataUri) report.declaredMime = source.dataUri.mediaType;
  if (source.finalUrl !== undefined) report.finalUrl = source.finalUrl;
  if (source.contentType !== undefined) report.contentType = source.contentType;
  return report;
}

/** Data-URI sources are linted: a client's malformed URI is part of what went wrong. */
function sourceFindings(source: Source, tag: string | undefined): Finding[] {
  if (source.dataUri === undefined) return [];
  const { findings } = lintDataUri(source.dataUri.text);
  return tag === undefined ? findings : findings.map((f) => forSource(f, tag));
}

function payloadReport(payload: Payload): PayloadReport {
  const report: PayloadReport = {
    role: payload.role,
    label: payload.label,
    mime: payload.mime,
    width: payload.width,
    height: payload.height,
    bytes: payload.bytes.length,
    base64Length: base64Length(payload.bytes.length),
    dataUriLength: dataUriLength(payload.mime, payload.bytes.length),
  };
  if (payload.jpeg) report.jpeg = payload.jpeg;
  return report;
}

// Loaded when they are used, not at start-up: the client paths (with --client), the server
// paths and the model views (with --model or --server).
const clientPaths = () => import("./client/index.js");
const serverPaths = () => import("./server/index.js");
const modelViews = () => import("./models/sees.js");

/** The model to see the payloads as: the one asked for, or the named server's first. */
async function seenModel(options: CompareOptions): Promise<ModelName | undefined> {
  if (options.server === undefined) return options.model;
  return (await serverPaths()).serverFor(options.server, options.model).model;
}

/** Whether the JPEG encoder takes an image this size (checkEncodable, without throwing). */
function jpegEncodable(info: ImageInfo): boolean {
  try {
    checkEncodable("JPEG", info.width, info.height);
    return true;
  } catch {
    return false;
  }
}

/** Decode failures are about the source: name it in the error. */
function decodeSource(source: Source, options: DecodeOptions): Promise<DecodedImage> {
  return withInput(source.input, decode(source.bytes, options));
}

function assemble(
  mode: CompareReport["mode"],
  sources: SourceReport[],
  payloads: [Payload, Payload],
  metrics: Metrics | null,
  findings: Finding[],
  gates: Gates,
): CompareReport {
  const [first, second] = payloads.map(payloadReport) as [PayloadReport, PayloadReport];
  const gateResults = evaluateGates(metrics, gates);
  return {
    mode,
    sources,
    payloads: [first, second],
    ratio: {
      bytes: second.bytes / first.bytes,
      dataUriLength: second.dataUriLength / first.dataUriLength,
    },
    metrics,
    findings,
    gates: gateResults,
    passed: gateResults.every((g) => g.passed),
  };
}

/**
 * One source: build the lossless and the Pillow-default lossy payload from a single decode and
 * measure what the lossy one loses. The PNG encode runs in libvips' thread while the JPEG is
 * encoded, decoded and measured, so the two overlap on two cores.
 */
async function compareOne(spec: string, options: CompareOptions): Promise<CompareResult> {
  const source = await readSource(spec, options);
  const wantsPng = (options.lossless ?? SETTINGS.lossless.default) !== "original";
  // A large image's PNG is encoded straight from the source, beside the decode (see canStreamPng).
  let streamed: Promise<Payload> | undefined;
  const image = await decodeSource(source, {
    ...options,
    onInfo: (info) => {
      if (!wantsPng || !canStreamPng(info) || !jpegEncodable(info)) return;
      streamed = streamedPngPayload(info, source.bytes);
      streamed.catch(() => {});
    },
  });
  if (options.client !== undefined) {
    const names = typeof options.client === "string" ? [options.client] : options.client;
    return compareClients(source, image, names, options, streamed);
  }
  // Before the PNG encode starts: an image the JPEG encoder refuses cannot be compared.
  checkEncodable("JPEG", image.width, image.height, source.input);
  const losslessPromise =
    (options.lossless ?? SETTINGS.lossless.default) === "original"
      ? Promise.resolve(originalPayload(image, source.bytes))
      : (streamed ?? pngPayload(image));
  // Don't let a rejected PNG encode go unhandled while the lossy side is still running.
  losslessPromise.catch(() => {});
  const jpeg = options.jpeg ?? PILLOW_DEFAULT_JPEG;
  const lossy = await pillow.encode({ image, bytes: source.bytes, jpeg });
  const lossyImage = await decode(lossy.bytes);
  const measured = measure(image.rgba, lossyImage.rgba, image.width, image.height, {
    threshold: options.threshold,
    diff: options.diff,
  });
  const findings = [
    ...sourceFindings(source, undefined),
    ...(await sourcePitfalls({
      bytes: source.bytes,
      image,
      jpegQuality: jpegQuality(source.bytes, image),
    })),
    ...(await payloadPitfalls({
      sourceBytes: source.bytes.length,
      lossyBytes: lossy.bytes.length,
      ...(jpeg.subsampling === "4:2:0" && {
        chroma: {
          source: image.pillowRgba,
          subsampled: lossyImage.rgba,
          full: async () => {
            const full = await pillowJpegPayload(image, { ...jpeg, subsampling: "4:4:4" });
            return (await decode(full.bytes)).rgba;
          },
          width: image.width,
          height: image.height,
        },
      }),
    })),
  ];
  const lossless = await losslessPromise;
  const payloads: [Payload, Payload] = [lossless, lossy];
  const report = assemble(
    "single",
    [sourceReport(source, image)],
    payloads,
    measured.metrics,
    findings,
    options.gates ?? {},
  );
  const model = await seenModel(options);
  if (model !== undefined) {
    report.model = await (await modelViews()).compareAsSeen(
      model,
      { bytes: source.bytes, image },
      { bytes: lossy.bytes, image: lossyImage },
      measured.metrics,
      options,
    );
  }
  return {
    report,
    artifacts: artifacts(payloads, image, measured.diff, options.pixels ? lossyImage : undefined),
  };
}

/** RGBA composited onto white with Pillow's paste-with-mask blend, alpha set to 255. */
function onWhite(rgba: Buffer): Buffer {
  return addOpaqueAlpha(compositeOnWhite(rgba, rgba.length / 4, 1));
}

function orientedRgba(image: DecodedImage): RgbaPixels & { rgba: Buffer } {
  const turned = applyOrientation(image.rgba, image.width, image.height, 4, image.info.orientation);
  return { width: turned.width, height: turned.height, rgba: turned.data };
}

/**
 * The chroma check compares a 4:2:0 JPEG with the source's own colours: only for paths that
 * neither blend transparency nor turn the picture.
 */
function chromaComparable(steps: ClientSteps): boolean {
  return (
    steps.format === "jpeg" &&
    steps.subsampling === "4:2:0" &&
    (steps.alpha === "none" || steps.alpha === "stored-colour") &&
    steps.orientation !== "applied" &&
    steps.icc !== "converted"
  );
}

/** One client path's payload against the lossless pixels. */
async function compareClient(
  name: ClientName,
  source: Source,
  image: DecodedImage,
  losses: SourceLosses,
  options: CompareOptions,
): Promise<{ comparison: ClientComparison; artifacts: ClientArtifacts; decoded: DecodedImage }> {
  const { clientPath, sourceName } = await clientPaths();
  const path = clientPath(name);
  const payload = await withInput(
    source.input,
    path.encode({ image, bytes: source.bytes, name: sourceName(source), jpeg: options.jpeg }),
  );
  const decoded = await decode(payload.bytes);
  // A path that turns the picture upright is measured against the reference turned the same
  // way: the metrics then show the encoding's loss, the finding the turn.
  const reference =
    payload.steps.orientation === "applied"
      ? orientedRgba(image)
      : { width: image.width, height: image.height, rgba: image.rgba };
  const sameSize = reference.width === decoded.width && reference.height === decoded.height;
  // A payload that keeps alpha is compared as a server that composites onto white sees both:
  // the colour under a fully transparent pixel is then nobody's business.
  const [seenReference, seenPayload] =
    payload.steps.alpha === "kept" && sameSize
      ? [onWhite(reference.rgba), onWhite(decoded.rgba)]
      : [reference.rgba, decoded.rgba];
  const measurement = sameSize
    ? measure(seenReference, seenPayload, decoded.width, decoded.height, {
        threshold: options.threshold,
        diff: options.diff,
      })
    : undefined;
  const measured = measurement?.metrics ?? null;
  const findings = [
    ...clientPitfalls(losses, payload.steps),
    ...(await payloadPitfalls({
      sourceBytes: source.bytes.length,
      lossyBytes: payload.bytes.length,
      format: payload.steps.format === "webp" ? "WebP" : payload.steps.format.toUpperCase(),
      ...(chromaComparable(payload.steps) && {
        chroma: {
          source: image.pillowRgba,
          subsampled: decoded.rgba,
          // The same quality at 4:4:4 through the Pillow-exact encoder: what the path would
          // keep with subsampling off.
          full: async () => {
            const quality = payload.steps.quality ?? PILLOW_DEFAULT_JPEG.quality;
            const full = await pillowJpegPayload(image, { quality, subsampling: "4:4:4" });
            return (await decode(full.bytes)).rgba;
          },
          width: image.width,
          height: image.height,
        },
      }),
    })),
  ].map((f) => forClient(f, name));
  const gates = evaluateGates(measured, options.gates ?? {});
  const report: ClientPayloadReport = {
    ...payloadReport(payload),
    client: name,
    sentPrefix: payload.sentPrefix,
    steps: payload.steps,
  };
  return {
    comparison: {
      client: name,
      description: path.description,
      payload: report,
      // Set once the lossless PNG, encoded beside the paths, is ready (see clientRatio).
      ratio: { bytes: Number.NaN, dataUriLength: Number.NaN },
      metrics: measured,
      findings,
      gates,
      passed: gates.every((g) => g.passed),
    },
    artifacts: {
      payload,
      ...(measurement?.diff !== undefined && {
        diff: { width: decoded.width, height: decoded.height, rgba: measurement.diff },
      }),
      ...(options.pixels &&
        sameSize && {
          pixels: [
            { width: reference.width, height: reference.height, rgba: reference.rgba },
            { width: decoded.width, height: decoded.height, rgba: decoded.rgba },
          ],
        }),
    },
    decoded,
  };
}

/** `work` over `items`, at most two at a time, results in the order of `items`. */
async function inPairs<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}

/** A path's payload against the lossless one. */
function clientRatio(payload: ClientPayloadReport, lossless: Payload): ClientComparison["ratio"] {
  return {
    bytes: payload.bytes / lossless.bytes.length,
    dataUriLength: payload.dataUriLength / dataUriLength(lossless.mime, lossless.bytes.length),
  };
}

/**
 * One source through several client paths, one after another (each encode already uses
 * libvips' threads); the lossless PNG is encoded once, alongside the paths.
 */
async function compareClients(
  source: Source,
  image: DecodedImage,
  names: readonly ClientName[],
  options: CompareOptions,
  streamed: Promise<Payload> | undefined,
): Promise<CompareResult> {
  const losslessPromise =
    (options.lossless ?? SETTINGS.lossless.default) === "original"
      ? Promise.resolve(originalPayload(image, source.bytes))
      : (streamed ?? pngPayload(image));
  // Don't let a rejected PNG encode go unhandled while the paths are still running.
  losslessPromise.catch(() => {});
  const losses = await sourceLosses({
    bytes: source.bytes,
    image,
    jpegQuality: jpegQuality(source.bytes, image),
  });
  const results = [];
  const refused: ClientRefusal[] = [];
  let firstError: unknown;
  // Two paths at a time: one's libvips work overlaps the other's metrics on the main thread.
  const outcomes = await inPairs(names, (name) =>
    compareClient(name, source, image, losses, options).then(
      (made) => ({ made }),
      (error: unknown) => ({ error }),
    ),
  );
  for (const [i, outcome] of outcomes.entries()) {
    const name = names[i] as ClientName;
    if ("made" in outcome) {
      results.push(outcome.made);
      continue;
    }
    const { error } = outcome;
    // A path that cannot send this image is an answer too, when others are being compared.
    if (!isImgencError(error) || error.code === "usage") throw error;
    firstError ??= error;
    refused.push({
      client: name,
      description: (await clientPaths()).clientPath(name).description,
      error: { code: error.code, message: error.message },
    });
  }
  const lossless = await losslessPromise;
  for (const r of results) r.comparison.ratio = clientRatio(r.comparison.payload, lossless);
  const [first] = results;
  if (first === undefined) throw firstError ?? new RangeError("compare needs a client path");
  const report = assemble(
    "single",
    [sourceReport(source, image)],
    [lossless, first.artifacts.payload],
    first.comparison.metrics,
    [...sourceFindings(source, undefined), ...first.comparison.findings],
    options.gates ?? {},
  );
  report.clients = results.map((r) => r.comparison);
  if (refused.length > 0) report.refusedClients = refused;
  report.passed = refused.length === 0 && results.every((r) => r.comparison.passed);
  const model = await seenModel(options);
  if (model !== undefined) {
    const reference = { bytes: source.bytes, image };
    report.model = await (await modelViews()).compareAsSeen(
      model,
      reference,
      { bytes: first.artifacts.payload.bytes, image: first.decoded },
      first.comparison.metrics,
      options,
    );
    // Through a named server every path is seen as the model sees it, and its data URI as
    // that server reads it.
    if (options.server !== undefined) {
      const { server } = (await serverPaths()).serverFor(options.server, model);
      for (const [i, r] of results.entries()) {
        const { payload } = r.artifacts;
        const sent =
          payload.sentPrefix === ""
            ? null
            : serverVerdict(
                server,
                payload.sentPrefix + Buffer.from(payload.bytes).toString("base64"),
                undefined,
              );
        r.comparison.sent = sent;
        if (sent !== null && !sent.accepted) {
          const { reason, rule } = sent;
          const finding = forClient(
            createFinding("server-rejects-data-uri", {
              server: server.name,
              reason: reason ?? "",
              rule,
            }),
            r.comparison.client,
          );
          r.comparison.findings.push(finding);
          // The first path's findings are also the document's, as for one client.
          if (i === 0) report.findings.push(finding);
          r.comparison.passed = false;
          report.passed = false;
        }
      }
      for (const [i, r] of results.entries()) {
        r.comparison.model =
          i === 0
            ? report.model
            : await (await modelViews()).compareAsSeen(
                model,
                reference,
                { bytes: r.artifacts.payload.bytes, image: r.decoded },
                r.comparison.metrics,
                options,
              );
      }
    }
  }
  return {
    report,
    artifacts: {
      payloads: [lossless, first.artifacts.payload],
      ...(first.artifacts.diff && { diff: first.artifacts.diff }),
      ...(first.artifacts.pixels && { pixels: first.artifacts.pixels }),
      clients: results.map((r) => r.artifacts),
    },
  };
}

function jpegQuality(bytes: Buffer, image: DecodedImage): number | null | undefined {
  if (image.info.format !== "jpeg") return undefined;
  const header = readJpegHeader(bytes);
  return header === undefined ? null : estimateQuality(header.quantTables).quality;
}

function artifacts(
  payloads: [Payload, Payload],
  image: DecodedImage,
  diff: Uint8Array | undefined,
  other: DecodedImage | undefined,
): CompareArtifacts {
  const pixels = (d: DecodedImage): RgbaPixels => ({
    width: d.width,
    height: d.height,
    rgba: d.rgba,
  });
  return {
    payloads,
    ...(diff !== undefined && { diff: { width: image.width, height: image.height, rgba: diff } }),
    ...(other !== undefined && { pixels: [pixels(image), pixels(other)] }),
  };
}

/** Two sources compared as given: each is its own payload, untouched. */
async function comparePair(
  specA: string,
  specB: string,
  options: CompareOptions,
): Promise<CompareResult> {
  const [sourceA, sourceB] = await Promise.all([
    readSource(specA, options),
    readSource(specB, options),
  ]);
  const [imageA, imageB] = await Promise.all([
    decodeSource(sourceA, options),
    decodeSource(sourceB, options),
  ]);
  const payloads: [Payload, Payload] = [
    { ...originalPayload(imageA, sourceA.bytes), role: "a", label: "A as given" },
    { ...originalPayload(imageB, sourceB.bytes), role: "b", label: "B as given" },
  ];
  const findings = [...sourceFindings(sourceA, "A"), ...sourceFindings(sourceB, "B")];
  let measured: ReturnType<typeof measure> | undefined;
  if (imageA.width === imageB.width && imageA.height === imageB.height) {
    measured = measure(imageA.rgba, imageB.rgba, imageA.width, imageA.height, {
      threshold: options.threshold,
      diff: options.diff,
    });
  } else {
    findings.push(
      createFinding("dimensions-differ", {
        widthA: imageA.width,
        heightA: imageA.height,
        widthB: imageB.width,
        heightB: imageB.height,
      }),
    );
  }
  const report = assemble(
    "pair",
    [sourceReport(sourceA, imageA), sourceReport(sourceB, imageB)],
    payloads,
    measured?.metrics ?? null,
    findings,
    options.gates ?? {},
  );
  const model = await seenModel(options);
  if (model !== undefined) {
    report.model = await (await modelViews()).compareAsSeen(
      model,
      { bytes: sourceA.bytes, image: imageA },
      { bytes: sourceB.bytes, image: imageB },
      report.metrics,
      options,
    );
  }
  return {
    report,
    artifacts: artifacts(payloads, imageA, measured?.diff, options.pixels ? imageB : undefined),
  };
}

/**
 * Compare what encoding does to an image. With one source: the lossless payload against the
 * Pillow-default JPEG. With two: the two images as given (e.g. a URL against a client's data URI).
 */
export async function compare(
  source: string,
  other?: string,
  options: CompareOptions = {},
): Promise<CompareResult> {
  validateOptions(options, [
    ...SOURCE_SETTINGS,
    "model",
    "minPixels",
    "maxPixels",
    "lossless",
    "threshold",
    "client",
    "server",
    "failOn",
  ]);
  // A model the server does not serve is a usage error before any work.
  if (options.server !== undefined) (await serverPaths()).serverFor(options.server, options.model);
  if (options.jpeg) validateOptions(options.jpeg, ["quality", "subsampling"], "jpeg.");
  if (options.gates)
    validateOptions(options.gates, ["minPsnr", "minSsim", "maxMismatch"], "gates.");
  if (other !== undefined && options.client !== undefined) {
    throw new ImgencError(
      "usage",
      "client applies to one source; two sources are compared as given",
    );
  }
  const result = await (other === undefined
    ? compareOne(source, options)
    : comparePair(source, other, options));
  if (options.failOn !== undefined) failOnFindings(result.report, options.failOn);
  return result;
}

/** Fails the report, and each client path, on a finding the `failOn` gate names. */
function failOnFindings(report: CompareReport, failOn: readonly string[]): void {
  const failing = new Set<string>();
  for (const comparison of report.clients ?? []) {
    const codes = findingsFailing(comparison.findings, failOn).map((f) => f.code);
    if (codes.length > 0) comparison.passed = false;
    for (const code of codes) failing.add(code);
  }
  for (const f of findingsFailing(report.findings, failOn)) failing.add(f.code);
  report.failedFindings = [...failing];
  if (failing.size > 0) report.passed = false;
}

/**
 * The report of one client path alone, in the one-client shape: the lossless payload against
 * that path's, with the source's findings and the path's own.
 */
export function clientReport(report: CompareReport, comparison: ClientComparison): CompareReport {
  const { clients: _all, refusedClients: _refused, ...rest } = report;
  return {
    ...rest,
    payloads: [report.payloads[0], comparison.payload],
    ratio: comparison.ratio,
    metrics: comparison.metrics,
    findings: [
      ...report.findings.filter((f) => f.data?.client === undefined),
      ...comparison.findings,
    ],
    gates: comparison.gates,
    passed: comparison.passed,
  };
}

/** pixelmatch's diff image as PNG bytes. */
export async function diffPng(diff: RgbaPixels): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(diff.rgba, { raw: { width: diff.width, height: diff.height, channels: 4 } })
    .png()
    .toBuffer();
}
