import type { Payload } from "./types.js";

/** How an encoded payload is printed: a data URI, bare base64, or one API's image content part. */
export type PayloadForm = "data-uri" | "base64" | "openai" | "anthropic";

const MB = 1024 ** 2;

/**
 * What each API refuses, applied by default to the payload printed for it. Anthropic counts its
 * 5 MB against the base64 text (its 400 reads "image.source.base64: image exceeds 5 MB maximum:
 * 5272940 bytes > 5242880 bytes") and rejects images over 8000 px; OpenAI's docs do not say which size its 20 MB counts, so the
 * base64 text, the larger, is kept under it.
 */
export const API_LIMITS = {
  anthropic: { maxBase64Bytes: 5 * MB, maxSide: 8000 },
  openai: { maxBase64Bytes: 20 * MB },
} as const satisfies Record<"anthropic" | "openai", { maxBase64Bytes: number; maxSide?: number }>;

/** The text for one payload in the given form, without a trailing newline. */
export function formatPayload(payload: Pick<Payload, "mime" | "bytes">, form: PayloadForm): string {
  const base64 = payload.bytes.toString("base64");
  switch (form) {
    case "base64":
      return base64;
    case "data-uri":
      return `data:${payload.mime};base64,${base64}`;
    case "openai":
      return JSON.stringify({
        type: "image_url",
        image_url: { url: `data:${payload.mime};base64,${base64}` },
      });
    case "anthropic":
      return JSON.stringify({
        type: "image",
        source: { type: "base64", media_type: payload.mime, data: base64 },
      });
  }
}
