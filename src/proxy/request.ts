/**
 * Where the images are in a request body, for the APIs vision clients speak: OpenAI chat
 * completions (`image_url` parts), the OpenAI Responses API (`input_image`), Anthropic Messages
 * (`image` blocks), and Ollama's native /api/chat and /api/generate (`images` arrays).
 */

export const API_KINDS = [
  "openai-chat",
  "openai-responses",
  "anthropic",
  "ollama-chat",
  "ollama-generate",
] as const;

export type ApiKind = (typeof API_KINDS)[number];

/**
 * How an image travels: a data URI, a URL the server fetches, an Anthropic base64 source
 * (media type and data apart), or Ollama's bare base64.
 */
export type Transport = "data-uri" | "url" | "base64-source" | "bare-base64";

export interface FoundImage {
  /** Where it sits in the body, as a JavaScript path: `messages[0].content[1]`. */
  where: string;
  transport: Transport;
  /** The text as sent: the data URI, the URL, or the base64 data. */
  value: string;
  /** Anthropic's `media_type`, as sent (for `base64-source`). */
  mediaType?: string;
}

const ENDPOINTS: [RegExp, ApiKind][] = [
  [/\/chat\/completions\/?$/, "openai-chat"],
  [/\/responses\/?$/, "openai-responses"],
  [/\/messages\/?$/, "anthropic"],
  [/\/api\/chat\/?$/, "ollama-chat"],
  [/\/api\/generate\/?$/, "ollama-generate"],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The API a request speaks: from its path when it has one of the APIs' endpoints (query and
 * prefix ignored), else from the body's shape; undefined for anything else.
 */
export function detectApi(path: string | undefined, body: unknown): ApiKind | undefined {
  if (path !== undefined) {
    const bare = path.split(/[?#]/)[0] ?? "";
    for (const [pattern, api] of ENDPOINTS) if (pattern.test(bare)) return api;
    // A known server path that is none of these (/v1/models, /api/tags): not an image request.
    if (bare !== "" && bare !== "/") return undefined;
  }
  if (!isRecord(body)) return undefined;
  if (typeof body.prompt === "string" && "images" in body) return "ollama-generate";
  if ("input" in body && !("messages" in body)) return "openai-responses";
  if (!Array.isArray(body.messages)) return undefined;
  const messages = body.messages.filter(isRecord);
  if (messages.some((m) => Array.isArray(m.images))) return "ollama-chat";
  const parts = messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
  if (parts.some((p) => isRecord(p) && p.type === "image_url")) return "openai-chat";
  if (parts.some((p) => isRecord(p) && p.type === "image")) return "anthropic";
  return typeof body.system === "string" || Array.isArray(body.system)
    ? "anthropic"
    : "openai-chat";
}

/** Whether the client asked for a streamed answer; Ollama streams unless told not to. */
export function wantsStream(api: ApiKind, body: unknown): boolean {
  const stream = isRecord(body) ? body.stream : undefined;
  return api === "ollama-chat" || api === "ollama-generate" ? stream !== false : stream === true;
}

/** The model the request names, if any. */
export function requestModel(body: unknown): string | undefined {
  return isRecord(body) && typeof body.model === "string" ? body.model : undefined;
}

function child(where: string, key: string | number): string {
  if (typeof key === "number") return `${where}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `${where === "" ? "" : `${where}.`}${key}`
    : `${where}[${JSON.stringify(key)}]`;
}

function reference(value: string): Transport {
  return /^data:/i.test(value) ? "data-uri" : "url";
}

/** One content part or block: the image it carries, if it is an image part. */
function imagePart(node: Record<string, unknown>, where: string): FoundImage | undefined {
  if (node.type === "image_url") {
    const field = node.image_url;
    const url = typeof field === "string" ? field : isRecord(field) ? field.url : undefined;
    if (typeof url === "string") return { where, transport: reference(url), value: url };
  }
  if (node.type === "input_image" && typeof node.image_url === "string") {
    return { where, transport: reference(node.image_url), value: node.image_url };
  }
  if (node.type === "image" && isRecord(node.source)) {
    const source = node.source;
    if (source.type === "base64" && typeof source.data === "string") {
      const image: FoundImage = { where, transport: "base64-source", value: source.data };
      if (typeof source.media_type === "string") image.mediaType = source.media_type;
      return image;
    }
    if (source.type === "url" && typeof source.url === "string") {
      return { where, transport: reference(source.url), value: source.url };
    }
  }
  return undefined;
}

/**
 * Every image in a request body, in document order: content parts anywhere in the body (tool
 * results included) and Ollama `images` arrays of strings. Never throws.
 */
export function findImages(body: unknown): FoundImage[] {
  const found: FoundImage[] = [];
  const visit = (node: unknown, where: string, depth: number) => {
    // JSON.parse builds no cycles; the depth bound only keeps a hostile body from the stack.
    if (depth > 64) return;
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, child(where, i), depth + 1);
      return;
    }
    if (!isRecord(node)) return;
    const image = imagePart(node, where);
    if (image) {
      found.push(image);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const at = child(where, key);
      if (key === "images" && Array.isArray(value) && value.every((v) => typeof v === "string")) {
        value.forEach((v: string, i) => {
          const transport = /^data:/i.test(v) ? "data-uri" : "bare-base64";
          found.push({ where: child(at, i), transport, value: v });
        });
        continue;
      }
      visit(value, at, depth + 1);
    }
  };
  visit(body, "", 0);
  return found;
}
