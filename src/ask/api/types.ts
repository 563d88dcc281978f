import type { AskFailure, Usage } from "../types.js";
import type { ImagePart } from "../variants.js";

/** One question about one image, as both APIs take it. */
export interface ChatRequest {
  endpoint: string;
  model: string;
  /** The key to send, or undefined to send none. */
  apiKey: string | undefined;
  /** Where the key came from, for error messages. */
  apiKeyEnv: string;
  prompt: string;
  system: string | undefined;
  image: ImagePart;
  maxTokens: number;
  temperature: number;
  seed: number;
  timeoutMs: number;
  retries: number;
}

export interface ChatAnswer {
  text: string;
  usage: Usage | null;
  finishReason: string | null;
  attempts: number;
}

/** A request that got no answer, with the attempts it made. */
export class ChatError extends Error {
  override readonly name = "ChatError";
  constructor(
    readonly failure: AskFailure,
    readonly attempts: number,
  ) {
    super(failure.message);
  }
}

export type Chat = (request: ChatRequest) => Promise<ChatAnswer>;
