import { stbRead } from "../image/stb-decode.js";
import type { ModelName } from "../models/plan.js";
import { type MtmdProfile, mtmdPlan, mtmdView } from "./llama-cpp.js";
import type { ServerInput, ServerPath, Verdict } from "./types.js";

/**
 * Current Ollama (ollama/ollama fb30760), which runs llama-server b10488 for GGML models.
 * llm/llama_server.go turns WebP into PNG first (x/image/webp decode, image/png encode), then
 * llama-server decodes with stb_image. b10488 (2026-08-18) predates llama.cpp PR #27594, so
 * Qwen-VL still goes through mtmd's old `resize_bilinear`; qwenVLServerArgs passes
 * `--image-min-tokens 1024`, so the grid is 1,024..4,096 tokens. The Go engine's 2,097,152-pixel
 * cap does not apply: llama-ollama-compat.cpp does not copy `vision.max_pixels` for Qwen2.5-VL.
 */

const SERVED: readonly ModelName[] = ["qwen2.5-vl", "qwen2-vl", "qwen3-vl"];

const B10488: MtmdProfile = {
  algorithm: "bilinear",
  minTokens: 1024,
  maxTokens: 4096,
  note: "Ollama (llama-server b10488, --image-min-tokens 1024): bilinear into the 1,024..4,096-token grid, centred on black",
};

const DECODE_IMAGE_URL = "openai/openai.go decodeImageURL";
const PREFIXES = [
  "data:;base64,",
  ...["jpeg", "jpg", "png", "webp"].map((t) => `data:image/${t};base64,`),
];

/** Go's base64.StdEncoding.DecodeString: "\r" and "\n" are skipped, padding is required. */
export function goStdBase64Valid(text: string): boolean {
  const clean = text.replace(/[\r\n]/g, "");
  return (
    clean.length % 4 === 0 &&
    /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)
  );
}

function ollamaAccepts(reference: string): Verdict {
  if (reference.startsWith("http://") || reference.startsWith("https://")) {
    return {
      accepted: false,
      reason: "image URLs are not currently supported, please use base64 encoded data instead",
      rule: `${DECODE_IMAGE_URL}: http:// and https:// are refused`,
    };
  }
  const prefix = PREFIXES.find((p) => reference.startsWith(p));
  if (prefix === undefined) {
    return {
      accepted: false,
      reason: "invalid image input",
      rule: `${DECODE_IMAGE_URL}: only data:;base64, and data:image/{jpeg,jpg,png,webp};base64, (case-sensitive, no parameters)`,
    };
  }
  if (!goStdBase64Valid(reference.slice(prefix.length))) {
    return {
      accepted: false,
      reason: "invalid image input",
      rule: `${DECODE_IMAGE_URL}: base64.StdEncoding.DecodeString (padding required) fails`,
    };
  }
  return {
    accepted: true,
    reason: null,
    rule: `${DECODE_IMAGE_URL}: ${prefix} and standard base64`,
  };
}

/**
 * llamaServerMediaBytes: WebP becomes a PNG of Go's decode before llama-server sees it. Lossless
 * WebP decodes to the stored pixels (alpha kept in the PNG, then dropped by stb); lossy WebP goes
 * through Go's VP8 decoder and YCbCr conversion, approximated here with libwebp's pixels.
 */
async function ollamaRead(input: ServerInput) {
  const { bytes, image } = input;
  const webp =
    bytes.length >= 12 &&
    bytes.toString("latin1", 0, 4) === "RIFF" &&
    bytes.toString("latin1", 8, 12) === "WEBP";
  if (!webp) return stbRead(input);
  const { width, height, rgba } = image;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
  return { width, height, rgb };
}

export const ollama: ServerPath = {
  name: "ollama",
  description:
    "Ollama with llama-server b10488: WebP to PNG, stb_image decode, mtmd bilinear, padded to the grid",
  reproduces:
    "Ollama after 2026-05 (ollama/ollama fb30760, LLAMA_CPP_VERSION b10488), Qwen2-VL / Qwen2.5-VL / Qwen3-VL",
  source:
    "ollama/ollama fb30760 llm/llama_server.go (llamaServerMediaBytes, qwenVLServerArgs), openai/openai.go (decodeImageURL), llama/compat/llama-ollama-compat.cpp; ggml-org/llama.cpp tools/mtmd/mtmd-image.cpp @0309b28 (resize_bilinear, img_tool::resize, calc_size_preserved_ratio), tools/mtmd/clip.cpp (Qwen: RESIZE_ALGO_BILINEAR before #27594), mtmd-helper.cpp (stb_image); nothings/stb v2.30 @31c1ad3",
  models: SERVED,
  accepts: ollamaAccepts,
  read: ollamaRead,
  plan: (model, width, height, options) => mtmdPlan(B10488, model, width, height, options),
  view: (pixels, modelPlan) => mtmdView(B10488, pixels, modelPlan),
};
