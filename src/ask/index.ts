import { ImgencError } from "../errors.js";
import type { DecodeOptions } from "../image/decode.js";
import type { JpegSettings } from "../payload/types.js";
import { SETTINGS, type SettingName, SOURCE_SETTINGS, validateOptions } from "../settings.js";
import { redactSpec } from "../source/redact.js";
import type { SourceOptions } from "../source/types.js";
import { AnswerCache } from "./cache.js";
import { hasExpectation } from "./judge.js";
import { type AskContext, askImage, limiter, refusedEverything } from "./run.js";
import type { AskApi, AskResult, AskSettings, Expectation, VariantName } from "./types.js";

/** What `ask` and `askDataset` share: the endpoint, the model, and how to ask. */
export interface AskRequestOptions extends SourceOptions, DecodeOptions {
  /** The API base URL: http://127.0.0.1:8000/v1 (vLLM), https://api.anthropic.com. */
  endpoint: string;
  /** The model name the endpoint serves. */
  model: string;
  /** Default "openai" (chat completions); "anthropic" (Messages). */
  api?: AskApi;
  /** The key to send; undefined sends none. The caller reads it from the environment. */
  apiKey?: string;
  /** The variable the key came from, for messages; default OPENAI_API_KEY / ANTHROPIC_API_KEY. */
  apiKeyEnv?: string;
  /** Default ["original", "pillow"]. */
  variants?: VariantName[];
  system?: string;
  /** Default 512. */
  maxTokens?: number;
  /** Default 0; not sent to the Anthropic API, which takes none. */
  temperature?: number;
  /** Default 0; not sent to the Anthropic API, which takes none. */
  seed?: number;
  /** Each variant asked this many times; default 1. */
  runs?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** The `pillow` client path's JPEG settings. */
  jpeg?: JpegSettings;
  /** A folder keeping answers so that a rerun asks only what it has not asked; default none. */
  cache?: string | false;
}

export interface AskOptions extends AskRequestOptions {
  prompt: string;
  expect?: Expectation;
}

/** The settings every ask validates against the table. */
const ASK_SETTINGS = [
  ...SOURCE_SETTINGS,
  "endpoint",
  "api",
  "askModel",
  "system",
  "apiKeyEnv",
  "variants",
  "runs",
  "maxTokens",
  "temperature",
  "seed",
  "concurrency",
] as const satisfies readonly SettingName[];

/** The key's variable by API, as the SDKs read it. */
export function defaultKeyEnv(api: AskApi): string {
  return api === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
}

function required(options: Partial<AskRequestOptions>, name: "endpoint" | "model"): void {
  if (options[name] === undefined)
    throw new ImgencError("usage", `ask needs ${name === "endpoint" ? "an endpoint" : "a model"}`);
}

export function validateExpectation(expectation: Expectation | undefined, prefix: string): void {
  if (expectation === undefined) return;
  validateOptions(
    {
      expect: expectation.text,
      expectRegex: expectation.regex,
      expectNumber: expectation.number,
    },
    ["expect", "expectRegex", "expectNumber"],
    prefix,
  );
}

/** The options checked, defaults applied, and what every question shares. */
export function askContext(options: AskRequestOptions): AskContext {
  validateOptions(options, ASK_SETTINGS);
  required(options, "endpoint");
  required(options, "model");
  if (options.jpeg) validateOptions(options.jpeg, ["quality", "subsampling"], "jpeg.");
  const api = options.api ?? SETTINGS.api.default;
  const anthropic = api === "anthropic";
  const concurrency = options.concurrency ?? SETTINGS.concurrency.default;
  const apiKey = options.apiKey === "" ? undefined : options.apiKey;
  const settings: AskSettings = {
    api,
    endpoint: redactSpec(options.endpoint),
    model: options.model,
    system: options.system ?? null,
    maxTokens: options.maxTokens ?? SETTINGS.maxTokens.default,
    temperature: anthropic ? null : (options.temperature ?? SETTINGS.temperature.default),
    seed: anthropic ? null : (options.seed ?? SETTINGS.seed.default),
    runs: options.runs ?? SETTINGS.runs.default,
    timeoutMs: options.timeoutMs ?? SETTINGS.timeoutMs.default,
    retries: options.retries ?? SETTINGS.retries.default,
    concurrency,
    apiKeyEnv: options.apiKeyEnv ?? defaultKeyEnv(api),
    keySent: apiKey !== undefined,
  };
  const source: SourceOptions & DecodeOptions = {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.maxInputBytes !== undefined && { maxInputBytes: options.maxInputBytes }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
    ...(options.stdin !== undefined && { stdin: options.stdin }),
    ...(options.retryClock !== undefined && { retryClock: options.retryClock }),
  };
  return {
    settings,
    endpoint: options.endpoint,
    apiKey,
    variants: options.variants ?? SETTINGS.variants.default,
    source,
    jpeg: options.jpeg,
    limit: limiter(concurrency),
    cache: options.cache ? new AnswerCache(options.cache) : undefined,
  };
}

/**
 * Ask a model the same question about one image with each payload variant (the source as it
 * is, or its URL; each client path's exact payload) and compare the answers: against the
 * expectation when given, else with each other. Rejects with an ImgencError when the source
 * cannot be read or when no request got an answer (the endpoint refused every one: its reason).
 */
export async function ask(source: string, options: AskOptions): Promise<AskResult> {
  const context = askContext(options);
  validateOptions(options, ["prompt"]);
  if (options.prompt === undefined) throw new ImgencError("usage", "ask needs a prompt");
  validateExpectation(options.expect, "expect.");
  const { source: sourceReport, variants } = await askImage(
    source,
    options.prompt,
    options.expect,
    context,
  );
  const refused = refusedEverything(
    variants.flatMap((v) => v.runs),
    context.settings.endpoint,
  );
  if (refused) throw refused;
  const agree = variants.every((v) => v.agrees);
  return {
    report: {
      settings: context.settings,
      source: sourceReport,
      prompt: options.prompt,
      expectation: hasExpectation(options.expect) ? options.expect : null,
      variants,
      agree,
      passed: variants.every((v) => v.status === "passed"),
    },
  };
}
