import { stbRead } from "../image/stb-decode.js";
import {
  BILINEAR_ASSERT,
  type MtmdAlgorithm,
  type MtmdLimits,
  mtmdContent,
  mtmdGrid,
  mtmdResize,
} from "../models/mtmd-resize.js";
import type { ModelName, ModelPlan, PlanOptions } from "../models/plan.js";
import { plan, refused } from "../models/plan.js";
import type { ServerPath, ServerPixels, Verdict } from "./types.js";

/**
 * llama.cpp's llama-server with an mtmd projector (tools/mtmd, tools/server), after PR #27594
 * (2026-08-23) made every mtmd resize Pillow-accurate: Qwen-VL is resized with Pillow's bicubic
 * (bit-identical to Pillow 9.4's, so pillowResize serves) into the 8..4,096-token grid of
 * `calc_size_preserved_ratio`, centred and padded with black. The decode is stb_image.
 */

const SERVED: readonly ModelName[] = ["qwen2.5-vl", "qwen2-vl", "qwen3-vl"];

/** clip.cpp: patch 14 (Qwen2/2.5-VL) or 16 (Qwen3-VL), n_merge 2. */
function alignOf(model: ModelName): number {
  return model === "qwen3-vl" ? 32 : 28;
}

export interface MtmdProfile {
  algorithm: MtmdAlgorithm;
  /** set_limit_image_tokens(min, max), or --image-min-tokens / --image-max-tokens. */
  minTokens: number;
  maxTokens: number;
  note: string;
}

/** `set_limit_image_tokens`: tokens x (patch x merge)^2 pixels; PlanOptions override the pixels. */
function limits(model: ModelName, profile: MtmdProfile, options: PlanOptions = {}): MtmdLimits {
  const align = alignOf(model);
  return {
    align,
    minPixels: options.minPixels ?? profile.minTokens * align * align,
    maxPixels: options.maxPixels ?? profile.maxTokens * align * align,
  };
}

/** The plan of the mtmd dyn_size preprocessor for one profile (shared with the ollama path). */
export function mtmdPlan(
  profile: MtmdProfile,
  model: ModelName,
  width: number,
  height: number,
  options?: PlanOptions,
): ModelPlan {
  const input = { width, height };
  if (!SERVED.includes(model)) {
    return refused(model, input, `not served here: ${SERVED.join(", ")}`, profile.note);
  }
  const bounds = limits(model, profile, options);
  const grid = mtmdGrid(width, height, bounds);
  const same = grid.width === width && grid.height === height;
  if (!same && profile.algorithm === "bilinear" && (width < 2 || height < 2)) {
    return refused(model, input, BILINEAR_ASSERT, profile.note);
  }
  const tokens = (grid.width / bounds.align) * (grid.height / bounds.align);
  const result = plan(model, input, grid, tokens, profile.note);
  if (!same) {
    const content = mtmdContent(input, grid);
    if (content.width !== grid.width || content.height !== grid.height) result.content = content;
  }
  return result;
}

/** The preprocessor's resize and padding of `pixels` to `modelPlan`. */
export function mtmdView(
  profile: MtmdProfile,
  pixels: ServerPixels,
  modelPlan: ModelPlan,
): ServerPixels {
  if (modelPlan.error !== null)
    throw new RangeError(`${modelPlan.model} refuses the image: ${modelPlan.error}`);
  const { width, height } = pixels;
  if (modelPlan.input.width !== width || modelPlan.input.height !== height) {
    throw new RangeError(
      `plan is for ${modelPlan.input.width}x${modelPlan.input.height}, image is ${width}x${height}`,
    );
  }
  if (modelPlan.resized === null) return { width, height, rgb: new Uint8Array(pixels.rgb) };
  const { rgb } = mtmdResize(pixels.rgb, { width, height }, modelPlan.resized, profile.algorithm);
  return { ...modelPlan.resized, rgb };
}

const HANDLE_MEDIA = "server-common.cpp handle_media";

/**
 * server-common.cpp `base64_decode`: reads characters while they are [A-Za-z0-9+/], stops at the
 * first "=" or any other character and ignores the rest; padding is optional and a dangling
 * single character is dropped. It never fails.
 */
