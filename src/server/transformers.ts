import { dropAlpha } from "../image/channels.js";
import type { DecodedImage } from "../image/decode.js";
import { sniffFormat } from "../image/format.js";
import { applyOrientation } from "../image/orientation.js";
import { pillowResize } from "../models/pillow-resize.js";
import { type ModelName, type ModelPlan, type PlanOptions, plan, refused } from "../models/plan.js";
import { smartResize } from "../models/smart-resize.js";
import { torchvisionResize } from "../models/torchvision-resize.js";
import { a2bBase64 } from "./python-base64.js";
import type { ServerPath, ServerPixels, ServerRefusal, Verdict } from "./types.js";

/**
 * transformers' Qwen2-VL image processors (Qwen2.5-VL and Qwen3-VL use the same classes), as
 * huggingface/transformers@9feaf6f1d95e src/transformers/models/qwen2_vl/
 * image_processing_qwen2_vl.py has them: its own `smart_resize` (no `max(factor, ...)` floor),
 * limits from each checkpoint's preprocessor_config.json, and either the torchvision backend
 * (uint8 bicubic with antialias) or the PIL backend (Pillow BICUBIC). Strings go through
 * image_utils.py `load_image`: Pillow open, `ImageOps.exif_transpose`, `convert("RGB")`, which
 * drops alpha without compositing.
 */

interface Checkpoint {
  /** patch_size x merge_size. */
  factor: number;
  minPixels: number;
  maxPixels: number;
}

/**
 * `size.shortest_edge` / `longest_edge` (or min_pixels / max_pixels) of the Qwen checkpoints'
 * preprocessor_config.json: Qwen2-VL-7B-Instruct's 3,136 / 12,845,056 (patch 14, merge 2), the
 * same for Qwen2.5-VL; Qwen3-VL's 65,536 / 16,777,216 (patch 16, merge 2).
 */
const CHECKPOINTS: Partial<Record<ModelName, Checkpoint>> = {
  "qwen2.5-vl": { factor: 28, minPixels: 3136, maxPixels: 12845056 },
  "qwen2-vl": { factor: 28, minPixels: 3136, maxPixels: 12845056 },
  "qwen3-vl": { factor: 32, minPixels: 65536, maxPixels: 16777216 },
};

/** The models a server running these processors serves; the first is its default. */
export const QWEN_MODELS: readonly ModelName[] = ["qwen2.5-vl", "qwen2-vl", "qwen3-vl"];

/**
 * The processor's size and tokens for an image of width x height: smart_resize to a multiple of
 * patch x merge within the checkpoint's pixel limits; tokens = grid cells / merge^2.
 */
export function processorPlan(
  server: string,
  model: ModelName,
  width: number,
  height: number,
  options: PlanOptions = {},
): ModelPlan {
  const checkpoint = CHECKPOINTS[model];
  if (checkpoint === undefined) {
    throw new RangeError(`${server} does not serve ${model}; it serves ${QWEN_MODELS.join(", ")}`);
  }
  const { factor } = checkpoint;
  const minPixels = options.minPixels ?? checkpoint.minPixels;
  const maxPixels = options.maxPixels ?? checkpoint.maxPixels;
  const input = { width, height };
  const note =
    `transformers smart_resize without the max(factor, ...) floor (factor ${factor}, ` +
    `min_pixels ${minPixels}, max_pixels ${maxPixels}, from the checkpoint's ` +
    "preprocessor_config.json); tokens are visual tokens, the chat template adds 2 markers around them";
  const size = smartResize(height, width, {
    factor,
    minPixels,
    maxPixels,
    rounding: "transformers",
  });
  if ("error" in size) return refused(model, input, size.error, note);
  if (size.width === 0 || size.height === 0) {
    // Only reachable with min_pixels 0: the resize to an empty size then fails.
    return refused(
      model,
      input,
      `smart_resize gives ${size.width}x${size.height}, which cannot be resized to`,
      note,
    );
  }
  return plan(model, input, size, (size.width / factor) * (size.height / factor), note);
}

/** Formats Debian's Pillow 9.4 opens; imgenc's decoder reads more (AVIF, HEIF, SVG ...). */
const PILLOW_FORMATS = new Set(["png", "jpeg", "gif", "webp", "tiff", "bmp", "jp2"]);

/** Whether Pillow 9.4 has a plugin for this (sniffed or decoded) format. */
export function pillowReads(format: string): boolean {
  return PILLOW_FORMATS.has(format);
}

/** Pillow's UnidentifiedImageError, as vLLM's sanitised messages print it. */
export const UNIDENTIFIED = "cannot identify image file <_io.BytesIO object>";

/** `ImageOps.exif_transpose` of RGB pixels: the orientation applied, the tag then ignored. */
export function exifTranspose(image: DecodedImage, rgb: Uint8Array): ServerPixels {
  const upright = applyOrientation(
    Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength),
    image.width,
    image.height,
    3,
    image.info.orientation,
  );
  return { width: upright.width, height: upright.height, rgb: upright.data };
}

/** load_image: Pillow open, exif_transpose, convert("RGB") (alpha dropped, not composited). */
async function loadImage({
  image,
}: {
  image: DecodedImage;
}): Promise<ServerPixels | ServerRefusal> {
  if (!pillowReads(image.info.format)) return { error: UNIDENTIFIED };
  return exifTranspose(image, dropAlpha(image.pillowRgba));
}

