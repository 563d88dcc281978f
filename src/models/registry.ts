import { type ModelName, type ModelPlan, type PlanOptions, plan, refused } from "./plan.js";
import { type Size, smartResize } from "./smart-resize.js";

export {
  isModelName,
  MODELS,
  type ModelName,
  type ModelPlan,
  type PlanOptions,
} from "./plan.js";

interface QwenSpec {
  factor: number;
  minPixels: number;
  maxPixels: number;
}

const QWEN: Partial<Record<ModelName, QwenSpec>> = {
  "qwen2-vl": { factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 },
  "qwen2.5-vl": { factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 },
  "qwen3-vl": { factor: 32, minPixels: 4 * 32 * 32, maxPixels: 16384 * 32 * 32 },
};

function qwenPlan(model: ModelName, spec: QwenSpec, input: Size, options: PlanOptions): ModelPlan {
  const { factor } = spec;
  const minPixels = options.minPixels ?? spec.minPixels;
  const maxPixels = options.maxPixels ?? spec.maxPixels;
  const note =
    `qwen-vl-utils smart_resize (factor ${factor}, min_pixels ${minPixels}, max_pixels ` +
    `${maxPixels}); tokens are visual tokens, the chat template adds 2 markers around them`;
  const result = smartResize(input.height, input.width, { factor, minPixels, maxPixels });
  if ("error" in result) return refused(model, input, result.error, note);
  if (result.width === 0 || result.height === 0) {
    // The reference returns the 0 and Pillow's resize then fails.
    return refused(
      model,
      input,
      `smart_resize gives ${result.width}x${result.height}: max_pixels ${maxPixels} is too small for this aspect ratio`,
      note,
    );
  }
  return plan(model, input, result, (result.height / factor) * (result.width / factor), note);
}

/** Scales down so the long edge is `edge`, truncating the short one (integer math, no drift). */
function fitLongEdge(size: Size, edge: number): Size {
  const long = Math.max(size.width, size.height);
  if (long <= edge) return size;
  return {
    width: Math.max(1, Math.floor((size.width * edge) / long)),
    height: Math.max(1, Math.floor((size.height * edge) / long)),
  };
}

/**
 * Scales down so width * height <= maxArea: each side becomes the largest n with
 * n <= side * sqrt(maxArea / area), decided in exact integer arithmetic.
 */
function fitArea(size: Size, maxArea: number): Size {
  const area = size.width * size.height;
  if (area <= maxArea) return size;
  const side = (s: number): number => {
    const limit = s * s * maxArea;
    let n = Math.floor(s * Math.sqrt(maxArea / area));
    while (n > 0 && n * n * area > limit) n--;
    while ((n + 1) * (n + 1) * area <= limit) n++;
    return Math.max(1, n);
  };
  return { width: side(size.width), height: side(size.height) };
}

const OPENAI_NOTE =
  "OpenAI's published cost rule; its resampling is not public, so the view uses Pillow bicubic";

/**
 * detail "high", as OpenAI's guide and its widely used calculator compute it: fit within
 * 2048x2048, then bring the short side down to 768 (int() truncation; images are only scaled
 * down, so 512x512 is one tile), then 85 + 170 per 512-px tile.
 */
function gptHighPlan(input: Size): ModelPlan {
  let { width, height } = input;
  if (width > 2048 || height > 2048) {
    const aspect = width / height;
    if (aspect > 1) [width, height] = [2048, Math.trunc(2048 / aspect)];
    else [width, height] = [Math.trunc(2048 * aspect), 2048];
  }
  if (width >= height && height > 768) [width, height] = [Math.trunc((768 / height) * width), 768];
  else if (height > width && width > 768)
    [width, height] = [768, Math.trunc((768 / width) * height)];
  width = Math.max(1, width);
  height = Math.max(1, height);
  const tiles = Math.ceil(width / 512) * Math.ceil(height / 512);
  return plan(
    "gpt-4o",
    input,
    { width, height },
    85 + 170 * tiles,
    `detail "high": ${OPENAI_NOTE}`,
  );
}

/** detail "low": a fixed 85 tokens; the guide says the model gets a 512x512 low-res copy. */
function gptLowPlan(input: Size): ModelPlan {
  return plan("gpt-4o-low", input, fitLongEdge(input, 512), 85, `detail "low": ${OPENAI_NOTE}`);
}

export const CLAUDE_MAX_EDGE = 1568;
export const CLAUDE_MAX_TOKENS = 1600;
const CLAUDE_PIXELS_PER_TOKEN = 750;
const CLAUDE_REJECT_EDGE = 8000;

/**
 * Anthropic's vision guide: a long edge over 1568 px, or an image over ~1,600 tokens
 * (w*h/750), is scaled down keeping the aspect ratio. We apply one scale, the tighter limit's,
 * truncating both sides (in exact integer arithmetic), so the result meets both limits; tokens
 * are ceil(w*h/750), which reproduces the guide's examples (200x200 -> 54, 1000x1000 -> 1334,
 * 1092x1092 -> 1590). The guide's table of sizes it leaves alone includes 784x1568 (1639
 * tokens), so the real cutoff is looser than 1600 for some shapes.
 */
function claudePlan(input: Size): ModelPlan {
  const note =
    "Anthropic's documented rule (long edge <= 1568, <= ~1600 tokens at w*h/750); an estimate, and the resampling is not public";
  if (input.width > CLAUDE_REJECT_EDGE || input.height > CLAUDE_REJECT_EDGE) {
    return refused(
      "claude",
      input,
      `${input.width}x${input.height} is over the API's ${CLAUDE_REJECT_EDGE}x${CLAUDE_REJECT_EDGE} px limit`,
      note,
    );
  }
  const maxArea = CLAUDE_MAX_TOKENS * CLAUDE_PIXELS_PER_TOKEN;
  const long = Math.max(input.width, input.height);
  // One scale, the tighter limit's: edge / long vs sqrt(maxArea / area), compared squared.
  const edgeIsTighter =
    long > CLAUDE_MAX_EDGE &&
    CLAUDE_MAX_EDGE ** 2 * input.width * input.height <= maxArea * long ** 2;
  const target = edgeIsTighter ? fitLongEdge(input, CLAUDE_MAX_EDGE) : fitArea(input, maxArea);
  const tokens = Math.ceil((target.width * target.height) / CLAUDE_PIXELS_PER_TOKEN);
  return plan("claude", input, target, tokens, note);
}

/** How `model` would size and count an image of width x height. */
export function modelPlan(
  model: ModelName,
  width: number,
  height: number,
  options: PlanOptions = {},
): ModelPlan {
  const input = { width, height };
  const qwen = QWEN[model];
  if (qwen) return qwenPlan(model, qwen, input, options);
  switch (model) {
    case "gpt-4o":
      return gptHighPlan(input);
    case "gpt-4o-low":
      return gptLowPlan(input);
    default:
      return claudePlan(input);
  }
}
