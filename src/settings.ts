import { VARIANT_NAMES, type VariantName } from "./ask/types.js";
import type { Shard } from "./check/discover.js";
import { WORKER_BASE_BYTES, WORKER_BYTES_PER_PIXEL } from "./check/run.js";
import { CLIENT_NAMES, type ClientName } from "./client/types.js";
import { ImgencError } from "./errors.js";
import { FINDING_CODES } from "./findings/codes.js";
import type { MismatchLimit } from "./gates.js";
import { MODELS } from "./models/plan.js";
import { DEFAULT_LISTEN, DEFAULT_MAX_BODY, type ListenAddress } from "./proxy/defaults.js";
import { SERVER_NAMES } from "./server/types.js";

/**
 * Every setting once: the library option it is, its flag, whether the config file takes it,
 * its default, what a valid value is, how it is read from the command line and from JSON, and
 * the help line of each command that takes it. The CLI builds its options from this table, the
 * config is validated by it, and the core takes its defaults from it.
 */

export type CommandName = "compare" | "encode" | "inspect" | "check" | "ask" | "proxy";

export interface Setting<T> {
  /** The library option, as the core's options spell it (`quality`, `timeoutMs`). */
  readonly name: string;
  /** The CLI flags, as commander takes them: `-q, --quality <1-100>`. */
  readonly flags: string;
  /** The commands that take it. */
  readonly commands: readonly CommandName[];
  /** Its line in --help. */
  readonly help: string;
  /** A command's own help line, where it says something else. */
  readonly helpFor?: Readonly<Partial<Record<CommandName, string>>>;
  /** What the core uses when the option is omitted; absent: off, or computed. */
  readonly default?: T;
  /** The default as --help states it, where its JSON would not say it. */
  readonly defaultText?: string;
  readonly choices?: readonly string[];
  /** A valid library value, in words: "a whole number from 1 to 100". */
  readonly expected: string;
  /** The library value when it is valid, else undefined. */
  readonly check: (value: unknown) => T | undefined;
  /** The value a command-line argument means, else undefined. */
  readonly fromText: (text: string) => T | undefined;
  /** What the command line takes, in words, where its unit is not the library's. */
  readonly textExpected?: string;
  /** Whether imgenc.config.json (and its overrides) may set it, under its library name. */
  readonly config?: true;
  /** The value a config file's JSON means, else undefined. */
  readonly fromJson?: (value: unknown) => T | undefined;
}

/** Node's timers take at most 2^31-1 ms; a longer one fires at once with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_TIMEOUT_SECONDS = MAX_TIMER_MS / 1000;

/** The one voice of an invalid value, as sharp words it. */
export function invalidValue(expected: string, name: string | undefined, received: string): string {
  return `expected ${expected}${name === undefined ? "" : ` for ${name}`} but received ${received}`;
}

/** A JSON or library value as an error shows it: strings quoted, `undefined` spelled out. */
export function shownValue(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  /** min itself is not allowed. */
  above?: boolean;
  /** "of dB": what the number counts. */
  unit?: string;
}

function numberWords(rule: NumberRule): string {
  const noun = `${rule.integer ? "a whole number" : "a number"}${rule.unit ? ` of ${rule.unit}` : ""}`;
  return rule.above
    ? `${noun} above ${rule.min} and at most ${rule.max}`
    : `${noun} from ${rule.min} to ${rule.max}`;
}

function inRange(rule: NumberRule) {
  return (value: unknown): number | undefined =>
    typeof value === "number" &&
    Number.isFinite(value) &&
    (rule.above ? value > rule.min : value >= rule.min) &&
    value <= rule.max &&
    (!rule.integer || Number.isInteger(value))
      ? value
      : undefined;
}

/** A number in a range; the command line and the config file take the library's unit. */
function numberIn(rule: NumberRule) {
  const check = inRange(rule);
  return {
    expected: numberWords(rule),
    check,
    fromText: (text: string) => (text.trim() === "" ? undefined : check(Number(text))),
    fromJson: check,
  };
}

