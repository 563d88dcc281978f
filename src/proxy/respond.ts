/**
 * The proxy's own answers, in each API's shape: a minimal valid response whose text is what
 * the proxy saw (when there is no upstream), and errors (413, 502) a client's SDK can parse.
 */
import { randomUUID } from "node:crypto";
import type { ApiKind } from "./request.js";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The body, or the chunks of a stream in order. */
  chunks: string[];
}

const JSON_TYPE = { "content-type": "application/json" };
const SSE_TYPE = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const NDJSON_TYPE = { "content-type": "application/x-ndjson" };

function id(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, "").slice(0, 24)}`;
}

function data(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function event(name: string, value: unknown): string {
  return `event: ${name}\n${data(value)}`;
}

function openaiChat(text: string, model: string, stream: boolean, usage: boolean): Answer {
  const common = {
    id: id("chatcmpl-"),
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: null,
  };
  if (!stream) {
    const body = {
      ...common,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
    return { status: 200, headers: JSON_TYPE, chunks: [JSON.stringify(body)] };
  }
  const chunk = (choices: unknown[], extra: object = {}) =>
    data({ ...common, object: "chat.completion.chunk", choices, ...extra });
  const chunks = [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: text }, finish_reason: null }]),
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
  ];
  if (usage) {
    chunks.push(chunk([], { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }));
  }
  chunks.push("data: [DONE]\n\n");
  return { status: 200, headers: SSE_TYPE, chunks };
}

function openaiResponses(text: string, model: string, stream: boolean): Answer {
  const created = Math.floor(Date.now() / 1000);
  const part = { type: "output_text", text, annotations: [], logprobs: [] };
  const item = {
    type: "message",
    id: id("msg_"),
    status: "completed",
    role: "assistant",
    content: [part],
  };
  const usage = {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  const response = {
    id: id("resp_"),
    object: "response",
    created_at: created,
    status: "completed",
    error: null,
    incomplete_details: null,
    model,
    output: [item],
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
    usage,
  };
  if (!stream) return { status: 200, headers: JSON_TYPE, chunks: [JSON.stringify(response)] };
  let sequence = 0;
  const send = (type: string, fields: object) =>
    event(type, { type, sequence_number: sequence++, ...fields });
  const started = { ...response, status: "in_progress", output: [], usage: null };
  const empty = { ...item, status: "in_progress", content: [] };
  const at = { item_id: item.id, output_index: 0, content_index: 0 };
  return {
    status: 200,
    headers: SSE_TYPE,
    chunks: [
      send("response.created", { response: started }),
      send("response.in_progress", { response: started }),
      send("response.output_item.added", { output_index: 0, item: empty }),
      send("response.content_part.added", { ...at, part: { ...part, text: "" } }),
      send("response.output_text.delta", { ...at, delta: text, logprobs: [] }),
      send("response.output_text.done", { ...at, text, logprobs: [] }),
      send("response.content_part.done", { ...at, part }),
      send("response.output_item.done", { output_index: 0, item }),
      send("response.completed", { response }),
    ],
  };
}

function anthropic(text: string, model: string, stream: boolean): Answer {
  const message = {
    id: id("msg_"),
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  if (!stream) return { status: 200, headers: JSON_TYPE, chunks: [JSON.stringify(message)] };
  const send = (type: string, fields: object) => event(type, { type, ...fields });
  return {
    status: 200,
    headers: SSE_TYPE,
    chunks: [
      send("message_start", {
        message: { ...message, content: [], stop_reason: null },
      }),
      send("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      send("content_block_delta", { index: 0, delta: { type: "text_delta", text } }),
      send("content_block_stop", { index: 0 }),
      send("message_delta", {
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 0 },
      }),
      send("message_stop", {}),
    ],
  };
}

function ollama(
  api: "ollama-chat" | "ollama-generate",
  text: string,
  model: string,
  stream: boolean,
) {
  const created_at = new Date().toISOString();
  const content = (value: string) =>
    api === "ollama-chat"
      ? { message: { role: "assistant", content: value } }
      : { response: value };
  const done = {
    model,
    created_at,
    ...content(""),
    done: true,
    done_reason: "stop",
    total_duration: 0,
    prompt_eval_count: 0,
    eval_count: 0,
  };
  if (!stream) {
    return {
      status: 200,
      headers: JSON_TYPE,
      chunks: [JSON.stringify({ ...done, ...content(text) })],
    };
  }
  const line = (value: object) => `${JSON.stringify(value)}\n`;
  return {
    status: 200,
    headers: NDJSON_TYPE,
    chunks: [line({ model, created_at, ...content(text), done: false }), line(done)],
  };
}

/** A minimal successful answer in the API's shape whose text is `text`. */
export function answer(
  api: ApiKind,
  text: string,
  request: { model?: string | undefined; stream: boolean; usage?: boolean },
): Answer {
  const model = request.model ?? "imgenc-proxy";
  switch (api) {
    case "openai-chat":
      return openaiChat(text, model, request.stream, request.usage ?? false);
    case "openai-responses":
      return openaiResponses(text, model, request.stream);
    case "anthropic":
      return anthropic(text, model, request.stream);
    case "ollama-chat":
    case "ollama-generate":
      return ollama(api, text, model, request.stream);
  }
}

/** An error in the API's own shape (OpenAI's for anything unknown). */
export function errorAnswer(api: ApiKind | undefined, status: number, message: string): Answer {
  const type =
    status === 413 ? "request_too_large" : status === 404 ? "not_found_error" : "api_error";
  const body =
    api === "anthropic"
      ? { type: "error", error: { type, message } }
      : api === "ollama-chat" || api === "ollama-generate"
        ? { error: message }
        : { error: { message, type, param: null, code: null } };
  return { status, headers: JSON_TYPE, chunks: [JSON.stringify(body)] };
}
