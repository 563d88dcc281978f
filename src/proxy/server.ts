import { mkdir, writeFile } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { isIP } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Agent, request as undiciRequest } from "undici";
import { cannotWrite, ImgencError } from "../errors.js";
import { lintDataUri } from "../findings/lint-data-uri.js";
import { sniffFormat } from "../image/format.js";
import { redactText, redactUrl } from "../source/redact.js";
import { type AnalyseOptions, analyseImage, type ImageAnalysis } from "./analyse.js";
import { DEFAULT_LISTEN, DEFAULT_MAX_BODY, type ListenAddress } from "./defaults.js";
import { describeImage } from "./describe.js";
import { gateFailures, type ProxyGates } from "./gates.js";
import { type ApiKind, detectApi, findImages, requestModel, wantsStream } from "./request.js";
import { type Answer, answer, errorAnswer } from "./respond.js";

export interface ProxyOptions extends AnalyseOptions, ProxyGates {
  /** Default 127.0.0.1 and a free port. */
  listen?: ListenAddress;
  /** Listen on an address other than loopback; the proxy carries API keys. */
  allowRemote?: boolean;
  /** Where requests go on, unchanged; without it the proxy answers itself. */
  upstream?: string;
  /** Largest request body taken, in bytes; larger ones get a 413. */
  maxBody?: number;
  /** A JSON line per image is appended to this file (created or emptied at start). */
  log?: string;
  /** Each image's bytes are written to this folder. */
  saveImages?: string;
  /** Keep each image's bytes on its event (for a report). */
  keepBytes?: boolean;
  /** Called as each image has been analysed, in request order. */
  onImage?: (event: ProxyImageEvent) => void;
  /** Called when the upstream cannot be reached or breaks off. */
  onUpstreamError?: (event: { method: string; path: string; message: string }) => void;
}

/** One image that went through, with its request. */
export interface ProxyImageEvent {
  /** 1-based, every request counted. */
  request: number;
  method: string;
  /** The request path, URL secrets masked. */
  path: string;
  api: ApiKind | undefined;
  analysis: ImageAnalysis;
  /** The file the image was saved as, with --save-images. */
  saved?: string;
  /** The gates it broke. */
  failures: string[];
  /** The image's bytes as sent, with `keepBytes` (absent for a URL). */
  bytes?: Buffer;
}

export interface ProxyFailure {
  request: number;
  method: string;
  path: string;
  image: number;
  where: string;
  reasons: string[];
}

export interface ProxySummary {
  requests: number;
  /** Requests in one of the APIs the proxy reads, by API. */
  byApi: Partial<Record<ApiKind, number>>;
  /** Requests in no API it reads, passed on (or answered 404) untouched. */
  other: number;
  images: number;
  /** Images per transport: data-uri, url, base64-source, bare-base64. */
  transports: Record<string, number>;
  /** Bodies over maxBody, answered 413. */
  tooLarge: number;
  upstreamErrors: number;
  /** Images that broke a gate. */
  failures: ProxyFailure[];
}

export interface RunningProxy {
  /** "http://127.0.0.1:40123": the address clients use. */
  url: string;
  address: ListenAddress;
  summary(): ProxySummary;
  /** Resolves when every image received so far has been analysed and written out. */
  settled(): Promise<void>;
  /** Stops listening, lets requests in flight finish (a short grace), writes the outputs. */
  close(): Promise<ProxySummary>;
}

const CLOSE_GRACE_MS = 2000;