/** `"png" or "original"`, `one of "a", "b", "c"`: what a choice expects, in words. */
export function choiceWords(choices: readonly string[]): string {
  const quoted = choices.map((c) => `"${c}"`);
  return quoted.length === 2 ? `${quoted[0]} or ${quoted[1]}` : `one of ${quoted.join(", ")}`;
}

/** One of a few strings, the same on the command line, in the config and in the library. */
function oneOf<const C extends readonly string[]>(choices: C) {
  const check = (value: unknown): C[number] | undefined =>
    typeof value === "string" && choices.includes(value) ? value : undefined;
  return {
    choices,
    expected: choiceWords(choices),
    check,
    fromText: check,
    fromJson: check,
  };
}

/** One client path or several without repeats: "opencv", ["pillow", "opencv"], "pillow,opencv". */
function clientList() {
  const names: readonly string[] = CLIENT_NAMES;
  const check = (value: unknown): ClientName[] | undefined => {
    const list: unknown = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) return undefined;
    if (!list.every((n) => typeof n === "string" && names.includes(n))) return undefined;
    if (new Set(list).size !== list.length) return undefined;
    return list as ClientName[];
  };
  const fromText = (text: string) => check(text.split(",").map((name) => name.trim()));
  return {
    expected: `${choiceWords(CLIENT_NAMES)}, or a list of them without repeats`,
    textExpected: `client paths separated by commas, without repeats, each ${choiceWords(CLIENT_NAMES)}`,
    check,
    fromText,
    // A config may write the list as JSON or as the command line does.
    fromJson: (value: unknown) => (typeof value === "string" ? fromText(value) : check(value)),
  };
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** "52428800", "50MB", "512k": sizes in bytes, with binary k/M/G suffixes. */
function byteSize() {
  const check = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;
  return {
    expected: "a whole number of bytes, at least 1",
    textExpected: "a size of at least 1 byte, such as 52428800, 512k or 50MB",
    check,
    fromText: (text: string) => {
      const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
      const unit = match ? BYTE_UNITS[(match[2] ?? "").toLowerCase()] : undefined;
      if (!match || unit === undefined) return undefined;
      return check(Math.floor(Number(match[1]) * unit));
    },
  };
}

/** "0.5%" as a share of all pixels (0-1). */
function percentShare(text: string): MismatchLimit | undefined {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!percent) return undefined;
  const share = Number(percent[1]) / 100;
  return share <= 1 ? { share } : undefined;
}

/** A pixel count (250, "250" on the command line) or a share ("0.5%"). */
function mismatchLimit() {
  const count = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 0
      ? { count: value }
      : undefined;
  return {
    expected: "a pixel count such as 250 or a percentage from 0% to 100% such as 0.5%",
    check: (value: unknown): MismatchLimit | undefined => {
      if (typeof value !== "object" || value === null) return undefined;
      const keys = Object.keys(value);
      if (keys.length !== 1) return undefined;
      if ("count" in value) return count(value.count);
      if ("share" in value) {
        const share = value.share;
        return typeof share === "number" && share >= 0 && share <= 1 ? { share } : undefined;
      }
      return undefined;
    },
    // A count reads as every other number does, so "1e3" means what it means in JSON.
    fromText: (text: string): MismatchLimit | undefined =>
      percentShare(text) ?? (text.trim() === "" ? undefined : count(Number(text))),
    fromJson: (value: unknown): MismatchLimit | undefined =>
      typeof value === "string" ? percentShare(value) : count(value),
  };
}

/** "2/4": the second of four stable subsets. */
function shard() {
  const valid = (index: unknown, count: unknown): Shard | undefined =>
    Number.isInteger(index) &&
    Number.isInteger(count) &&
    (count as number) >= 1 &&
    (index as number) >= 1 &&
    (index as number) <= (count as number)
      ? { index: index as number, count: count as number }
      : undefined;
  return {
    expected: "a shard i/n with 1 <= i <= n, such as 2/4",
    check: (value: unknown) =>
      typeof value === "object" && value !== null
        ? valid((value as Shard).index, (value as Shard).count)
        : undefined,
    fromText: (text: string) => {
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
      return match ? valid(Number(match[1]), Number(match[2])) : undefined;
    },
  };
}

