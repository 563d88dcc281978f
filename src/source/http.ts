import { maxHeaderSize, STATUS_CODES } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Dispatcher } from "undici";
import { ImgencError } from "../errors.js";
import { formatBytes, readCapped, tooLarge } from "./limit.js";
import { decodePercent } from "./redact.js";
import {
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type RetryClock,
  type SourceOptions,
} from "./types.js";

const MAX_REDIRECTS = 5;

const REQUEST_HEADERS = { "user-agent": "imgenc", accept: "image/*,*/*;q=0.8" };

/**
 * The URL to send, without its userinfo, and the Basic credentials taken from it: undici
 * ignores "user:password@" in a URL. The redirect interceptor drops Authorization when a
 * redirect leaves the origin (scheme, host and port), so the credentials never follow the
 * image to another server.
 */
function splitCredentials(url: URL): { url: URL; authorization: string | undefined } {
  if (url.username === "" && url.password === "") return { url, authorization: undefined };
  const bare = new URL(url.href);
  bare.username = "";
  bare.password = "";
  const pair = `${decodePercent(url.username)}:${decodePercent(url.password)}`;
  return { url: bare, authorization: `Basic ${Buffer.from(pair, "utf8").toString("base64")}` };
}

/** How much of an error response we read so the connection can be reused; the rest is dropped. */
const ERROR_BODY_DUMP_BYTES = 64 * 1024;

export interface FetchResult {
  bytes: Buffer;
  /** The URL that answered, after redirects. */
  finalUrl: string;
  contentType: string | undefined;
}

type Undici = typeof import("undici");
let undici: Promise<Undici> | undefined;

