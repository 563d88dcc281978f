import OpenAI from "openai";
import { partText } from "../variants.js";
import { badShape, boundedFetch, type Exchange, failureOf, usageOf } from "./transport.js";
import { type ChatAnswer, ChatError, type ChatRequest } from "./types.js";

/**
 * One question over OpenAI chat completions (vLLM, Ollama's /v1, llama.cpp server, LM Studio,
 * OpenAI) with the official SDK: its retries (connection failures, timeouts, 408, 409, 429,
 * 5xx) with exponential backoff, honouring Retry-After and retry-after-ms. The key goes as
 * `Authorization: Bearer`; without one no Authorization header is sent, and nothing is read
 * from OPENAI_ORG_ID, OPENAI_PROJECT_ID or OPENAI_ADMIN_KEY.
 */
export async function askOpenai(request: ChatRequest): Promise<ChatAnswer> {
  const exchange: Exchange = { attempts: 0 };
  const client = new OpenAI({
    baseURL: request.endpoint,
    apiKey: request.apiKey ?? "unused",
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: request.retries,
    timeout: Math.ceil(request.timeoutMs),
    fetch: boundedFetch(exchange, request.timeoutMs),
    logLevel: "off",
    ...(request.apiKey === undefined && { defaultHeaders: { Authorization: null } }),
  });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (request.system !== undefined) messages.push({ role: "system", content: request.system });
  messages.push({
    role: "user",
    content: [
      { type: "text", text: request.prompt },
      { type: "image_url", image_url: { url: partText(request.image) } },
    ],
  });
  try {
    const completion = await client.chat.completions.create({
      model: request.model,
      messages,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      seed: request.seed,
    });
    const choice = (completion as { choices?: unknown }).choices;
    const first = Array.isArray(choice) ? (choice[0] as OpenAI.Chat.ChatCompletion.Choice) : null;
    const content = first?.message?.content;
    if (first === null || first === undefined || (content !== null && typeof content !== "string"))
      throw badShape("choices[0].message.content");
    return {
      text: content ?? "",
      usage: usageOf((completion as { usage?: unknown }).usage),
      finishReason: typeof first.finish_reason === "string" ? first.finish_reason : null,
      attempts: exchange.attempts,
    };
  } catch (error) {
    throw new ChatError(failureOf(error, exchange, request), exchange.attempts);
  }
}
