import type { Verdict } from "./types.js";

/**
 * What Ollama's OpenAI-compatible endpoint takes as an image_url (and the Responses API as an
 * input_image): openai/openai.go decodeImageURL, the same at ollama/ollama f63eea3 (the Go engine)
 * and fb30760 (llama-server). The native /api/chat and /api/generate take `images` as bare
 * base64 instead (api/types.go ImageData).
 */
const DATA_PREFIXES = [
  "data:;base64,",
  ...["jpeg", "jpg", "png", "webp"].map((t) => `data:image/${t};base64,`),
];
const URL_REFUSED =
  "image URLs are not currently supported, please use base64 encoded data instead";
const INVALID = "invalid image input";
const RULE = "openai/openai.go decodeImageURL (ollama f63eea3, fb30760)";

/**
 * `base64.StdEncoding.DecodeString`: CR and LF anywhere are skipped, any other byte outside the
 * alphabet fails, padding is required and nothing may follow it; unused bits need not be zero.
 */
export function goStdBase64(text: string): boolean {
  const stripped = text.replace(/[\r\n]/g, "");
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(stripped);
}

export function ollamaAccepts(reference: string): Verdict {
  if (reference.startsWith("http://") || reference.startsWith("https://")) {
    return { accepted: false, reason: URL_REFUSED, rule: `${RULE}: no http(s) URLs` };
  }
  const prefix = DATA_PREFIXES.find((p) => reference.startsWith(p));
  if (prefix === undefined) {
    return {
      accepted: false,
      reason: INVALID,
      rule: `${RULE}: exactly data:;base64, or data:image/{jpeg,jpg,png,webp};base64, (case-sensitive, no parameters)`,
    };
  }
  if (!goStdBase64(reference.slice(prefix.length))) {
    return {
      accepted: false,
      reason: INVALID,
      rule: `${RULE}: base64.StdEncoding (padded; only CR and LF skipped)`,
    };
  }
  return { accepted: true, reason: null, rule: `${RULE}: ${prefix} then base64.StdEncoding` };
}
