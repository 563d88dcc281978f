import { pillowRgbOnWhite, pillowView } from "../models/pillow-resize.js";
import { type ModelName, type ModelPlan, type PlanOptions, plan, refused } from "../models/plan.js";
import { smartResize } from "../models/smart-resize.js";
import { pythonBase64Error } from "./python-base64.js";
import type { ServerPath } from "./types.js";
import { accepted, rejected } from "./verdict.js";

/** Factor (patch x merge) and the defaults qwen-vl-utils' vision_process.py sets per family. */
const SPECS = {
  "qwen2-vl": { factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 },
  "qwen2.5-vl": { factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 },
  "qwen3-vl": { factor: 32, minPixels: 4 * 32 * 32, maxPixels: 16384 * 32 * 32 },
} as const;

type QwenModel = keyof typeof SPECS;

const FETCH_IMAGE = "vision_process.py fetch_image";

function qwenPlan(
  model: ModelName,
  width: number,
  height: number,
  options: PlanOptions,
): ModelPlan {
  const { factor, ...defaults } = SPECS[model as QwenModel];
  const minPixels = options.minPixels ?? defaults.minPixels;
  const maxPixels = options.maxPixels ?? defaults.maxPixels;
  const input = { width, height };
  const note =
    `qwen-vl-utils smart_resize (factor ${factor}, min_pixels ${minPixels}, max_pixels ` +
    `${maxPixels}); tokens are visual tokens, the chat template adds 2 markers around them`;
  const result = smartResize(height, width, { factor, minPixels, maxPixels });
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

/**
 * qwen-vl-utils (QwenLM/Qwen2.5-VL, qwen-vl-utils/src/qwen_vl_utils/vision_process.py): Pillow
 * opens the image, RGBA is pasted onto white, other modes convert("RGB"), EXIF and ICC are
 * ignored; smart_resize with its max(factor, ...) floor, then Pillow's BICUBIC.
 */
export const qwenVlUtils: ServerPath = {
  name: "qwen-vl-utils",
  description: "qwen-vl-utils fetch_image: Pillow decode, RGBA onto white, smart_resize, BICUBIC",
  reproduces: "qwen-vl-utils 0.0.x with Debian's Pillow 9.4",
  source: "QwenLM/Qwen2.5-VL qwen-vl-utils/src/qwen_vl_utils/vision_process.py",
  models: ["qwen2.5-vl", "qwen2-vl", "qwen3-vl"],
  accepts(reference) {
    if (reference.startsWith("http://") || reference.startsWith("https://")) {
      return accepted(`${FETCH_IMAGE}: http(s) URLs are fetched with requests.get`);
    }
    if (reference.startsWith("file://")) {
      return accepted(`${FETCH_IMAGE}: file:// opens the local path after it`);
    }
    // Case-sensitive: "DATA:image" and "data:IMAGE" fall through to Image.open(path).
    if (!reference.startsWith("data:image")) {
      return rejected(
        `[Errno 2] No such file or directory: '${reference.slice(0, 40)}${reference.length > 40 ? "..." : ""}'`,
        `${FETCH_IMAGE}: only a string starting "data:image" (case-sensitive) is decoded; anything else is opened as a file path`,
      );
    }
    const at = reference.indexOf("base64,");
    if (at < 0) {
      return rejected(
        "Unrecognized image input, support local path, http url, base64 and PIL.Image",
        `${FETCH_IMAGE}: a data:image string without "base64," is not read`,
      );
    }
    const error = pythonBase64Error(reference.slice(at + 7), false);
    const rule = `${FETCH_IMAGE}: split at the first "base64,", then base64.b64decode (lenient: other characters are skipped)`;
    return error === null ? accepted(rule) : rejected(`binascii.Error: ${error}`, rule);
  },
  async read({ image }) {
    return pillowRgbOnWhite(image);
  },
  plan: (model, width, height, options = {}) => qwenPlan(model, width, height, options),
  view: pillowView,
};
