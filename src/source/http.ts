import { STATUS_CODES } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { type Dispatcher, EnvHttpProxyAgent, interceptors, Pool, request } from "undici";
import { ImgencError } from "../errors.js";
import { readCapped, tooLarge } from "./limit.js";
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_TIMEOUT_MS, type SourceOptions } from "./types.js";

export const MAX_REDIRECTS = 5;

const REQUEST_HEADERS = { "user-agent": "imgenc", accept: "image/*,*/*;q=0.8" };

/** How much of an error response we read so the connection can be reused; the rest is dropped. */
const ERROR_BODY_DUMP_BYTES = 64 * 1024;

export interface FetchResult {
  bytes: Buffer;
  /** The URL that answered, after redirects. */
  finalUrl: string;
  contentType: string | undefined;
}

let dispatcher: Dispatcher | undefined;
let dispatcherConnectTimeout: number | undefined;

/** A proxy that drops a CONNECT tunnel; given its own code so undici stops retrying it. */
const PROXY_TUNNEL_CLOSED = "IMGENC_PROXY_TUNNEL_CLOSED";

/**
 * The proxy client EnvHttpProxyAgent uses for CONNECT. undici treats a CONNECT that fails with
 * UND_ERR_SOCKET as retryable and reconnects in a tight loop that starves timers, so not even the
 * deadline fires (nodejs/undici#3897). Renaming the error makes it fail the request instead.
 */
function proxyClientFactory(origin: URL, options: object): Dispatcher {
  const pool = new Pool(origin, options);
  const connect = pool.connect.bind(pool) as (
    options: Dispatcher.ConnectOptions,
  ) => Promise<Dispatcher.ConnectData>;
  Object.assign(pool, {
    connect: async (connectOptions: Dispatcher.ConnectOptions) => {
      try {
        return await connect(connectOptions);
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code !== "UND_ERR_SOCKET") throw error;
        throw Object.assign(
          new Error("proxy closed the connection during CONNECT", { cause: error }),
          {
            code: PROXY_TUNNEL_CLOSED,
          },
        );
      }
    },
  });
  return pool;
}

/**
 * EnvHttpProxyAgent honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY and behaves as a plain Agent
 * when they are unset. Redirects are an interceptor, so any dispatcher can be swapped in here.
 */
function createDispatcher(connectTimeoutMs: number): Dispatcher {
  return new EnvHttpProxyAgent({
    connectTimeout: connectTimeoutMs,
    // Plain http:// goes to the proxy as an absolute-form GET, as curl does; https tunnels.
    proxyTunnel: false,
    clientFactory: proxyClientFactory,
  }).compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
}

/**
 * One shared dispatcher so connections are reused. Its connect timeout is the request deadline:
 * undici only honours an abort once the request has a socket, so a connect that hangs would
 * otherwise outlive the deadline, and undici's default (10 s) would cut a longer --timeout
 * short. A different timeout means a new agent.
 */
function getDispatcher(timeoutMs: number): Dispatcher {
  if (dispatcher === undefined || dispatcherConnectTimeout !== timeoutMs) {
    void dispatcher?.close().catch(() => undefined);
    dispatcher = createDispatcher(timeoutMs);
    dispatcherConnectTimeout = timeoutMs;
  }
  return dispatcher;
}

/** Closes pooled keep-alive connections (idle sockets never hold the process open anyway). */
export async function closeHttpAgent(): Promise<void> {
  const current = dispatcher;
  dispatcher = undefined;
  dispatcherConnectTimeout = undefined;
  await current?.close();
}

/** "0.3", "2", "1.5": seconds without noise for the timeout message. */
export function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(ms < 1000 ? 3 : 1)));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

type Phase = "response" | "body";

interface ErrorContext {
  input: string;
  timeoutMs: number;
  timedOut: boolean;
  phase: Phase;
  host: string;
}

/** Network errors arrive wrapped (cause) or grouped (happy-eyeballs AggregateError). */
function errorCodes(error: unknown): { codes: string[]; hostname: string | undefined } {
  const codes: string[] = [];
  let hostname: string | undefined;
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    const record = value as {
      code?: unknown;
      hostname?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof record.code === "string") codes.push(record.code);
    if (hostname === undefined && typeof record.hostname === "string") hostname = record.hostname;
    visit(record.cause);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner);
  };
  visit(error);
  return { codes, hostname };
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ECONNABORTED"]);
const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