export function llamaBase64Decode(text: string): Buffer {
  const end = text.search(/[^A-Za-z0-9+/]/);
  const usable = end === -1 ? text : text.slice(0, end);
  const whole = usable.length - (usable.length % 4);
  const rest = usable.slice(whole);
  // A leftover of 1 character gives no byte; 2 give one, 3 give two.
  const tail =
    rest.length >= 2
      ? Buffer.from(`${rest}AAA`.slice(0, 4), "base64").subarray(0, rest.length - 1)
      : Buffer.alloc(0);
  return Buffer.concat([Buffer.from(usable.slice(0, whole), "base64"), tail]);
}

/** handle_media's reading of an image_url, in its own words. */
function llamaServerAccepts(url: string): Verdict {
  if (url.startsWith("http")) {
    return {
      accepted: true,
      reason: null,
      rule: `${HANDLE_MEDIA}: a url starting "http" is downloaded (at most 10 MB, 10 s timeout)`,
    };
  }
  if (url.startsWith("file://")) {
    return {
      accepted: false,
      reason: "file:// URLs are not allowed unless --media-path is specified",
      rule: `${HANDLE_MEDIA}: file:// only with --media-path`,
    };
  }
  const parts = url.split(",");
  if (parts.length !== 2) {
    return {
      accepted: false,
      reason: "Invalid url value",
      rule: `${HANDLE_MEDIA}: the url must split on "," into exactly two parts`,
    };
  }
  const [header, data] = parts as [string, string];
  if (!header.startsWith("data:image/")) {
    return {
      accepted: false,
      reason: `Invalid url format: ${header}`,
      rule: `${HANDLE_MEDIA}: the header must start with "data:image/" (case-sensitive)`,
    };
  }
  if (!header.endsWith("base64")) {
    return {
      accepted: false,
      reason: "url must be base64 encoded",
      rule: `${HANDLE_MEDIA}: the header must end with "base64" (parameters before it pass)`,
    };
  }
  const stop = data.search(/[^A-Za-z0-9+/]/);
  // Stopping at the padding loses nothing; stopping anywhere else (a line break, "-") does.
  if (stop !== -1 && data[stop] !== "=") {
    // base64_decode never fails: it keeps what comes before and the image arrives cut short.
    return {
      accepted: false,
      reason: `base64 decoding stops at character ${stop} (${JSON.stringify(data[stop])}) of the payload: the image arrives cut short`,
      rule: `${HANDLE_MEDIA}: base64_decode reads [A-Za-z0-9+/] up to the first other character and ignores the rest`,
    };
  }
  return {
    accepted: true,
    reason: null,
    rule: `${HANDLE_MEDIA}: data:image/*;base64 header, then base64_decode (padding optional)`,
  };
}

const CURRENT: MtmdProfile = {
  algorithm: "bicubic-pillow",
  minTokens: 8,
  maxTokens: 4096,
  note: "llama.cpp mtmd: Pillow bicubic into the 8..4,096-token grid, centred on black",
};

export const llamaCpp: ServerPath = {
  name: "llama.cpp",
  description:
    "llama-server with mtmd: stb_image decode, Pillow-accurate bicubic, padded to the grid",
  reproduces:
    "llama.cpp llama-server after PR #27594 (2026-08-23), Qwen2-VL / Qwen2.5-VL / Qwen3-VL",
  source:
    "ggml-org/llama.cpp tools/mtmd/mtmd-image.cpp (resize_pillow, img_tool::resize, calc_size_preserved_ratio; post-#27594), tools/mtmd/clip.cpp and clip-model.h (Qwen: n_merge 2, set_limit_image_tokens(8, 4096)), tools/mtmd/mtmd-helper.cpp (stb_image, 3 channels), tools/server/server-common.cpp @006639c (handle_media, base64_decode); nothings/stb stb_image.h v2.30 @31c1ad3",
  models: SERVED,
  accepts: llamaServerAccepts,
  read: async (input) => stbRead(input),
  plan: (model, width, height, options) => mtmdPlan(CURRENT, model, width, height, options),
  view: (pixels, modelPlan) => mtmdView(CURRENT, pixels, modelPlan),
};
