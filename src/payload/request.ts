import type { Payload } from "./types.js";

/** How an encoded payload is printed: a data URI, bare base64, or one API's image content part. */
export type PayloadForm = "data-uri" | "base64" | "openai" | "anthropic";

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
