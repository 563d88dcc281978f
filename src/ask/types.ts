import { CLIENT_NAMES, type ClientName, type ClientSteps } from "../client/types.js";

/** The payloads `ask` can send: the source as it is, or as a client path encodes it. */
export const VARIANT_NAMES = ["original", ...CLIENT_NAMES] as const;

export type VariantName = "original" | ClientName;

export type AskApi = "openai" | "anthropic";

/** What an answer must hold; every part given must hold. */
export interface Expectation {
  /** A substring, compared after normalising (NFKC, case, whitespace). */
  text?: string;
  /** A JavaScript regular expression, "pattern" or "/pattern/flags". */
  regex?: string;
  /** A number the answer holds, within the tolerance. */
  number?: { value: number; tolerance: number };
}

/** How the image goes over the wire. */
export type Transport = "url" | "data-uri" | "base64";

/** What a variant sends, as data. */
export interface PayloadFacts {
  variant: VariantName;
  /**
   * "url": the server fetches the source's URL itself; "data-uri": an OpenAI-style image_url
   * holding a data URI; "base64": an Anthropic base64 source (media_type + data).
   */
  transport: Transport;
  /** The image's real type, sniffed from the bytes. */
  mime: string;
  /** The image bytes the server gets (for a URL, the bytes it serves, as read here). */
  bytes: number;
  width: number;
  height: number;
  /** Characters of the image part as sent: the URL, the data URI, or the base64 text. */
  sentLength: number;
  /** SHA-256 of the image part as sent (the URL, the data URI, or media type + base64). */
  sha256: string;
  /** A client path: the prefix it writes before its base64 ("" for bare base64). */
  sentPrefix?: string;
  /** A client path: what it did to the image. */
  steps?: ClientSteps;
  /** A client path: the call it reproduces. */
  description?: string;
  /** Where what is sent differs from what the client path writes, and why. */
  notes: string[];
}

/** The usage fields the server reported, as it named them. */
export type Usage = Record<string, number>;

/** Why a request got no answer. */
export interface AskFailure {
  code:
    | "unauthorized"
    | "model-not-found"
    | "rate-limited"
    | "http-status"
    | "timeout"
    | "network"
    | "bad-response";
  message: string;
  /** The HTTP status, when there was one. */
  status?: number;
}

/** One question asked once with one variant. */
export interface RunReport {
  /** 1-based. */
  run: number;
  /** null when the request failed. */
  answer: string | null;
  error?: AskFailure;
  /** From sending to the whole answer, retries included. */
  latencyMs: number;
  /** HTTP requests made (1 + retries). */
  attempts: number;
  usage: Usage | null;
  /** finish_reason / stop_reason, as the server said it. */
  finishReason: string | null;
  /** Taken from the answer cache rather than asked. */
  cached: boolean;
  /** With an expectation: whether this answer meets it. */
  met?: boolean;
}

/** One answer text and how many runs gave it. */
export interface DistinctAnswer {
  /** The first run's text among those that normalise the same. */
  answer: string;
  count: number;
}

export type VariantStatus = "passed" | "failed" | "error";

export interface VariantReport {
  variant: VariantName;
  payload: PayloadFacts;
  runs: RunReport[];
  /** Distinct answers after normalisation, most frequent first. */
  answers: DistinctAnswer[];
  /**
   * passed: every run met the expectation (or, without one, agreed with the first variant);
   * failed: a run did not; error: a request failed.
   */
  status: VariantStatus;
  /** Every run's answer normalises to the first variant's most frequent answer. */
  agrees: boolean;
  /**
   * Normalised Levenshtein similarity (1 - distance / longer length, over the first 4,096
   * characters) of this variant's most frequent answer to the first variant's; null when
   * either has no answer.
   */
  similarity: number | null;
  /** With an expectation: runs that met it. */
  met?: number;
}

/** The request settings, as sent; never the key. */
export interface AskSettings {
  api: AskApi;
  /** Passwords and signed query parameters masked. */
  endpoint: string;
  model: string;
  system: string | null;
  maxTokens: number;
  /** null for the Anthropic API, which takes neither. */
  temperature: number | null;
  seed: number | null;
  runs: number;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  /** The environment variable the key came from, and whether one was sent. */
  apiKeyEnv: string;
  keySent: boolean;
}

export interface AskSourceReport {
  input: string;
  kind: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
}

/** Plain data: JSON.stringify of it is the `--json` document. */
export interface AskReport {
  settings: AskSettings;
  source: AskSourceReport;
  prompt: string;
  expectation: Expectation | null;
  variants: VariantReport[];
  /** Every answer of every variant normalises to the same text. */
  agree: boolean;
  /** Exit 0: every expectation met (or, without one, every variant agrees) and no request failed. */
  passed: boolean;
}

export interface AskResult {
  report: AskReport;
}
