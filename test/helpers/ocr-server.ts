import { createHash, randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import { sniffFormat } from "../../src/image/format.js";
import { pillowRgbOnWhite } from "../../src/models/pillow-resize.js";
import { readText } from "./tesseract.js";

/**
 * A vision model on 127.0.0.1 that speaks OpenAI's chat completions (`POST /v1/chat/completions`)
 * and Anthropic's Messages API (`POST /v1/messages`) as documented: request validation, API keys,
 * error bodies, usage. Its answer to any question about an image is the text Tesseract reads from
 * it, after decoding it as a Pillow-based server does (imgenc's decode, RGBA pasted on white
 * as qwen-vl-utils does), so the answer depends on the pixels the payload carries.
 */

/** What the server does with one request, by its position in `script`. */
type Behaviour =
  /** Validate, decode, OCR and answer: the model. */
  | "ocr"
  /** Validate, then answer this text without OCR. */
  | { text: string }
  /** Answer an error in the API's own shape; 429 and 5xx may carry Retry-After. */
  | { status: number; message?: string; retryAfter?: string; retryAfterMs?: string }
  /** Read the request and never answer (until `close()`): for timeouts. */
  | "hang"
  /** Answer 200 with a body that is not JSON. */
  | "malformed"
  /** Validate, then answer a text of this many bytes (no OCR). */
  | { huge: number };

export interface OcrServerOptions {
  /** The key requests must carry (Bearer / x-api-key); without it any key, or none, is taken. */
  apiKey?: string;
  /** The model names served; any other name is a 404. Default `["tesseract"]`. */
  models?: string[];
  /** The behaviour of the nth API request (0-based, both APIs counted together). */
  script?: Behaviour[];
  /** The behaviour of requests past the end of `script`. Default "ocr". */
  otherwise?: Behaviour;
  /** Wait this long before answering each request. */
  delayMs?: number;
  /** The port on 127.0.0.1; default a free one. */
  port?: number;
}

/** One image of a request, as the server received it. */
interface ReceivedImage {
  /** "data-uri" (OpenAI image_url with data:), "base64" (Anthropic source), or "url". */
  kind: "data-uri" | "base64" | "url";
  /** The data URI's text before the base64 ("data:image;base64,"), for kind "data-uri". */
  prefix?: string;
  /** Anthropic's `media_type`, for kind "base64". */
  mediaType?: string;
  /** The URL the server fetched, for kind "url". */
  url?: string;
  /** The exact bytes: decoded from base64, or the fetched body. */
  bytes: Buffer;
}

/** Everything the server saw of one request, and what it answered. */
interface ReceivedRequest {
  /** Position among API requests, 0-based. */
  index: number;
  api: "openai" | "anthropic" | "other";
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  images: ReceivedImage[];
  /** The text parts of the messages, in order. */
  texts: string[];
  status?: number;
  /** The answer text, when one was given. */
  answer?: string;
}

export interface OcrServer {
  /** `http://127.0.0.1:<port>`: OpenAI's base URL is `${url}/v1`, Anthropic's is `url`. */
  url: string;
  requests: ReceivedRequest[];
  /** Every URL the server fetched, in order. */
  fetched: string[];
  /** The most requests that were in flight at once. */
  maxInFlight: number;
  /** Tesseract processes started (answers are cached by the pixels read). */
  ocrRuns: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;
const ANTHROPIC_MEDIA_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** A request the server refuses, answered as an error body in the API's shape. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly openai: { type?: string; code?: string | null; param?: string | null } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const invalid = (message: string, param: string | null = null) =>
  new Refusal(400, message, { type: "invalid_request_error", param });

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export async function startOcrServer(options: OcrServerOptions = {}): Promise<OcrServer> {
  const models = options.models ?? ["tesseract"];
  const requests: ReceivedRequest[] = [];
  const fetched: string[] = [];
  const ocrCache = new Map<string, Promise<string>>();
  let inFlight = 0;
  let ocrQueue: Promise<unknown> = Promise.resolve();
  const state = { maxInFlight: 0, ocrRuns: 0 };

  /** One Tesseract at a time: the machine is small, and the answer does not depend on it. */
  function ocr(png: Buffer): Promise<string> {
    const key = createHash("sha256").update(png).digest("hex");
    let answer = ocrCache.get(key);
    if (answer === undefined) {
      answer = ocrQueue.then(() => {
        state.ocrRuns++;
        return readText(png);
      });
      ocrQueue = answer.catch(() => undefined);
      ocrCache.set(key, answer);
    }
    return answer;
  }

  async function fetchImage(url: string, api: "openai" | "anthropic"): Promise<Buffer> {
    const failed = (why: string) =>
      api === "openai"
        ? new Refusal(400, `Error while downloading ${url}.`, {
            type: "invalid_request_error",
            code: "invalid_image_url",
            param: null,
          })
        : invalid(`Unable to download the file. Please verify the URL and try again. (${why})`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw failed("not a URL");
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.hostname !== "127.0.0.1") {
      throw failed("only http(s)://127.0.0.1 is fetched here");
    }
    fetched.push(url);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw failed((error as Error).message);
    }
  }

  /** Decode as a Pillow-based server does, paste RGBA on white, and read the text. */
  async function answerImage(bytes: Buffer, api: "openai" | "anthropic"): Promise<string> {
    let png: Buffer;
    try {
      const view = pillowRgbOnWhite(await decode(bytes));
      png = await sharp(view.rgb, { raw: { width: view.width, height: view.height, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toBuffer();
    } catch {
      throw api === "openai"
        ? new Refusal(
            400,
            "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
            { type: "invalid_request_error", code: "invalid_image_format", param: null },
          )
        : invalid("Could not process image");
    }
    return ocr(png);
  }

  function checkNumber(
    body: Json,
    name: string,
    check: (v: number) => boolean,
    expected: string,
  ): void {
    const value = body[name];
    if (value === undefined || value === null) return;
    if (typeof value !== "number" || !check(value)) {
      throw invalid(`Invalid '${name}': expected ${expected}, got ${JSON.stringify(value)}.`, name);
    }
  }

  /** OpenAI: returns the images and texts of a valid request, or throws a Refusal. */
  async function readOpenai(body: Json, seen: ReceivedRequest): Promise<void> {
    if (typeof body.model !== "string" || body.model === "") {
      throw invalid("you must provide a model parameter", "model");
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw invalid(
        "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        "messages",
      );
    }
    checkNumber(body, "temperature", (v) => v >= 0 && v <= 2, "a number between 0 and 2");
    checkNumber(body, "top_p", (v) => v >= 0 && v <= 1, "a number between 0 and 1");
    checkNumber(body, "seed", Number.isInteger, "an integer");
    checkNumber(body, "max_tokens", (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
    checkNumber(
      body,
      "max_completion_tokens",
      (v) => Number.isInteger(v) && v >= 1,
      "an integer >= 1",
    );
    checkNumber(body, "n", (v) => v === 1, "1 (this server answers one choice)");
    if (body.stream !== undefined && body.stream !== null && body.stream !== false) {
      throw invalid("Invalid 'stream': this server does not stream; send stream: false.", "stream");
    }
    const pending: (() => Promise<void>)[] = [];
    body.messages.forEach((message: unknown, i: number) => {
      const param = `messages[${i}]`;
      if (!isObject(message)) throw invalid(`Invalid '${param}': expected an object.`, param);
      if (!["system", "developer", "user", "assistant"].includes(message.role as string)) {
        throw invalid(
          `Invalid value: '${String(message.role)}'. Supported values are: 'system', 'developer', 'user' and 'assistant'.`,
          `${param}.role`,
        );
      }
      const content = message.content;
      if (typeof content === "string") {
        seen.texts.push(content);
        return;
      }
      if (!Array.isArray(content)) {
        throw invalid(
          `Invalid '${param}.content': expected a string or an array of parts.`,
          `${param}.content`,
        );
      }
      content.forEach((part: unknown, j: number) => {
        const at = `${param}.content[${j}]`;
        if (!isObject(part)) throw invalid(`Invalid '${at}': expected an object.`, at);
        if (part.type === "text" && typeof part.text === "string") {
          seen.texts.push(part.text);
          return;
        }
        if (part.type !== "image_url") {
          throw invalid(
            `Invalid value: '${String(part.type)}'. Supported values are: 'text' and 'image_url'.`,
            `${at}.type`,
          );
        }
        if (message.role !== "user") {
          throw invalid(
            `Invalid '${at}': image content parts are only allowed in user messages.`,
            at,
          );
        }
        const image = part.image_url;
        if (!isObject(image) || typeof image.url !== "string") {
          throw invalid(
            `Missing required parameter: '${at}.image_url.url'.`,
            `${at}.image_url.url`,
          );
        }
        if (
          image.detail !== undefined &&
          !["auto", "low", "high"].includes(image.detail as string)
        ) {
          throw invalid(
            `Invalid value: '${String(image.detail)}'. Supported values are: 'auto', 'low' and 'high'.`,
            `${at}.image_url.detail`,
          );
        }
        const url = image.url;
        const received: ReceivedImage = { kind: "url", bytes: Buffer.alloc(0) };
        seen.images.push(received);
        if (url.startsWith("data:")) {
          const match = /^(data:[^,]*;base64,)([A-Za-z0-9+/]*={0,2})$/.exec(url);
          if (match === null) {
            throw new Refusal(
              400,
              "Invalid image URL: expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...').",
              {
                type: "invalid_request_error",
                code: "invalid_image_url",
                param: `${at}.image_url.url`,
              },
            );
          }
          received.kind = "data-uri";
          received.prefix = match[1] as string;
          received.bytes = Buffer.from(match[2] as string, "base64");
        } else {
          received.url = url;
          pending.push(async () => {
            received.bytes = await fetchImage(url, "openai");
          });
        }
      });
    });
    if (!models.includes(body.model)) {
      throw new Refusal(
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        {
          type: "invalid_request_error",
          code: "model_not_found",
          param: null,
        },
      );
    }
    await Promise.all(pending.map((run) => run()));
  }

  /** Anthropic Messages: the same, with its own rules. */
  async function readAnthropic(body: Json, seen: ReceivedRequest): Promise<void> {
    if (typeof body.model !== "string" || body.model === "") throw invalid("model: Field required");
    if (typeof body.max_tokens !== "number") throw invalid("max_tokens: Field required");
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      throw invalid("max_tokens: Input should be greater than or equal to 1");
    }
    checkNumber(body, "temperature", (v) => v >= 0 && v <= 1, "a number between 0 and 1");
    if (body.stream === true) throw invalid("stream: this server does not stream");
    if (body.system !== undefined) {
      if (typeof body.system === "string") seen.texts.push(body.system);
      else if (Array.isArray(body.system)) {
        for (const block of body.system) {
          if (!isObject(block) || block.type !== "text" || typeof block.text !== "string") {
            throw invalid("system: Input should be a valid list of text blocks");
          }
          seen.texts.push(block.text);
        }
      } else throw invalid("system: Input should be a valid string");
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw invalid("messages: at least one message is required");
    }
    const pending: (() => Promise<void>)[] = [];
    body.messages.forEach((message: unknown, i: number) => {
      if (!isObject(message)) throw invalid(`messages.${i}: Input should be a valid dictionary`);
      if (message.role !== "user" && message.role !== "assistant") {
        throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
      }
      const content = message.content;
      if (typeof content === "string") {
        seen.texts.push(content);
        return;
      }
      if (!Array.isArray(content))
        throw invalid(`messages.${i}.content: Input should be a valid list`);
      content.forEach((block: unknown, j: number) => {
        const at = `messages.${i}.content.${j}`;
        if (!isObject(block)) throw invalid(`${at}: Input should be a valid dictionary`);
        if (block.type === "text") {
          if (typeof block.text !== "string") throw invalid(`${at}.text: Field required`);
          seen.texts.push(block.text);
          return;
        }
        if (block.type !== "image") {
          throw invalid(
            `${at}.type: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags: 'text', 'image'`,
          );
        }
        const source = block.source;
        if (!isObject(source)) throw invalid(`${at}.source: Field required`);
        if (source.type === "base64") {
          if (!ANTHROPIC_MEDIA_TYPES.includes(source.media_type as string)) {
            throw invalid(
              `${at}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
            );
          }
          if (typeof source.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(source.data)) {
            throw invalid(`${at}.source.base64.data: invalid base64 data`);
          }
          const bytes = Buffer.from(source.data, "base64");
          const sniffed = sniffFormat(bytes);
          if (`image/${sniffed}` !== source.media_type) {
            throw invalid(
              `${at}.source.base64.data: Image does not match the provided media type ${String(source.media_type)}`,
            );
          }
          seen.images.push({ kind: "base64", mediaType: source.media_type as string, bytes });
        } else if (source.type === "url") {
          if (typeof source.url !== "string") throw invalid(`${at}.source.url.url: Field required`);
          const received: ReceivedImage = { kind: "url", url: source.url, bytes: Buffer.alloc(0) };
          seen.images.push(received);
          const url = source.url;
          pending.push(async () => {
            received.bytes = await fetchImage(url, "anthropic");
          });
        } else {
          throw invalid(
            `${at}.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url'`,
          );
        }
      });
    });
    if (!models.includes(body.model)) throw new Refusal(404, `model: ${body.model}`);
    await Promise.all(pending.map((run) => run()));
  }

  function authenticate(api: "openai" | "anthropic", headers: IncomingHttpHeaders): void {
    if (api === "anthropic" && headers["anthropic-version"] === undefined) {
      throw invalid("anthropic-version: header is required");
    }
    if (options.apiKey === undefined) return;
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (api === "anthropic") {
      // The API takes x-api-key; @anthropic-ai/sdk 1.x sends the key as a Bearer token.
      const key = headers["x-api-key"] ?? bearer;
      if (key === undefined) throw new Refusal(401, "x-api-key header is required");
      if (key !== options.apiKey) throw new Refusal(401, "invalid x-api-key");
      return;
    }
    if (bearer === undefined) {
      throw new Refusal(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        { type: "invalid_request_error", code: null, param: null },
      );
    }
    const key = bearer;
    if (key !== options.apiKey) {
      // OpenAI shows the first three and last four characters of a wrong key.
      const masked =
        key.length > 8 ? `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}` : "***";
      throw new Refusal(401, `Incorrect API key provided: ${masked}.`, {
        type: "invalid_request_error",
        code: "invalid_api_key",
        param: null,
      });
    }
  }

  function sendError(res: ServerResponse, api: ReceivedRequest["api"], refusal: Refusal): void {
    const requestId = `req_${randomBytes(12).toString("hex")}`;
    const body =
      api === "anthropic"
        ? {
            type: "error",
            error: {
              type:
                ANTHROPIC_ERROR_TYPES[refusal.status] ??
                (refusal.status >= 500 ? "api_error" : "invalid_request_error"),
              message: refusal.message,
            },
            request_id: requestId,
          }
        : {
            error: {
              message: refusal.message,
              type:
                refusal.openai.type ??
                (refusal.status === 429
                  ? "requests"
                  : refusal.status >= 500
                    ? "server_error"
                    : "invalid_request_error"),
              param: refusal.openai.param ?? null,
              code: refusal.openai.code ?? (refusal.status === 429 ? "rate_limit_exceeded" : null),
            },
          };
    res.writeHead(refusal.status, {
      "content-type": "application/json",
      [api === "anthropic" ? "request-id" : "x-request-id"]: requestId,
      ...refusal.headers,
    });
    res.end(JSON.stringify(body));
  }

  function sendAnswer(res: ServerResponse, seen: ReceivedRequest, body: Json, text: string): void {
    seen.answer = text;
    const id = randomBytes(12).toString("hex");
    // Token counts as a Qwen-style server reports them: ~4 characters a token, 28x28 pixels per
    // image token; deterministic, so tests can assert them.
    const promptTokens =
      Math.ceil(seen.texts.join("").length / 4) +
      seen.images.reduce((sum, image) => sum + Math.ceil(image.bytes.length / 784), 0);
    const completionTokens = Math.ceil(Buffer.byteLength(text) / 4);
    const answer =
      seen.api === "anthropic"
        ? {
            id: `msg_${id}`,
            type: "message",
            role: "assistant",
            model: body.model,
            content: [{ type: "text", text }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: { input_tokens: promptTokens, output_tokens: completionTokens },
          }
        : {
            id: `chatcmpl-${id}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: text, refusal: null },
                logprobs: null,
                finish_reason: "stop",
              },
            ],
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: completionTokens,
              total_tokens: promptTokens + completionTokens,
            },
            system_fingerprint: "fp_tesseract",
          };
    seen.status = 200;
    res.writeHead(200, {
      "content-type": "application/json",
      [seen.api === "anthropic" ? "request-id" : "x-request-id"]: `req_${id}`,
    });
    res.end(JSON.stringify(answer));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const api =
      req.method === "POST" && path === "/v1/chat/completions"
        ? "openai"
        : req.method === "POST" && path === "/v1/messages"
          ? "anthropic"
          : "other";
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    }
    const seen: ReceivedRequest = {
      index: api === "other" ? -1 : requests.filter((r) => r.api !== "other").length,
      api,
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: undefined,
      images: [],
      texts: [],
    };
    requests.push(seen);
    if (api === "other") {
      seen.status = 404;
      sendError(
        res,
        path.startsWith("/v1/messages") ? "anthropic" : "openai",
        new Refusal(404, `Unknown request URL: ${req.method} ${path}.`, { code: "unknown_url" }),
      );
      return;
    }
    const raw = Buffer.concat(chunks);
    try {
      seen.body = JSON.parse(raw.toString("utf8"));
    } catch {
      // Left undefined: the refusal below says why.
    }
    const behaviour = options.script?.[seen.index] ?? options.otherwise ?? "ocr";
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    try {
      if (behaviour === "hang") return;
      authenticate(api, req.headers);
      if (size > MAX_BODY)
        throw new Refusal(413, `Request exceeds the maximum size of ${MAX_BODY} bytes.`);
      if (typeof behaviour === "object" && "status" in behaviour) {
        const headers: Record<string, string> = {};
        if (behaviour.retryAfter !== undefined) headers["retry-after"] = behaviour.retryAfter;
        if (behaviour.retryAfterMs !== undefined)
          headers["retry-after-ms"] = behaviour.retryAfterMs;
        throw new Refusal(
          behaviour.status,
          behaviour.message ?? defaultMessage(behaviour.status),
          {},
          headers,
        );
      }
      if (behaviour === "malformed") {
        seen.status = 200;
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "chatcmpl-1", "choices": [{"message": {"content": "Invoi');
        return;
      }
      if (!isObject(seen.body)) {
        throw invalid(
          api === "openai"
            ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
            : "Request body is not valid JSON",
        );
      }
      const body = seen.body;
      if (api === "openai") await readOpenai(body, seen);
      else await readAnthropic(body, seen);
      if (typeof behaviour === "object" && "huge" in behaviour) {
        sendAnswer(res, seen, body, "A".repeat(behaviour.huge));
      } else if (typeof behaviour === "object" && "text" in behaviour) {
        sendAnswer(res, seen, body, behaviour.text);
      } else {
        const answers: string[] = [];
        for (const image of seen.images) answers.push(await answerImage(image.bytes, api));
        sendAnswer(res, seen, body, answers.join(" ").trim());
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      seen.status = error.status;
      sendError(res, api, error);
    }
  }

  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    handle(req, res).catch((error: Error) => {
      if (res.headersSent) res.destroy();
      else sendError(res, "openai", new Refusal(500, `internal error: ${error.message}`));
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fetched,
    get maxInFlight() {
      return state.maxInFlight;
    },
    get ocrRuns() {
      return state.ocrRuns;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function defaultMessage(status: number): string {
  if (status === 429) return "Rate limit reached for requests. Please try again later.";
  if (status === 529) return "Overloaded";
  if (status >= 500)
    return "The server had an error while processing your request. Sorry about that!";
  return `HTTP ${status}`;
}