/** Seconds on the command line, milliseconds in the library. */
function timeout() {
  const seconds = inRange({ min: 0, max: MAX_TIMEOUT_SECONDS, above: true });
  return {
    expected: numberWords({ min: 0, max: MAX_TIMER_MS, above: true, unit: "milliseconds" }),
    textExpected: numberWords({ min: 0, max: MAX_TIMEOUT_SECONDS, above: true, unit: "seconds" }),
    check: inRange({ min: 0, max: MAX_TIMER_MS, above: true }),
    fromText: (text: string) => {
      const s = text.trim() === "" ? undefined : seconds(Number(text));
      return s === undefined ? undefined : s * 1000;
    },
  };
}

/** Any text that is not empty: a prompt, a model name, an expected answer. */
function someText(what: string) {
  const check = (value: unknown) =>
    typeof value === "string" && value.trim() !== "" ? value : undefined;
  return { expected: what, check, fromText: check };
}

/** An http(s) URL: a model endpoint. */
function httpUrl() {
  const check = (value: unknown) => {
    if (typeof value !== "string" || !/^https?:\/\//i.test(value)) return undefined;
    try {
      new URL(value);
      return value;
    } catch {
      return undefined;
    }
  };
  return { expected: "an http(s) URL such as http://127.0.0.1:8000/v1", check, fromText: check };
}

/** The payload variants: "original" and client paths, without repeats. */
function variantList() {
  const names: readonly string[] = VARIANT_NAMES;
  const check = (value: unknown): VariantName[] | undefined => {
    const list: unknown = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) return undefined;
    if (!list.every((n) => typeof n === "string" && names.includes(n))) return undefined;
    if (new Set(list).size !== list.length) return undefined;
    return list as VariantName[];
  };
  return {
    expected: `${choiceWords(VARIANT_NAMES)}, or a list of them without repeats`,
    textExpected: `payload variants separated by commas, without repeats, each ${choiceWords(VARIANT_NAMES)}`,
    check,
    fromText: (text: string) => check(text.split(",").map((name) => name.trim())),
  };
}

/** A number expected in an answer, and how far from it a number may be. */
interface ExpectedNumber {
  value: number;
  tolerance: number;
}

/** "48213", "1204.5±0.01", "1204.5+-0.01", "1204.5 +/- 0.01". */
function expectedNumber() {
  const check = (value: unknown): ExpectedNumber | undefined => {
    if (typeof value !== "object" || value === null) return undefined;
    const { value: n, tolerance: t } = value as Partial<ExpectedNumber>;
    return typeof n === "number" &&
      Number.isFinite(n) &&
      typeof t === "number" &&
      Number.isFinite(t) &&
      t >= 0
      ? { value: n, tolerance: t }
      : undefined;
  };
  return {
    expected: "a number and a tolerance of at least 0, such as { value: 1204.5, tolerance: 0.01 }",
    textExpected: "a number, optionally with a tolerance, such as 48213 or 1204.5±0.01",
    check,
    fromText: (text: string) => {
      const match =
        /^\s*([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(?:(?:±|\+-|\+\/-)\s*(\d+(?:\.\d+)?))?\s*$/i.exec(
          text,
        );
      if (!match) return undefined;
      return check({ value: Number(match[1]), tolerance: Number(match[2] ?? 0) });
    },
  };
}

/** A switch: present or not. */
function onOff() {
  const check = (value: unknown) => (typeof value === "boolean" ? value : undefined);
  return { expected: "true or false", check, fromText: () => true };
}

/** A file or folder name, as given. */
function pathName(what: string) {
  const check = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  return { expected: `the name of ${what}`, check, fromText: check };
}

/** "8080", "127.0.0.1:8080", "[::1]:0", "localhost": where to listen. */
function listenAddress() {
  const valid = (host: string, port: number): ListenAddress | undefined =>
    host !== "" && Number.isInteger(port) && port >= 0 && port <= 65535
      ? { host, port }
      : undefined;
  const check = (value: unknown) =>
    typeof value === "object" && value !== null
      ? valid(String((value as ListenAddress).host ?? ""), (value as ListenAddress).port)
      : undefined;
  return {
    expected: "a host and a port from 0 to 65535 (0: any free port)",
    textExpected: "a port, a host, or host:port, such as 8080, 127.0.0.1:8080 or [::1]:0",
    check,
    fromText: (text: string) => {
      const t = text.trim();
      if (/^\d+$/.test(t)) return valid(DEFAULT_LISTEN.host, Number(t));
      const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d+))?$/i.exec(t);
      if (!match) return undefined;
      return valid(
        match[1] as string,
        match[2] === undefined ? DEFAULT_LISTEN.port : Number(match[2]),
      );
    },
  };
}