function mapError(error: unknown, context: ErrorContext): unknown {
  if (error instanceof ImgencError) return error;
  const { input, phase } = context;
  const fail = (code: "network" | "timeout" | "too-many-redirects", message: string) =>
    new ImgencError(code, message, { input, cause: error });
  const { codes, hostname } = errorCodes(error);
  const has = (set: Set<string>) => codes.some((code) => set.has(code));

  if (context.timedOut || has(TIMEOUT_CODES)) {
    return fail("timeout", `timed out after ${formatSeconds(context.timeoutMs)} s`);
  }
  if (codes.includes("ECONNREFUSED")) return fail("network", "connection refused");
  if (codes.includes(PROXY_TUNNEL_CLOSED)) {
    return fail("network", "the proxy closed the connection (check HTTPS_PROXY)");
  }
  if (has(DNS_CODES)) return fail("network", `cannot resolve host ${hostname ?? context.host}`);
  if (has(RESET_CODES)) {
    return fail(
      "network",
      phase === "body"
        ? "connection reset while reading the body"
        : "connection closed before the server responded",
    );
  }
  if (codes.includes("EHOSTUNREACH")) return fail("network", "host unreachable");
  if (codes.includes("ENETUNREACH")) return fail("network", "network unreachable");

  const message = error instanceof Error ? error.message : String(error);
  // The redirect handler throws for loops and unusable Location values; our own URL was
  // validated before sending, so these are the server's doing.
  if (codes.includes("UND_ERR_INVALID_ARG")) {
    if (/redirect loop/i.test(message)) {
      return fail("too-many-redirects", "redirect loop (a Location points back to an earlier URL)");
    }
    if (/protocol/i.test(message))
      return fail("network", "redirected to a URL that is not http(s)");
    return fail("network", "invalid redirect Location");
  }
  if (codes.includes("ERR_INVALID_URL")) return fail("network", "invalid redirect Location");
  const proxyStatus = /Proxy response \((\d+)\)/.exec(message)?.[1];
  if (proxyStatus !== undefined) {
    return fail("network", `the proxy refused the tunnel (HTTP ${proxyStatus}; check HTTPS_PROXY)`);
  }
  if (codes.some((code) => /CERT|SELF_SIGNED|TLS|SSL/.test(code))) {
    return fail("network", `TLS certificate problem: ${message}`);
  }
  const zlibCode = codes.find((code) => code.startsWith("Z_"));
  if (zlibCode !== undefined) return fail("network", `corrupt compressed body (${message})`);
  const parserCode = codes.find((code) => code.startsWith("HPE_"));
  if (parserCode !== undefined) return fail("network", `invalid HTTP response (${parserCode})`);
  // TLS and other socket failures: an errno-style code means the outside world, not a bug.
  const code = codes[0];
  if (code !== undefined) return fail("network", `${message} (${code})`);
  return error;
}

function decoderFor(coding: string, input: string): NodeJS.ReadWriteStream {
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return createGunzip();
    // RFC 9110 "deflate" is the zlib format; raw deflate is a historical server bug.
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      throw new ImgencError("network", `unsupported Content-Encoding "${coding}"`, { input });
  }
}

/**
 * Undoes Content-Encoding (listed in the order applied, so decoded in reverse). The cap is
 * applied by the caller to what this returns, i.e. to decompressed bytes: a small gzip body
 * cannot expand past --max-input-bytes.
 */
function decodedBody(body: Readable, contentEncoding: string | undefined, input: string): Readable {
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length === 0) return body;
  let decoders: NodeJS.ReadWriteStream[];
  try {
    decoders = codings.reverse().map((coding) => decoderFor(coding, input));
  } catch (error) {
    discard(body);
    throw error;
  }
  // pipeline destroys every stage on error, so destroying the tail also aborts the HTTP body.
  return pipeline([body, ...decoders], () => undefined) as unknown as Readable;
}

/** Destroys an undici body without its "aborted" error going unhandled. */
function discard(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

/** Rejects when the signal aborts: undici ignores an abort while a socket is still connecting. */
function deadline(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function parseHttpUrl(url: string, input: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ImgencError("usage", "not a valid URL", { input, cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ImgencError(
      "usage",
      `unsupported URL scheme ${parsed.protocol} (use http, https, data or a path)`,
      { input },
    );
  }
  return parsed;
}

/**
 * GETs an http(s) URL into memory. timeoutMs is one deadline for connect, headers and the whole
 * body; the body (decompressed) is capped at maxInputBytes. `input` is what errors name.
 */
export async function fetchUrl(
  url: string,
  opts: SourceOptions = {},
  input: string = url,
): Promise<FetchResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const parsed = parseHttpUrl(url, input);

  // A plain timer (not AbortSignal.timeout) so it is cleared as soon as we are done.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let phase: Phase = "response";
  try {
    const pending = request(parsed, {
      dispatcher: getDispatcher(timeoutMs),
      method: "GET",
      headers: REQUEST_HEADERS,
      signal: controller.signal,
      // undici's per-phase timers would only fire inside our single deadline or contradict it.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const response = await Promise.race([pending, deadline(controller.signal)]).catch((error) => {
      // If the deadline won, a late response must not keep its socket busy.
      pending.then(
        (late) => discard(late.body),
        () => undefined,
      );
      throw error;
    });
    phase = "body";
    const { statusCode, headers, body } = response;
    const history = (response.context as { history?: readonly URL[] } | null)?.history;
    const finalUrl = history?.at(-1)?.href ?? parsed.href;

    if (statusCode < 200 || statusCode > 299) {
      // Read a little so the connection can go back to the pool; give up on anything bigger.
      await body.dump({ limit: ERROR_BODY_DUMP_BYTES }).catch(() => undefined);
      if (statusCode >= 300 && statusCode < 400 && headers.location !== undefined) {
        throw new ImgencError("too-many-redirects", `more than ${MAX_REDIRECTS} redirects`, {
          input,
        });
      }
      const reason = response.statusText || STATUS_CODES[statusCode] || "";
      const hint = finalUrl === parsed.href ? "" : ` (after redirects to ${finalUrl})`;
      throw new ImgencError("http-status", `HTTP ${statusCode} ${reason}`.trim() + hint, {
        input,
      });
    }

    const declared = Number(headerValue(headers["content-length"]));
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard(body);
      throw tooLarge(input, maxBytes, declared);
    }

    const stream = decodedBody(body, headerValue(headers["content-encoding"]), input);
    const bytes = await readCapped(stream, maxBytes, input);
    if (bytes.length === 0) {
      throw new ImgencError("empty", `server sent an empty body (HTTP ${statusCode})`, { input });
    }
    return { bytes, finalUrl, contentType: headerValue(headers["content-type"]) };
  } catch (error) {
    throw mapError(error, {
      input,
      timeoutMs,
      timedOut: controller.signal.aborted,
      phase,
      host: parsed.hostname,
    });
  } finally {
    clearTimeout(timer);
  }
}
