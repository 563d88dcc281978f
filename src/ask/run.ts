import { ImgencError, withInput } from "../errors.js";
import { type DecodeOptions, decode } from "../image/decode.js";
import type { JpegSettings } from "../payload/types.js";
import { readSource } from "../source/index.js";
import type { SourceOptions } from "../source/types.js";
import { askAnthropic } from "./api/anthropic.js";
import { askOpenai } from "./api/openai.js";
import { type Chat, ChatError, type ChatRequest } from "./api/types.js";
import { type AnswerCache, type CacheKey, cacheEndpoint } from "./cache.js";
import { distinctAnswers, hasExpectation, meets, normalise, similarity } from "./judge.js";
import type {
  AskFailure,
  AskSettings,
  AskSourceReport,
  Expectation,
  RunReport,
  VariantName,
  VariantReport,
} from "./types.js";
import { buildVariants, type Variant } from "./variants.js";

/** At most `limit` tasks at once, in the order they were queued. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** What every question of a run shares. */
export interface AskContext {
  settings: AskSettings;
  /** The endpoint as sent (unmasked) and the key, kept out of `settings`. */
  endpoint: string;
  apiKey: string | undefined;
  variants: readonly VariantName[];
  source: SourceOptions & DecodeOptions;
  jpeg: JpegSettings | undefined;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  cache: AnswerCache | undefined;
}

const CHATS: Record<AskSettings["api"], Chat> = { openai: askOpenai, anthropic: askAnthropic };

function sha256Of(variant: Variant): string {
  return variant.facts.sha256;
}

async function askOnce(
  context: AskContext,
  variant: Variant,
  prompt: string,
  run: number,
  expectation: Expectation | undefined,
): Promise<RunReport> {
  const { settings } = context;
  const key: CacheKey = {
    api: settings.api,
    endpoint: cacheEndpoint(context.endpoint),
    model: settings.model,
    payload: sha256Of(variant),
    prompt,
    system: settings.system,
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    seed: settings.seed,
    run,
  };
  const judged = (answer: string) =>
    hasExpectation(expectation) ? { met: meets(answer, expectation) } : {};
  const cached = await context.cache?.get(key);
  if (cached !== undefined) {
    return {
      run,
      answer: cached.answer,
      latencyMs: cached.latencyMs,
      attempts: 0,
      usage: cached.usage,
      finishReason: cached.finishReason,
      cached: true,
      ...judged(cached.answer),
    };
  }
  const request: ChatRequest = {
    endpoint: context.endpoint,
    model: settings.model,
    apiKey: context.apiKey,
    apiKeyEnv: settings.apiKeyEnv,
    prompt,
    system: settings.system ?? undefined,
    image: variant.part,
    maxTokens: settings.maxTokens,
    temperature: settings.temperature ?? 0,
    seed: settings.seed ?? 0,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
  };
  return context.limit(async () => {
    const started = performance.now();
    try {
      const answer = await CHATS[settings.api](request);
      const latencyMs = Math.round(performance.now() - started);
      await context.cache?.set(key, {
        answer: answer.text,
        usage: answer.usage,
        finishReason: answer.finishReason,
        latencyMs,
      });
      return {
        run,
        answer: answer.text,
        latencyMs,
        attempts: answer.attempts,
        usage: answer.usage,
        finishReason: answer.finishReason,
        cached: false,
        ...judged(answer.text),
      };
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      return {
        run,
        answer: null,
        error: error.failure,
        latencyMs: Math.round(performance.now() - started),
        attempts: error.attempts,
        usage: null,
        finishReason: null,
        cached: false,
      };
    }
  });
}

/** The verdicts of every variant, the first variant's answer being the reference. */
function judgeVariants(
  variants: readonly Variant[],
  runs: RunReport[][],
  expectation: Expectation | undefined,
): VariantReport[] {
  const answersOf = (list: RunReport[]) =>
    list.flatMap((r) => (r.answer === null ? [] : [r.answer]));
  const reference = distinctAnswers(answersOf(runs[0] ?? []))[0]?.answer;
  return variants.map((variant, i) => {
    const list = runs[i] ?? [];
    const answers = distinctAnswers(answersOf(list));
    const failed = list.some((r) => r.error !== undefined);
    const agrees =
      !failed &&
      reference !== undefined &&
      list.every((r) => r.answer !== null && normalise(r.answer) === normalise(reference));
    const top = answers[0]?.answer;
    const report: VariantReport = {
      variant: variant.name,
      payload: variant.facts,
      runs: list,
      answers,
      status: "passed",
      agrees,
      similarity: top === undefined || reference === undefined ? null : similarity(top, reference),
    };
    if (hasExpectation(expectation)) {
      report.met = list.filter((r) => r.met === true).length;
      report.status = failed ? "error" : report.met === list.length ? "passed" : "failed";
    } else {
      report.status = failed ? "error" : agrees ? "passed" : "failed";
    }
    return report;
  });
}

/** One image, one prompt: every variant asked `runs` times. */
export async function askImage(
  spec: string,
  prompt: string,
  expectation: Expectation | undefined,
  context: AskContext,
): Promise<{ source: AskSourceReport; variants: VariantReport[] }> {
  const source = await readSource(spec, context.source);
  const image = await withInput(source.input, decode(source.bytes, context.source));
  const variants = await buildVariants(
    spec,
    source,
    image,
    context.variants,
    context.settings.api,
    context.jpeg,
  );
  const runs = await Promise.all(
    variants.map((variant) =>
      Promise.all(
        Array.from({ length: context.settings.runs }, (_, i) =>
          askOnce(context, variant, prompt, i + 1, expectation),
        ),
      ),
    ),
  );
  return {
    source: {
      input: source.input,
      kind: source.kind,
      mime: image.info.mime,
      width: image.width,
      height: image.height,
      bytes: source.bytes.length,
    },
    variants: judgeVariants(variants, runs, expectation),
  };
}

/**
 * When no request got an answer, the endpoint cannot be used at all: its reason (the key
 * refused, the model unknown, nothing listening) is an error of the run, not a verdict.
 */
export function refusedEverything(
  runs: readonly RunReport[],
  endpoint: string,
): ImgencError | undefined {
  if (runs.length === 0 || runs.some((r) => r.error === undefined)) return undefined;
  const failure = runs[0]?.error as AskFailure;
  return new ImgencError(failure.code, `every request failed: ${failure.message}`, {
    input: endpoint,
  });
}
