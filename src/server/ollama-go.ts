import { goDecode } from "../image/go-decode.js";
import { goBilinearScale } from "../models/go-bilinear.js";
import {
  type ModelName,
  type ModelPlan,
  plan as makePlan,
  type PlanOptions,
  refused,
} from "../models/plan.js";
import type { Size } from "../models/smart-resize.js";
import { ollamaAccepts } from "./ollama-api.js";
import type { ServerInput, ServerPath, ServerPixels, ServerRefusal } from "./types.js";

/**
 * Ollama's Go engine ("ollamarunner"), which served Qwen2.5-VL and Qwen3-VL until llama-server
 * replaced it (9db4bdbad, 2026-05-29). Followed at ollama/ollama
 * f63eea3d273816ffc27fbeb0662ab44d236abc45 with golang.org/x/image v0.22.0:
 * - decode: model/models/{qwen25vl,qwen3vl}/model.go `image.Decode` (src/image/go-decode.ts);
 *   a decode error reaches the client as "failed to process inputs: <error>"
 *   (runner/ollamarunner/runner.go NewSequence).
 * - processor: process_image.go / imageprocessor.go `SmartResize` (factor = patch x merge,
 *   `math.RoundToEven`, no floor at one factor, panics under one factor or past a 200 ratio),
 *   then model/imageproc `Resize` with `draw.BiLinear` (src/models/go-bilinear.ts).
 * - references: the OpenAI-compatible endpoint's openai/openai.go `decodeImageURL`. The native
 *   /api/chat and /api/generate take `images` as bare base64 (api/types.go `ImageData []byte`,
 *   decoded by encoding/json with the same StdEncoding rules) and never a data: prefix.
 */

interface GoQwen {
  patch: number;
  minPixels: number;
  maxPixels: number;
  /** Which bound the checkpoint (GGUF) sets; the other is fixed in the Go code. */
  fromCheckpoint: "maxPixels" | "minPixels";
  rule: string;
}

const QWEN: Partial<Record<ModelName, GoQwen>> = {
  // qwen25vl/process_image.go: minPixels 56*56, maxPixels vision.max_pixels (default 2<<20).
  "qwen2.5-vl": {
    patch: 14,
    minPixels: 56 * 56,
    maxPixels: 2 << 20,
    fromCheckpoint: "maxPixels",
    rule: "min_pixels 3136 fixed, max_pixels vision.max_pixels",
  },
  // qwen3vl/imageprocessor.go: shortestEdge vision.shortest_edge (64<<10 unless the GGUF sets
  // it; convert_qwen3vl.go copies the checkpoint's size.shortest_edge, 65,536 in Qwen's
  // releases), longestEdge fixed at 2<<20; vision.patch_size 16 from the checkpoint.
  "qwen3-vl": {
    patch: 16,
    minPixels: 64 << 10,
    maxPixels: 2 << 20,
    fromCheckpoint: "minPixels",
    rule: "min_pixels vision.shortest_edge, max_pixels 2097152 fixed",
  },
};

const MODELS: readonly ModelName[] = ["qwen2.5-vl", "qwen3-vl"];

/** `SmartResize` of both processors, with its panics as errors. */
function smartResize(
  height: number,
  width: number,
  factor: number,
  minPixels: number,
  maxPixels: number,
): Size | { error: string } {
  if (height < factor || width < factor) {
    return {
      error: `panic: height:${height} or width:${width} must be larger than factor:${factor}`,
    };
  }
  // Go's integer division.
  const ratio = Math.floor(Math.max(height, width) / Math.min(height, width));
  if (ratio > 200)
    return { error: `panic: absolute aspect ratio must be smaller than 200, got ${ratio}` };
  const round = (x: number) => {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  let hBar = round(height / factor) * factor;
  let wBar = round(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.floor(height / beta / factor) * factor;
    wBar = Math.floor(width / beta / factor) * factor;
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: hBar, width: wBar };
}

function planFor(model: ModelName, width: number, height: number, options: PlanOptions = {}) {
  const spec = QWEN[model];
  const input = { width, height };
  if (spec === undefined) {
    const error = `ollama-go does not serve ${model}; it serves ${MODELS.join(", ")}`;
    return refused(model, input, error, "");
  }
  const factor = spec.patch * 2;
  const minPixels =
    spec.fromCheckpoint === "minPixels" ? (options.minPixels ?? spec.minPixels) : spec.minPixels;
  const maxPixels =
    spec.fromCheckpoint === "maxPixels" ? (options.maxPixels ?? spec.maxPixels) : spec.maxPixels;
  const note =
    `Ollama Go engine SmartResize (factor ${factor}, min_pixels ${minPixels}, max_pixels ` +
    `${maxPixels}; ${spec.rule}), draw.BiLinear; tokens are visual tokens, ` +
    "the engine adds vision start and end tokens around them";
  const size = smartResize(height, width, factor, minPixels, maxPixels);
  if ("error" in size) return refused(model, input, size.error, note);
  const tokens = (size.width / factor) * (size.height / factor);
  return makePlan(model, input, size, tokens, note);
}

function view(pixels: ServerPixels, plan: ModelPlan): ServerPixels {
  if (plan.resized === null) return { ...pixels, rgb: pixels.rgb.slice() };
  const { width, height } = plan.resized;
  const rgb = goBilinearScale(pixels.rgb, pixels.width, pixels.height, width, height);
  return { width, height, rgb };
}

export const ollamaGo: ServerPath = {
  name: "ollama-go",
  description:
    "Ollama's Go engine: Go image.Decode (no GIF), composite onto white, SmartResize, x/image BiLinear",
  reproduces: "Ollama releases before 2026-05 (Go engine), golang.org/x/image v0.22.0",
  source:
    "ollama/ollama f63eea3d273816ffc27fbeb0662ab44d236abc45: model/model.go, " +
    "model/imageproc/images.go, model/models/qwen25vl/process_image.go, " +
    "model/models/qwen3vl/imageprocessor.go, openai/openai.go; golang/image " +
    "3724ab8af5c31f982e13765ba3707ffe5c463e64 (v0.22.0): draw/scale.go, draw/impl.go, bmp, webp, tiff",
  models: MODELS,
  accepts: ollamaAccepts,
  read: (input: ServerInput): Promise<ServerPixels | ServerRefusal> => goDecode(input.bytes),
  plan: planFor,
  view,
};