const LOAD_IMAGE_RULE = "transformers image_utils.py load_image";

/** The start of a long string, as an error message should quote it. */
function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * load_image's verdict on a string: http(s) URLs are fetched; a string naming a file on the
 * server is opened; anything else is base64 (after `split(",")[1]` when it starts with the
 * case-sensitive `data:image/`), decoded leniently (`base64.decodebytes`: characters outside the
 * alphabet are skipped, the padding must still add up), then opened by Pillow.
 */
function loadImageVerdict(reference: string): Verdict {
  if (reference.startsWith("http://") || reference.startsWith("https://")) {
    return {
      accepted: true,
      reason: null,
      rule: `${LOAD_IMAGE_RULE}: an http:// or https:// URL is fetched and opened`,
    };
  }
  let payload = reference;
  if (reference.startsWith("data:image/")) {
    const parts = reference.split(",");
    if (parts.length < 2) {
      return {
        accepted: false,
        reason: "IndexError: list index out of range",
        rule: `${LOAD_IMAGE_RULE}: image.split(",")[1] needs a comma after data:image/`,
      };
    }
    payload = parts[1] as string;
  }
  const failed = (why: string, rule: string): Verdict => ({
    accepted: false,
    reason:
      "Incorrect image source. Must be a valid URL starting with `http://` or `https://`, a " +
      `valid path to an image file, or a base64 encoded string. Got ${abbreviate(payload)}. ` +
      `Failed with ${why}`,
    rule: `${LOAD_IMAGE_RULE}: ${rule} (unless the string names a file on the server)`,
  });
  const decoded = a2bBase64(Buffer.from(payload, "utf8"), false);
  if ("error" in decoded) {
    return failed(decoded.error, "base64.decodebytes refuses the payload");
  }
  if (!pillowReads(sniffFormat(decoded.bytes))) {
    return failed(
      "cannot identify image file <_io.BytesIO object>",
      "the decoded bytes are not an image Pillow opens",
    );
  }
  const prefixed = payload !== reference;
  return {
    accepted: true,
    reason: null,
    rule: prefixed
      ? `${LOAD_IMAGE_RULE}: data:image/ prefix, split(",")[1] decoded by base64.decodebytes (non-alphabet characters skipped)`
      : `${LOAD_IMAGE_RULE}: the whole string decoded by base64.decodebytes (non-alphabet characters skipped)`,
  };
}

const SOURCE =
  "huggingface/transformers@9feaf6f1d95e src/transformers/models/qwen2_vl/image_processing_qwen2_vl.py " +
  "(smart_resize, Qwen2VLImageProcessor), image_processing_backends.py (TorchvisionBackend, PilBackend), " +
  "image_utils.py load_image";

/**
 * The processor's resize of `pixels` to the plan's size with `resize`; a copy when the size
 * stays (torchvision and Pillow both skip the work then). A refused plan has no view.
 */
function resizeTo(
  pixels: ServerPixels,
  { model, error, input, resized }: ModelPlan,
  resize: typeof pillowResize,
): ServerPixels {
  if (error !== null) throw new RangeError(`${model} refuses the image: ${error}`);
  if (input.width !== pixels.width || input.height !== pixels.height) {
    throw new RangeError(
      `plan is for ${input.width}x${input.height}, pixels are ${pixels.width}x${pixels.height}`,
    );
  }
  if (resized === null) return { ...pixels, rgb: new Uint8Array(pixels.rgb) };
  const { width, height } = resized;
  return { width, height, rgb: resize(pixels.rgb, pixels.width, pixels.height, 3, width, height) };
}

/** The fast processor's resize: torchvision's uint8 bicubic with antialias, as current torch has it. */
export function torchvisionView(pixels: ServerPixels, plan: ModelPlan): ServerPixels {
  return resizeTo(pixels, plan, torchvisionResize);
}

export const transformers: ServerPath = {
  name: "transformers",
  description:
    "transformers' fast Qwen-VL processor: load_image, smart_resize, torchvision bicubic (antialias)",
  reproduces:
    "transformers 5.x Qwen2VLImageProcessor (torchvision backend) on current torch's uint8 CPU kernel, Pillow 9.4",
  source: `${SOURCE}; pytorch/pytorch@bb7240c35c73 aten/src/ATen/native/cpu/UpSampleKernel.cpp`,
  models: QWEN_MODELS,
  accepts: loadImageVerdict,
  read: loadImage,
  plan: (model, width, height, options) =>
    processorPlan("transformers", model, width, height, options),
  view: torchvisionView,
};

export const transformersSlow: ServerPath = {
  name: "transformers-slow",
  description: "transformers' PIL Qwen-VL processor: load_image, smart_resize, Pillow BICUBIC",
  reproduces: "transformers 5.x Qwen2VLImageProcessorPil (PIL backend), Pillow 9.4",
  source: SOURCE,
  models: QWEN_MODELS,
  accepts: loadImageVerdict,
  read: loadImage,
  plan: (model, width, height, options) =>
    processorPlan("transformers-slow", model, width, height, options),
  view: (pixels, plan) => resizeTo(pixels, plan, pillowResize),
};
