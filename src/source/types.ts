import { SETTINGS } from "../settings.js";

export type SourceKind = "file" | "url" | "data-uri" | "stdin";

export interface SourceOptions {
  /**
   * Deadline in milliseconds: for URLs the whole transfer (connect, headers and body); for stdin
   * and for files that are pipes or devices, until the data ends.
   */
  timeoutMs?: number;
  /** Retries for transient URL failures (connection reset, 502, 503, 504), with backoff. */
  retries?: number;
  /** Cap on the bytes read from any source, enforced while streaming. */
  maxInputBytes?: number;
  /** Readable used for "-" (defaults to process.stdin at the edge; the core takes it as given). */
  stdin?: NodeJS.ReadableStream;
  /** What the waits between URL retries run on; the real clock and Math.random unless given. */
  retryClock?: Partial<RetryClock>;
}

/** The time and chance behind retry backoff, replaceable so its waits can be checked exactly. */
export interface RetryClock {
  /** Milliseconds on a monotonic clock, as performance.now(). */
  now: () => number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A number in [0, 1), as Math.random(): the backoff's jitter. */
  random: () => number;
}

export interface DataUriInfo {
  /** Media type as declared, lower-cased, without parameters ("" when absent). */
  mediaType: string;
  /** The raw text between "data:" and the first ",". */
  header: string;
  base64: boolean;
  /** Total length of the data URI text. */
  length: number;
  /** The text itself, for linting (it can be tens of megabytes: never print it whole). */
  text: string;
}

export interface Source {
  /**
   * What the user passed, for display: a path, a URL (its password and signature-like query
   * parameters masked as "***"), a data URI (shortened) or "-".
   */
  input: string;
  kind: SourceKind;
  bytes: Buffer;
  /** Set when the source was a data URI (argument or stdin). */
  dataUri?: DataUriInfo;
  /** For URLs: the URL after redirects (masked like `input`) and the Content-Type header. */
  finalUrl?: string;
  contentType?: string;
}

export const DEFAULT_TIMEOUT_MS = SETTINGS.timeoutMs.default;
export const DEFAULT_RETRIES = SETTINGS.retries.default;
export const DEFAULT_MAX_INPUT_BYTES = SETTINGS.maxInputBytes.default;