/** Headers of one connection, not of the request: never forwarded (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // The upstream's own; and undici answers 100-continue itself.
  "host",
  "expect",
]);

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    bare === "localhost" ||
    bare === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(bare) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(bare)
  );
}

/** Names that the Connection header lists, which are hop-by-hop too. */
function connectionNames(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    text
      .split(",")
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The request's headers as sent, in order and spelling, without the hop-by-hop ones. */
function forwardHeaders(raw: readonly string[], headers: IncomingHttpHeaders): string[] {
  const listed = connectionNames(headers.connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const listed = connectionNames(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** "/v1/x?key=***": a request target with the secrets in its query masked. */
function redactPath(target: string): string {
  const base = "http://h";
  return redactUrl(`${base}${target.startsWith("/") ? "" : "/"}${target}`).slice(base.length);
}

async function send(res: ServerResponse, reply: Answer, extra: Record<string, string> = {}) {
  res.writeHead(reply.status, { ...reply.headers, ...extra });
  for (const chunk of reply.chunks) res.write(chunk);
  res.end();
}

const EXTENSIONS: Record<string, string> = {
  jpeg: "jpg",
  png: "png",
  webp: "webp",
  gif: "gif",
  bmp: "bmp",
  tiff: "tif",
};

/** The bytes a client sent for an image, when it sent bytes. */
function imageBytes(value: string, transport: ImageAnalysis["transport"]): Buffer | undefined {
  if (transport === "url") return undefined;
  if (transport === "data-uri") return lintDataUri(value).bytes;
  return Buffer.from(value, "base64");
}

function summaryText(analyses: readonly ImageAnalysis[]): string {
  if (analyses.length === 0) return "imgenc proxy (no upstream) saw no image in this request.";
  const lines = analyses.map((a) => `${a.index}. ${describeImage(a)}`);
  const noun = analyses.length === 1 ? "image" : "images";
  return `imgenc proxy (no upstream) saw ${analyses.length} ${noun}:\n${lines.join("\n")}`;
}

/** Reads a body up to `max` bytes; undefined when it is larger (the rest is drained). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (over) continue;
    size += chunk.length;
    if (size > max) {
      over = true;
      chunks.length = 0;
    } else chunks.push(chunk);
  }
  return over ? undefined : Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Starts the proxy: every request's images are analysed as they pass; with an upstream the
 * request goes on unchanged and the response streams back as it arrives, without one the proxy
 * answers in the API's own shape with what it saw.
 */
export async function startProxy(options: ProxyOptions = {}): Promise<RunningProxy> {
  const listen = options.listen ?? DEFAULT_LISTEN;
  if (!isLoopback(listen.host) && !options.allowRemote) {
    throw new ImgencError(
      "usage",
      `${listen.host} is not a loopback address, and the proxy carries API keys: pass --allow-remote to listen there anyway`,
    );
  }
  const upstream = options.upstream === undefined ? undefined : parseUpstream(options.upstream);
  const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  const { log, saveImages } = options;
  const analyse: AnalyseOptions = {
    ...(options.model !== undefined && { model: options.model }),
    ...(options.server !== undefined && { server: options.server }),
    ...(options.minPixels !== undefined && { minPixels: options.minPixels }),
    ...(options.maxPixels !== undefined && { maxPixels: options.maxPixels }),
    ...(options.maxInputBytes !== undefined && { maxInputBytes: options.maxInputBytes }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  };
  if (log !== undefined) await writeOutput(log, () => writeFile(log, ""));
  if (saveImages !== undefined) {
    await writeOutput(saveImages, () => mkdir(saveImages, { recursive: true }));
  }

  const summary: ProxySummary = {
    requests: 0,
    byApi: {},
    other: 0,
    images: 0,
    transports: {},
    tooLarge: 0,
    upstreamErrors: 0,
    failures: [],
  };
  const agent = new Agent({ connect: { timeout: 30_000 } });
  const pending = new Set<Promise<unknown>>();
  // Analyses alone: a response still streaming does not hold them up.
  const analysing = new Set<Promise<unknown>>();
  // One writer at a time keeps the log's lines whole and in order.
  let outputs: Promise<void> = Promise.resolve();
  let outputError: ImgencError | undefined;
  const output = (work: () => Promise<void>, name: string) => {
    outputs = outputs.then(() =>
      writeOutput(name, work).catch((error: unknown) => {
        if (error instanceof ImgencError) outputError ??= error;
        else throw error;
      }),
    );
    return outputs;
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  };

  async function inspectImages(
    number: number,
    method: string,
    path: string,
    api: ApiKind | undefined,
    body: unknown,
  ): Promise<ImageAnalysis[]> {
    const found = findImages(body);
    const analyses: ImageAnalysis[] = [];
    for (const [i, image] of found.entries()) {
      const analysis = await analyseImage(image, { index: i + 1, count: found.length }, analyse);
      analyses.push(analysis);
      summary.images++;
      summary.transports[image.transport] = (summary.transports[image.transport] ?? 0) + 1;
      const failures = gateFailures(analysis, options);
      if (failures.length > 0) {
        summary.failures.push({
          request: number,
          method,
          path,
          image: analysis.index,
          where: analysis.where,
          reasons: failures,
        });
      }
      const event: ProxyImageEvent = { request: number, method, path, api, analysis, failures };
      const bytes =
        saveImages === undefined && !options.keepBytes
          ? undefined
          : imageBytes(image.value, image.transport);
      if (options.keepBytes && bytes !== undefined) event.bytes = bytes;
      if (saveImages !== undefined && bytes !== undefined) {
        const format = sniffFormat(bytes);
        const name = `${String(number).padStart(4, "0")}-${analysis.index}.${EXTENSIONS[format] ?? "bin"}`;
        const file = join(saveImages, name);
        event.saved = file;
        await output(() => writeFile(file, bytes), file);
      }
      if (log !== undefined) {
        const record = {
          time: new Date().toISOString(),
          request: number,
          method,
          path,
          api: api ?? null,
          ...analysis,
          ...(event.saved !== undefined && { saved: event.saved }),
          failures,
        };
        await output(() => writeFile(log, `${JSON.stringify(record)}\n`, { flag: "a" }), log);
      }
      options.onImage?.(event);
    }
    return analyses;
  }

  async function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    api: ApiKind | undefined,
    path: string,
    base: URL,
  ) {
    // The path and query go on as the client wrote them, after the upstream's own path.
    const raw = req.url ?? "/";
    const target = `${base.origin}${base.pathname.replace(/\/$/, "")}${raw.startsWith("/") ? raw : `/${raw}`}`;
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const method = req.method ?? "GET";
    let upstreamResponse: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      upstreamResponse = await undiciRequest(target, {
        method: method as "POST",
        headers: forwardHeaders(req.rawHeaders, req.headers),
        body: method === "GET" || method === "HEAD" ? null : body,
        dispatcher: agent,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      const reason = redactText((error as Error).message || String(error));
      const code = (error as NodeJS.ErrnoException).code;
      const message = `imgenc proxy: the upstream ${redactUrl(base.origin)} did not answer ${method} ${path}: ${reason}${code && !reason.includes(code) ? ` (${code})` : ""}`;
      summary.upstreamErrors++;
      options.onUpstreamError?.({ method, path, message });
      await send(res, errorAnswer(api, 502, message));
      return;
    }
    res.writeHead(upstreamResponse.statusCode, responseHeaders(upstreamResponse.headers));
    // Server-sent events go out as they come: each chunk is written when it arrives.
    res.flushHeaders();
    try {
      await pipeline(upstreamResponse.body, res);
    } catch (error) {
      if (controller.signal.aborted || res.destroyed) return;
      summary.upstreamErrors++;
      const message = `imgenc proxy: the upstream broke off ${method} ${path}: ${redactText((error as Error).message)}`;
      options.onUpstreamError?.({ method, path, message });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const number = ++summary.requests;
    const method = req.method ?? "GET";
    const path = redactPath(req.url ?? "/");
    const body = await readBody(req, maxBody);
    const pathApi = detectApi(req.url ?? "/", undefined);
    if (body === undefined) {
      summary.tooLarge++;
      const message = `imgenc proxy: the request body is over the ${maxBody}-byte limit; raise it with --max-body`;
      await send(res, errorAnswer(pathApi, 413, message), { connection: "close" });
      return;
    }
    const json = body.length > 0 ? parseJson(body) : undefined;
    const api = detectApi(req.url ?? "/", json);
    if (api === undefined) summary.other++;
    else summary.byApi[api] = (summary.byApi[api] ?? 0) + 1;
    const images = track(
      api === undefined ? Promise.resolve([]) : inspectImages(number, method, path, api, json),
    );
    analysing.add(images);
    void images.finally(() => analysing.delete(images)).catch(() => undefined);
    if (upstream !== undefined) {
      await forward(req, res, body, api, path, upstream);
      await images.catch(() => undefined);
      return;
    }
    if (api === undefined) {
      const message = `imgenc proxy has no upstream and does not answer ${method} ${path}; give --upstream to forward it`;
      await send(res, errorAnswer(undefined, 404, message));
      return;
    }
    if (json === undefined) {
      await send(res, errorAnswer(api, 400, "imgenc proxy: the request body is not JSON"));
      return;
    }
    const text = summaryText(await images);
    const options = json as { stream_options?: { include_usage?: unknown } };
    await send(
      res,
      answer(api, text, {
        model: requestModel(json),
        stream: wantsStream(api, json),
        usage: options.stream_options?.include_usage === true,
      }),
    );
  }

  const server = createServer((req, res) => {
    const work = track(handle(req, res)).catch((error: unknown) => {
      // A bug: the client still gets an answer, and the error is not lost.
      if (!res.headersSent) {
        void send(res, errorAnswer(undefined, 500, `imgenc proxy: ${String(error)}`));
      } else res.destroy();
      throw error;
    });
    void work.catch(() => undefined);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new ImgencError(
          "usage",
          `cannot listen on ${listen.host}:${listen.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(listen.port, listen.host.replace(/^\[|\]$/g, ""), resolve);
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : listen.port;
  const host = listen.host.replace(/^\[|\]$/g, "");
  const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

  let closing: Promise<ProxySummary> | undefined;
  return {
    url,
    address: { host, port },
    summary: () => summary,
    async settled() {
      await Promise.allSettled([...analysing]);
      await outputs;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
        });
        await Promise.race([Promise.allSettled([...pending]), grace]);
        clearTimeout(timer);
        server.closeAllConnections();
        await stopped;
        await Promise.allSettled([...pending]);
        await outputs;
        await agent.close();
        if (outputError) throw outputError;
        return summary;
      })();
      return closing;
    },
  };
}

function parseUpstream(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ImgencError("usage", `the upstream must be an http(s) URL, not ${redactText(text)}`);
  }
  return url;
}

async function writeOutput(name: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw cannotWrite(name, error);
  }
}