/** A JavaScript regular expression: "48\\d{3}" or "/invoice\\s+48213/i". */
function regularExpression() {
  const check = (value: unknown) => {
    if (typeof value !== "string" || value === "") return undefined;
    try {
      toRegExp(value);
      return value;
    } catch {
      return undefined;
    }
  };
  return {
    expected: "a JavaScript regular expression, such as 48\\d{3} or /total\\s+1204/i",
    check,
    fromText: check,
  };
}

/** "pattern" (Unicode mode) or "/pattern/flags". */
export function toRegExp(text: string): RegExp {
  const literal = /^\/(.*)\/([dgimsuy]*)$/s.exec(text);
  if (literal) {
    const flags = literal[2] ?? "";
    return new RegExp(literal[1] ?? "", flags.includes("u") ? flags : `${flags}u`);
  }
  return new RegExp(text, "u");
}

/** A share 0-1, written as 0.9 or 90%. */
function shareOrPercent() {
  const check = inRange({ min: 0, max: 1 });
  return {
    expected: "a number from 0 to 1",
    textExpected: "a share from 0 to 1 or a percentage from 0% to 100%, such as 0.9 or 90%",
    check,
    fromText: (text: string) =>
      (percentShare(text) as { share: number } | undefined)?.share ??
      (text.trim() === "" ? undefined : check(Number(text))),
  };
}

/** The name of an environment variable. */
function envName() {
  const check = (value: unknown) =>
    typeof value === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : undefined;
  return { expected: "an environment variable name such as MY_API_KEY", check, fromText: check };
}

const SEVERITIES = ["error", "warning", "info"];

/** Finding codes or severities, comma-separated: "missing-subtype,error". */
function findingGates() {
  const known = new Set<string>([...SEVERITIES, ...FINDING_CODES.map((f) => f.code)]);
  const check = (value: unknown): string[] | undefined => {
    const list: unknown = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) return undefined;
    return list.every((v) => typeof v === "string" && known.has(v))
      ? (list as string[])
      : undefined;
  };
  return {
    expected: `a severity (${SEVERITIES.join(", ")}) or a finding code (see imgenc inspect --help), or a list of them`,
    textExpected: `severities (${SEVERITIES.join(", ")}) or finding codes separated by commas`,
    check,
    fromText: (text: string) => check(text.split(",").map((v) => v.trim())),
  };
}

const PIXEL_COUNT: NumberRule = { min: 1, max: 2 ** 40, integer: true };