/** undici takes ~100 ms of CPU to load: only a command that fetches a URL pays for it. */
function loadUndici(): Promise<Undici> {
  undici ??= import("undici");
  return undici;
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
function proxyClientFactory(Pool: Undici["Pool"], origin: URL, options: object): Dispatcher {
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
function createDispatcher(
  { EnvHttpProxyAgent, Pool, interceptors }: Undici,
  connectTimeoutMs: number,
): Dispatcher {
  return new EnvHttpProxyAgent({
    connectTimeout: connectTimeoutMs,
    // Plain http:// goes to the proxy as an absolute-form GET, as curl does; https tunnels.
    proxyTunnel: false,
    clientFactory: (origin: URL, options: object) => proxyClientFactory(Pool, origin, options),
  }).compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
}

/**
 * One shared dispatcher so connections are reused. Its connect timeout is the request deadline:
 * undici only honours an abort once the request has a socket, so a connect that hangs would
 * otherwise outlive the deadline, and undici's default (10 s) would cut a longer --timeout
 * short. A different timeout means a new agent.
 */
function getDispatcher(lib: Undici, timeoutMs: number): Dispatcher {
  if (dispatcher === undefined || dispatcherConnectTimeout !== timeoutMs) {
    void dispatcher?.close().catch(() => undefined);
    dispatcher = createDispatcher(lib, timeoutMs);
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
function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(ms < 1000 ? 3 : 1)));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

type Phase = "response" | "body";

/** Status codes a proxy or overloaded server sends for a moment; anything else is an answer. */
const RETRY_STATUSES = new Set([502, 503, 504]);
/** First backoff; it doubles each retry (200, 400, 800 ms ...), with ±25% jitter. */
const RETRY_BASE_MS = 200;
/** A longer Retry-After is not waited for: a CLI run should fail, not sit for minutes. */
const MAX_RETRY_AFTER_MS = 5_000;

/** Failures worth another attempt, with the server's Retry-After (ms) when it sent one. */
const transient = new WeakMap<ImgencError, { retryAfterMs: number | undefined }>();

function retryable(error: ImgencError, retryAfterMs?: number): ImgencError {
  transient.set(error, { retryAfterMs });
  return error;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse takes "-5" as a year; an HTTP date always names its month.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoff(retry: number, random: () => number): number {
  return RETRY_BASE_MS * 2 ** (retry - 1) * (0.75 + random() * 0.5);
}

/** Names the attempt count once there was more than one, so a flaky server reads as such. */
function afterAttempts(error: unknown, attempts: number): unknown {
  if (attempts < 2 || !(error instanceof ImgencError)) return error;
  const message =
    error.code === "timeout"
      ? `${error.message} (${attempts} attempts)`
      : `${error.message} after ${attempts} attempts`;
  return new ImgencError(error.code, message, { input: error.input, cause: error.cause ?? error });
}

/** Resolves after ms, or at once when the deadline passes (the next attempt then reports it). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The clock a caller gave, its missing parts taken from the real one. */
function retryClock(given: Partial<RetryClock> = {}): RetryClock {
  return {
    now: given.now ?? (() => performance.now()),
    sleep: given.sleep ?? sleep,
    random: given.random ?? Math.random,
  };
}

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

/** The trusted-CA fix, spelled out: Node reads extra CAs only from this variable at start-up. */
const EXTRA_CA_HINT =
  "if you trust it, give its CA certificate to imgenc with NODE_EXTRA_CA_CERTS=<ca.pem>";

/** TLS failures in words; undefined when the error is not about TLS. */
function tlsProblem(error: unknown, codes: string[], host: string): string | undefined {
  const has = (...names: string[]) => names.some((name) => codes.includes(name));
  if (has("ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG")) {
    return "the server does not speak TLS on this port (is the URL http://?)";
  }
  if (has("DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN")) {
    return `the server's TLS certificate is self-signed: ${EXTRA_CA_HINT}`;
  }
  if (
    has(
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "UNABLE_TO_GET_ISSUER_CERT",
    )
  ) {
    return `the server's TLS certificate is signed by an unknown authority (a private CA, or a missing intermediate certificate): ${EXTRA_CA_HINT}`;
  }
  if (has("CERT_HAS_EXPIRED")) return "the server's TLS certificate has expired";
  if (has("CERT_NOT_YET_VALID")) {
    return "the server's TLS certificate is not valid yet (check this machine's clock)";
  }
  if (has("ERR_TLS_CERT_ALTNAME_INVALID")) {
    // The host checked can be a redirect's, not the one first asked for.
    const checked = carrying(error, "ERR_TLS_CERT_ALTNAME_INVALID")?.host;
    return `the server's TLS certificate is not valid for ${typeof checked === "string" ? checked : host}`;
  }
  const code = codes.find((name) => /CERT|SELF_SIGNED|TLS|SSL/.test(name));
  if (code === undefined) return undefined;
  // OpenSSL messages carry a library prefix, a source path and a newline; its reason is the part
  // a person can read ("sslv3 alert handshake failure").
  const cause = carrying(error, code);
  const words =
    typeof cause?.reason === "string" && cause.reason !== ""
      ? cause.reason
      : firstLine(typeof cause?.message === "string" ? cause.message : String(error));
  return code.includes("CERT")
    ? `TLS certificate problem: ${words} (${code})`
    : `TLS handshake failed: ${words} (${code})`;
}

/** The error, or the cause inside it, that carries `code`. */
function carrying(error: unknown, code: string): Record<string, unknown> | undefined {
  const seen = new Set<unknown>();
  const visit = (value: unknown): Record<string, unknown> | undefined => {
    if (typeof value !== "object" || value === null || seen.has(value)) return undefined;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (record.code === code) return record;
    const inner = Array.isArray(record.errors) ? record.errors : [];
    for (const next of [record.cause, ...inner]) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error);
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.trim() ?? "";
}

/**
 * A response that breaks HTTP/1.1 (a bad header line, a bad status, not HTTP at all). undici's
 * HTTPParserError has no code, only a message ending in llhttp's reason in parentheses; its raw
 * bytes (`data`) are the server's and are not shown.
 */
function httpParserProblem(error: unknown, codes: string[]): string | undefined {
  const seen = new Set<unknown>();
  for (let value: unknown = error; typeof value === "object" && value !== null; ) {
    if (seen.has(value)) break;
    seen.add(value);
    const record = value as { name?: unknown; message?: unknown; cause?: unknown };
    if (record.name === "HTTPParserError") {
      const message = typeof record.message === "string" ? record.message : "";
      const reason = /\(([^()]+)\)\s*$/.exec(message)?.[1];
      if (reason === undefined || /^Expected HTTP\//.test(reason)) return "the reply is not HTTP";
      return reason.charAt(0).toLowerCase() + reason.slice(1);
    }
    value = record.cause;
  }
  return codes.find((code) => code.startsWith("HPE_"));
}

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
    return retryable(
      fail(
        "network",
        phase === "body"
          ? "connection reset while reading the body"
          : "connection closed before the server responded",
      ),
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
  const tls = tlsProblem(error, codes, context.host);
  if (tls !== undefined) return fail("network", tls);
  if (codes.includes("UND_ERR_HEADERS_OVERFLOW")) {
    return fail(
      "network",
      `the response headers are larger than ${formatBytes(maxHeaderSize)} (raise the limit with NODE_OPTIONS=--max-http-header-size=<bytes>)`,
    );
  }
  const zlibCode = codes.find((code) => code.startsWith("Z_"));
  if (zlibCode !== undefined) return fail("network", `corrupt compressed body (${message})`);
  const parserProblem = httpParserProblem(error, codes);
  if (parserProblem !== undefined)
    return fail("network", `invalid HTTP response (${parserProblem})`);
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
 * GETs an http(s) URL into memory. timeoutMs is one deadline for the whole operation: every
 * attempt's connect, headers and body, and the waits between retries. A retry that could not
 * finish before it is not started; the last failure is reported instead of a bare timeout. The
 * body (decompressed) is capped at maxInputBytes. `input` is what errors name.
 */
export async function fetchUrl(
  url: string,
  opts: SourceOptions = {},
  input: string = url,
): Promise<FetchResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const retries =
    opts.retries !== undefined && Number.isFinite(opts.retries)
      ? Math.max(0, Math.floor(opts.retries))
      : DEFAULT_RETRIES;
  const { url: parsed, authorization } = splitCredentials(parseHttpUrl(url, input));
  const headers: Record<string, string> =
    authorization === undefined ? REQUEST_HEADERS : { ...REQUEST_HEADERS, authorization };

  // A plain timer (not AbortSignal.timeout) so it is cleared as soon as we are done.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const clock = retryClock(opts.retryClock);
  const deadlineAt = clock.now() + timeoutMs;
  const attempt = { input, timeoutMs, maxBytes, headers, signal: controller.signal };
  try {
    for (let attempts = 1; ; attempts++) {
      try {
        return await fetchOnce(parsed, attempt);
      } catch (error) {
        const retry = error instanceof ImgencError ? transient.get(error) : undefined;
        if (retry === undefined || attempts > retries) throw afterAttempts(error, attempts);
        const { retryAfterMs } = retry;
        if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) {
          const seconds = Math.ceil(retryAfterMs / 1000);
          const asked = new ImgencError(
            "http-status",
            `${(error as ImgencError).message} (the server asks to retry after ${seconds} s)`,
            { input, cause: error },
          );
          throw afterAttempts(asked, attempts);
        }
        const wait = Math.max(backoff(attempts, clock.random), retryAfterMs ?? 0);
        if (clock.now() + wait >= deadlineAt) throw afterAttempts(error, attempts);
        await clock.sleep(wait, controller.signal);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

interface Attempt {
  input: string;
  timeoutMs: number;
  maxBytes: number;
  headers: Record<string, string>;
  /** The whole operation's deadline. */
  signal: AbortSignal;
}

/** One request. Failures are ImgencErrors; transient ones are marked for fetchUrl to retry. */
async function fetchOnce(parsed: URL, attempt: Attempt): Promise<FetchResult> {
  const { input, timeoutMs, maxBytes, headers: requestHeaders, signal } = attempt;
  // Each attempt gets its own signal so listeners on the shared one do not pile up per retry.
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  let phase: Phase = "response";
  try {
    const lib = await loadUndici();
    const pending = lib.request(parsed, {
      dispatcher: getDispatcher(lib, timeoutMs),
      method: "GET",
      headers: requestHeaders,
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
      const error = new ImgencError("http-status", `HTTP ${statusCode} ${reason}`.trim() + hint, {
        input,
      });
      if (!RETRY_STATUSES.has(statusCode)) throw error;
      throw retryable(error, parseRetryAfter(headerValue(headers["retry-after"])));
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
      timedOut: signal.aborted,
      phase,
      host: parsed.hostname,
    });
  } finally {
    signal.removeEventListener("abort", forward);
  }
}
