import Anthropic from "@anthropic-ai/sdk";
import { badShape, boundedFetch, type Exchange, failureOf, usageOf } from "./transport.js";
import { type ChatAnswer, ChatError, type ChatRequest } from "./types.js";

/**
 * The SDK without its default credential chain: with no key given it would look for a profile
 * on disk and send that credential to whatever endpoint is named.
 */
class KeyOnlyAnthropic extends Anthropic {
  protected override _shouldResolveDefaultCredentials(): boolean {
    return false;
  }
}

type MediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

/**
 * The SDK posts to `<base>/v1/messages`: an endpoint written with its /v1 (as the OpenAI API
 * wants it) loses it here, so one --endpoint serves both APIs.
 */
function anthropicBase(endpoint: string): string {
  return endpoint.replace(/\/v1\/?$/, "");
}

/**
 * One question over the Anthropic Messages API with the official SDK (its retries and
 * Retry-After handling as for OpenAI). The image goes first, as Anthropic's documentation
 * advises: a base64 source or a url source. The Messages API takes no seed, and
 * the current API no temperature (deprecated, and gone from the SDK's types): neither is sent.
 */
export async function askAnthropic(request: ChatRequest): Promise<ChatAnswer> {
  const exchange: Exchange = { attempts: 0 };
  const client = new KeyOnlyAnthropic({
    baseURL: anthropicBase(request.endpoint),
    apiKey: request.apiKey ?? null,
    authToken: null,
    maxRetries: request.retries,
    timeout: Math.ceil(request.timeoutMs),
    fetch: boundedFetch(exchange, request.timeoutMs),
    logLevel: "off",
    ...(request.apiKey === undefined && { defaultHeaders: { Authorization: null } }),
  });
  const { image } = request;
  const source: Anthropic.ImageBlockParam["source"] =
    image.kind === "url"
      ? { type: "url", url: image.url }
      : image.kind === "base64"
        ? { type: "base64", media_type: image.mediaType as MediaType, data: image.data }
        : { type: "url", url: image.text };
  try {
    const message = await client.messages.create({
      model: request.model,
      max_tokens: request.maxTokens,
      ...(request.system !== undefined && { system: request.system }),
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source },
            { type: "text", text: request.prompt },
          ],
        },
      ],
    });
    const content = (message as { content?: unknown }).content;
    if (!Array.isArray(content)) throw badShape("content array");
    const text = content
      .filter((block): block is { type: "text"; text: string } => block?.type === "text")
      .map((block) => (typeof block.text === "string" ? block.text : ""))
      .join("");
    const stop = (message as { stop_reason?: unknown }).stop_reason;
    return {
      text,
      usage: usageOf((message as { usage?: unknown }).usage),
      finishReason: typeof stop === "string" ? stop : null,
      attempts: exchange.attempts,
    };
  } catch (error) {
    throw new ChatError(failureOf(error, exchange, request), exchange.attempts);
  }
}
