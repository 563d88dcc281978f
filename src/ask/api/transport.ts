import { redactText } from "../../source/redact.js";
import type { AskFailure, Usage } from "../types.js";
import { ChatError, type ChatRequest } from "./types.js";

/** The largest response body read; a bigger answer is a failure, not a memory spike. */
const MAX_RESPONSE_BYTES = 4 * 1024 ** 2;

/** The longest Retry-After honoured; a server asking for more gets a failure at once. */
const MAX_RETRY_AFTER_MS = 60_000;

/** What one request's HTTP exchanges came to. */
export interface Exchange {
  attempts: number;
  /** A failure the SDK cannot see for itself (an answer too large to read). */
  failure?: AskFailure;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in milliseconds. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return ms;
  const after = headers.get("retry-after");
  if (after === null) return undefined;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isFinite(date) ? date - Date.now() : undefined;
}

/** Reads a body up to `limit` bytes; undefined when it holds more. */
async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Buffer | undefined> {
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * The fetch the SDKs are given: each attempt, headers and whole body, must finish within the
 * timeout (the SDKs' own timeout stops at the headers); a body over MAX_RESPONSE_BYTES is not
 * read; a Retry-After beyond MAX_RETRY_AFTER_MS is not waited for (the SDKs wait any time).
 */
export function boundedFetch(exchange: Exchange, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    exchange.attempts++;
    const controller = new AbortController();
    const outer = init?.signal;
    const onAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await fetch(input, { ...init, signal: controller.signal });
      const body = await readBounded(response.body, MAX_RESPONSE_BYTES);
      const headers = new Headers(response.headers);
      if (body === undefined) {
        exchange.failure = {
          code: "bad-response",
          message: `the answer is larger than ${MAX_RESPONSE_BYTES / 1024 ** 2} MiB; not read`,
          status: response.status,
        };
        return new Response(null, { status: 502, headers: { "x-should-retry": "false" } });
      }
      const wait = retryAfterMs(headers);
      if (wait !== undefined && wait > MAX_RETRY_AFTER_MS) headers.set("x-should-retry", "false");
      return new Response(response.status === 204 || response.status === 304 ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    } catch (error) {
      // The SDKs take "timed out" as a timeout: retried, then APIConnectionTimeoutError.
      if (timedOut) throw new Error(`request timed out after ${timeoutMs} ms`);
      throw error;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    }
  };
}

/** A server's words, safe to show: the key and URL secrets masked, one line, at most 200 chars. */
function serverWords(text: string, key: string | undefined): string {
  let out = text;
  if (key !== undefined && key !== "") out = out.split(key).join("***");
  out = redactText(out).replace(/\s+/g, " ").trim();
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}

function errorMessageOf(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (typeof body !== "object" || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  if (typeof inner === "string") return inner;
  if (typeof inner === "object" && inner !== null) {
    const message = (inner as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  const message = (body as { message?: unknown }).message;
  return typeof message === "string" ? message : undefined;
}

/** The system error code under an SDK's connection error (ECONNREFUSED, ENOTFOUND, ...). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** Origin and path of the endpoint, secrets masked: what errors name. */
function endpointName(endpoint: string): string {
  return redactText(endpoint);
}

/**
 * The failure an SDK error stands for, in words that say what to do; the key never appears
 * (a server echoing it has it masked). Anything that is no HTTP or connection failure is a bug
 * and is thrown again.
 */
export function failureOf(error: unknown, exchange: Exchange, request: ChatRequest): AskFailure {
  if (exchange.failure) return exchange.failure;
  if (error instanceof ChatError) return error.failure;
  const name = error instanceof Error ? error.constructor.name : "";
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") {
    const said = errorMessageOf((error as { error?: unknown }).error);
    const words = said === undefined ? "" : `: ${serverWords(said, request.apiKey)}`;
    if (status === 401 || status === 403) {
      return {
        code: "unauthorized",
        status,
        message:
          request.apiKey === undefined
            ? `the endpoint wants an API key (${status}) and ${request.apiKeyEnv} is not set (name another variable with --api-key-env)`
            : `the endpoint refused the key in ${request.apiKeyEnv} (${status})`,
      };
    }
    if (status === 404) {
      return {
        code: "model-not-found",
        status,
        message: `model "${serverWords(request.model, request.apiKey)}" not found, or no such API at ${endpointName(request.endpoint)} (404)${words}`,
      };
    }
    if (status === 429) {
      const headers = (error as { headers?: Headers }).headers;
      const wait = headers instanceof Headers ? retryAfterMs(headers) : undefined;
      const longWait =
        wait !== undefined && wait > MAX_RETRY_AFTER_MS
          ? `; it asks to wait ${Math.round(wait / 1000)} s, more than ${MAX_RETRY_AFTER_MS / 1000} s`
          : "";
      return {
        code: "rate-limited",
        status,
        message: `rate limited (429) after ${exchange.attempts} attempt${exchange.attempts === 1 ? "" : "s"}${longWait}${words}`,
      };
    }
    return {
      code: "http-status",
      status,
      message: `the endpoint answered ${status} after ${exchange.attempts} attempt${exchange.attempts === 1 ? "" : "s"}${words}`,
    };
  }
  if (name === "APIConnectionTimeoutError") {
    return {
      code: "timeout",
      message: `no answer within ${request.timeoutMs / 1000} s (--timeout), ${exchange.attempts} attempt${exchange.attempts === 1 ? "" : "s"}`,
    };
  }
  if (name === "APIConnectionError") {
    const code = causeCode(error);
    const why = code === undefined ? "connection failed" : (CONNECTION_CODES[code] ?? code);
    return { code: "network", message: `cannot reach ${endpointName(request.endpoint)}: ${why}` };
  }
  if (error instanceof SyntaxError) {
    return { code: "bad-response", message: "the answer is not valid JSON" };
  }
  throw error;
}

/** The numeric usage fields a server reported, as it named them; null when none. */
export function usageOf(value: unknown): Usage | null {
  if (typeof value !== "object" || value === null) return null;
  const usage: Usage = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === "number" && Number.isFinite(field)) usage[key] = field;
  }
  return Object.keys(usage).length === 0 ? null : usage;
}

/** An answer whose JSON parsed but lacks what the API promises. */
export function badShape(what: string): ChatError {
  return new ChatError({ code: "bad-response", message: `the answer has no ${what}` }, 0);
}
