import { dropAlpha } from "../image/channels.js";
import { stbRead } from "../image/stb-decode.js";
import type { ModelName } from "../models/plan.js";
import { type MtmdProfile, mtmdPlan, mtmdView } from "./llama-cpp.js";
import { ollamaAccepts } from "./ollama-api.js";
import type { ServerInput, ServerPath } from "./types.js";

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
  return { width: image.width, height: image.height, rgb: dropAlpha(image.rgba) };
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