export const SETTINGS = {
  quality: {
    name: "quality",
    config: true,
    flags: "-q, --quality <1-100>",
    commands: ["compare", "encode", "check"],
    help: "lossy JPEG quality",
    helpFor: { encode: "JPEG or WebP quality" },
    // Pillow's default save.
    default: 75,
    ...numberIn({ min: 1, max: 100, integer: true }),
  },
  subsampling: {
    name: "subsampling",
    config: true,
    flags: "--subsampling <mode>",
    commands: ["compare", "encode", "check"],
    help: "lossy JPEG chroma subsampling",
    helpFor: { encode: "JPEG chroma subsampling" },
    // Pillow's default save.
    default: "4:2:0" as const,
    ...oneOf(["4:2:0", "4:4:4"]),
  },
  lossless: {
    name: "lossless",
    config: true,
    flags: "--lossless <mode>",
    commands: ["compare", "encode", "check"],
    help: "lossless payload: PNG written by sharp, or the untouched source bytes",
    helpFor: {
      encode: "PNG written by sharp, or the untouched source bytes",
      check: "lossless payload",
    },
    default: "png" as const,
    ...oneOf(["png", "original"]),
  },
  client: {
    name: "client",
    config: true,
    flags: "--client <names>",
    commands: ["compare", "encode", "check"],
    help: `compare these client paths, comma-separated, instead of the default lossy JPEG: ${CLIENT_NAMES.join(", ")}`,
    helpFor: { encode: `print the payload this client path sends: ${CLIENT_NAMES.join(", ")}` },
    ...clientList(),
  },
  threshold: {
    name: "threshold",
    config: true,
    flags: "--threshold <0-1>",
    commands: ["compare", "check"],
    help: "pixelmatch colour threshold; lower is stricter",
    helpFor: { check: "pixelmatch colour threshold" },
    // pixelmatch's own default.
    default: 0.1,
    ...numberIn({ min: 0, max: 1 }),
  },
  model: {
    name: "model",
    config: true,
    flags: "--model <name>",
    commands: ["compare", "inspect", "check", "proxy"],
    help: "also show what this model's preprocessing makes of the image",
    ...oneOf(MODELS),
  },
  server: {
    name: "server",
    config: true,
    flags: "--server <name>",
    commands: ["compare", "encode", "inspect", "check", "proxy"],
    help: "see the payloads through this model server's decode and processor; without it, the model's own API (qwen-vl-utils for Qwen)",
    helpFor: {
      inspect:
        "say whether this server accepts the data URI or URL (exit 1 when not), and plan with its processor",
      encode: "with --model-view, the server whose decode and processor make the view",
      proxy:
        "say whether this server takes each image as sent (a refusal is a server-rejects-data-uri finding), and plan with its processor",
    },
    ...oneOf(SERVER_NAMES),
  },
  minPixels: {
    name: "minPixels",
    config: true,
    flags: "--min-pixels <count>",
    commands: ["compare", "encode", "inspect", "check", "proxy"],
    help: "Qwen models: override min_pixels",
    ...numberIn(PIXEL_COUNT),
  },
  maxPixels: {
    name: "maxPixels",
    config: true,
    flags: "--max-pixels <count>",
    commands: ["compare", "encode", "inspect", "check", "proxy"],
    help: "Qwen models: override max_pixels",
    ...numberIn(PIXEL_COUNT),
  },
  minPsnr: {
    name: "minPsnr",
    config: true,
    flags: "--min-psnr <dB>",
    commands: ["compare", "check"],
    help: "gate: fail (exit 1) when PSNR is below this",
    ...numberIn({ min: 0, max: 1000, unit: "dB" }),
  },
  minSsim: {
    name: "minSsim",
    config: true,
    flags: "--min-ssim <0-1>",
    commands: ["compare", "check"],
    help: "gate: fail when SSIM is below this",
    ...numberIn({ min: 0, max: 1 }),
  },
  maxMismatch: {
    name: "maxMismatch",
    config: true,
    flags: "--max-mismatch <count|N%>",
    commands: ["compare", "check"],
    help: "gate: fail when more pixels than this differ perceptibly (pixelmatch)",
    ...mismatchLimit(),
  },
  timeoutMs: {
    name: "timeoutMs",
    flags: "--timeout <seconds>",
    commands: ["compare", "encode", "inspect", "check", "ask"],
    help: "deadline for a URL (connect, headers and body), stdin or a pipe to deliver all its data",
    helpFor: {
      ask: "deadline for each model request (connect, headers and the whole answer) and for reading the source; raise it for slow local models",
    },
    default: 30_000,
    defaultText: "30",
    ...timeout(),
  },
  retries: {
    name: "retries",
    flags: "--retries <count>",
    commands: ["compare", "encode", "inspect", "check", "ask"],
    help: "retries for transient URL failures (reset, 502, 503, 504), with backoff",
    helpFor: {
      ask: "retries of a model request after a connection failure, timeout, 408, 409, 429 or 5xx, with backoff; a Retry-After up to 60 s is honoured",
    },
    default: 2,
    ...numberIn({ min: 0, max: 10, integer: true }),
  },
  maxInputBytes: {
    name: "maxInputBytes",
    flags: "--max-input-bytes <size>",
    commands: ["compare", "encode", "inspect", "check", "ask"],
    help: "largest source accepted (e.g. 50MB, 512k)",
    default: 50 * 1024 ** 2,
    ...byteSize(),
  },
  maxInputPixels: {
    name: "maxInputPixels",
    flags: "--max-input-pixels <count>",
    commands: ["compare", "encode", "inspect", "check", "ask"],
    help: "largest image accepted, in pixels, checked before decoding",
    default: 100_000_000,
    ...numberIn(PIXEL_COUNT),
  },
  jobs: {
    name: "jobs",
    flags: "-j, --jobs <count>",
    commands: ["check"],
    help: `images compared at once, never more than there are images; each worker needs up to about ${WORKER_BASE_BYTES / 1024 ** 2} MB plus ${WORKER_BYTES_PER_PIXEL} bytes per pixel of its image`,
    defaultText: "the number of CPU cores",
    ...numberIn({ min: 1, max: 256, integer: true }),
  },
  shard: {
    name: "shard",
    flags: "--shard <i/n>",
    commands: ["check"],
    help: "run only the i-th of n stable subsets (for a CI matrix)",
    ...shard(),
  },
  format: {
    name: "format",
    flags: "--format <format>",
    commands: ["encode"],
    help: "encode as this format",
    default: "png" as const,
    ...oneOf(["png", "jpeg", "webp"]),
  },
  maxBytes: {
    name: "maxBytes",
    flags: "--max-bytes <size>",
    commands: ["encode"],
    help: "largest image file in bytes, before base64 (e.g. 3MB): shrink or lower quality to fit",
    ...byteSize(),
  },
  maxBase64Bytes: {
    name: "maxBase64Bytes",
    flags: "--max-base64-bytes <size>",
    commands: ["encode"],
    help: "largest payload as base64 text, which Anthropic's 5 MB counts: shrink or lower quality to fit; --request anthropic sets 5MB, --request openai 20MB",
    ...byteSize(),
  },
  maxSide: {
    name: "maxSide",
    flags: "--max-side <px>",
    commands: ["encode"],
    help: "largest width or height: shrink to fit, never enlarge; --request anthropic sets 8000",
    ...numberIn({ min: 1, max: 1_000_000, integer: true }),
  },
  modelView: {
    name: "modelView",
    flags: "--model-view <model>",
    commands: ["encode"],
    help: "print, as a PNG data URI, exactly what that model's preprocessing makes of the image",
    ...oneOf(MODELS),
  },
  endpoint: {
    name: "endpoint",
    flags: "--endpoint <url>",
    commands: ["ask"],
    help: "the model server's API base URL, e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama)",
    ...httpUrl(),
  },
  api: {
    name: "api",
    flags: "--api <api>",
    commands: ["ask"],
    help: "the wire protocol: OpenAI chat completions (vLLM, Ollama, llama.cpp, LM Studio, OpenAI) or Anthropic Messages",
    default: "openai" as const,
    ...oneOf(["openai", "anthropic"]),
  },
  askModel: {
    name: "model",
    flags: "-m, --model <name>",
    commands: ["ask"],
    help: "the model name the endpoint serves",
    ...someText("a model name"),
  },
  prompt: {
    name: "prompt",
    flags: "-p, --prompt <text>",
    commands: ["ask"],
    help: "the question asked about the image (with --dataset: for cases without a prompt)",
    ...someText("a prompt that is not empty"),
  },
  system: {
    name: "system",
    flags: "--system <text>",
    commands: ["ask"],
    help: "a system prompt",
    ...someText("a system prompt that is not empty"),
  },
  apiKeyEnv: {
    name: "apiKeyEnv",
    flags: "--api-key-env <name>",
    commands: ["ask"],
    help: "the environment variable holding the API key, instead of OPENAI_API_KEY (--api openai) or ANTHROPIC_API_KEY (--api anthropic); when it is unset, no key is sent",
    ...envName(),
  },
  variants: {
    name: "variants",
    flags: "--client <variants>",
    commands: ["ask"],
    help: `payload variants to ask with: original (the source bytes, or an http(s) source's URL) and client paths (${CLIENT_NAMES.join(", ")})`,
    default: ["original", "pillow"] as VariantName[],
    defaultText: "original,pillow",
    ...variantList(),
  },
  runs: {
    name: "runs",
    flags: "--runs <count>",
    commands: ["ask"],
    help: "ask each variant this many times, to see how much the answers vary on their own",
    default: 1,
    ...numberIn({ min: 1, max: 100, integer: true }),
  },
  maxTokens: {
    name: "maxTokens",
    flags: "--max-tokens <count>",
    commands: ["ask"],
    help: "longest answer, in tokens",
    default: 512,
    ...numberIn({ min: 1, max: 1_000_000, integer: true }),
  },
  temperature: {
    name: "temperature",
    flags: "--temperature <0-2>",
    commands: ["ask"],
    help: "sampling temperature (OpenAI API; the current Anthropic Messages API takes none)",
    default: 0,
    ...numberIn({ min: 0, max: 2 }),
  },
  seed: {
    name: "seed",
    flags: "--seed <n>",
    commands: ["ask"],
    help: "sampling seed (OpenAI API; the Anthropic Messages API has none)",
    default: 0,
    ...numberIn({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }),
  },
  concurrency: {
    name: "concurrency",
    flags: "--concurrency <count>",
    commands: ["ask"],
    help: "model requests in flight at once",
    default: 4,
    ...numberIn({ min: 1, max: 256, integer: true }),
  },
  expect: {
    name: "expect",
    flags: "--expect <text>",
    commands: ["ask"],
    help: "pass when every answer contains this text (case, spacing and Unicode forms ignored)",
    ...someText("an expected text that is not empty"),
  },
  expectRegex: {
    name: "expectRegex",
    flags: "--expect-regex <re>",
    commands: ["ask"],
    help: "pass when every answer matches this regular expression (/re/flags for flags)",
    ...regularExpression(),
  },
  expectNumber: {
    name: "expectNumber",
    flags: "--expect-number <n[±tol]>",
    commands: ["ask"],
    help: "pass when every answer holds a number within the tolerance of n (1204.5±0.01)",
    ...expectedNumber(),
  },
  minAccuracy: {
    name: "minAccuracy",
    flags: "--min-accuracy <share|N%>",
    commands: ["ask"],
    help: "dataset gate: fail when a variant's accuracy is below this",
    ...shareOrPercent(),
  },
  maxAccuracyDrop: {
    name: "maxAccuracyDrop",
    flags: "--max-accuracy-drop <points>",
    commands: ["ask"],
    help: "dataset gate: fail when a variant's accuracy is more than this many percentage points below the first variant's",
    ...numberIn({ min: 0, max: 100, unit: "percentage points" }),
  },
  cacheDir: {
    name: "cacheDir",
    flags: "--cache-dir <dir>",
    commands: ["ask"],
    help: "where answers are kept, so a rerun asks only what it has not asked (never keys); --dataset uses $XDG_CACHE_HOME/imgenc/ask or ~/.cache/imgenc/ask unless told",
    ...someText("a folder path"),
  },
  request: {
    name: "request",
    flags: "--request <body.json>",
    commands: ["inspect"],
    help: "inspect every image in a saved API request body (OpenAI, Anthropic, Ollama) instead of <source>",
    ...pathName("a JSON file"),
  },
  listen: {
    name: "listen",
    flags: "--listen <host:port>",
    commands: ["proxy"],
    help: "address to listen on: a port, a host, or host:port",
    default: DEFAULT_LISTEN,
    defaultText: "127.0.0.1 and a free port",
    ...listenAddress(),
  },
  allowRemote: {
    name: "allowRemote",
    flags: "--allow-remote",
    commands: ["proxy"],
    help: "allow --listen on an address other than loopback (the proxy carries API keys)",
    ...onOff(),
  },
  upstream: {
    name: "upstream",
    flags: "--upstream <url>",
    commands: ["proxy"],
    help: "forward every request, unchanged, to this server (its path is prefixed); without it the proxy answers itself",
    ...httpUrl(),
  },
  maxBody: {
    name: "maxBody",
    flags: "--max-body <size>",
    commands: ["proxy"],
    help: "largest request body taken (e.g. 64MB); larger ones get a 413",
    default: DEFAULT_MAX_BODY,
    defaultText: "64MB",
    ...byteSize(),
  },
  log: {
    name: "log",
    flags: "--log <file.jsonl>",
    commands: ["proxy"],
    help: "write one JSON line per image",
    ...pathName("a file"),
  },
  saveImages: {
    name: "saveImages",
    flags: "--save-images <dir>",
    commands: ["proxy"],
    help: "write each image's bytes to this folder",
    ...pathName("a folder"),
  },
  failOn: {
    name: "failOn",
    flags: "--fail-on <codes>",
    commands: ["proxy", "compare", "check"],
    help: "gate: exit 1 when an image has a finding of this code or severity (or worse), comma-separated",
    ...findingGates(),
  },
  reporter: {
    name: "reporter",
    flags: "--reporter <name>",
    commands: ["compare", "check", "ask"],
    help: "github: also print GitHub Actions annotations, and append a Markdown summary to $GITHUB_STEP_SUMMARY when it is set",
    default: "text" as const,
    ...oneOf(["text", "github"]),
  },
  quiet: {
    name: "quiet",
    flags: "--quiet",
    commands: ["check"],
    help: "list only the images that failed or could not be read",
    ...onOff(),
  },
  verbose: {
    name: "verbose",
    flags: "--verbose",
    commands: ["check"],
    help: "list every image that passed (otherwise the first 10 are listed)",
    ...onOff(),
  },
  output: {
    name: "output",
    flags: "--output <file>",
    commands: ["compare", "check", "ask"],
    help: "write the --json or --jsonl output to this file instead of stdout",
    ...pathName("a file"),
  },
  minQuality: {
    name: "minQuality",
    flags: "--min-quality <1-100>",
    commands: ["proxy"],
    help: "gate: exit 1 when a JPEG or lossy WebP image was sent at a lower quality",
    ...numberIn({ min: 1, max: 100, integer: true }),
  },
} as const satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;

/** The library value of a setting. */
export type SettingValue<K extends SettingName> = NonNullable<
  ReturnType<(typeof SETTINGS)[K]["check"]>
>;

/** The settings imgenc.config.json takes (and per-glob overrides), in the table's order. */
export const CONFIG_KEYS = (Object.keys(SETTINGS) as SettingName[]).filter(
  (key) => "config" in SETTINGS[key],
) as ConfigKey[];

export type ConfigKey = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { config: true } ? K : never;
}[SettingName];

/** What every reading of a source takes: its deadline, retries and size limits. */
export const SOURCE_SETTINGS = [
  "timeoutMs",
  "retries",
  "maxInputBytes",
  "maxInputPixels",
] as const satisfies readonly SettingName[];

/** A setting's line in a command's --help. */
export function helpFor(setting: Setting<unknown>, command: CommandName): string {
  return setting.helpFor?.[command] ?? setting.help;
}

/**
 * The options of a library call checked against the table: a usage error naming the option as
 * the caller wrote it (`quality`, `jpeg.quality`) unless every value given is valid.
 */
export function validateOptions(options: object, keys: readonly SettingName[], prefix = ""): void {
  for (const key of keys) {
    const setting: Setting<unknown> = SETTINGS[key];
    const value = (options as Record<string, unknown>)[setting.name];
    if (value === undefined || setting.check(value) !== undefined) continue;
    throw new ImgencError(
      "usage",
      invalidValue(setting.expected, `${prefix}${setting.name}`, shownValue(value)),
    );
  }
}
