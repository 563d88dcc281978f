import { fitLongEdge } from "../models/fit.js";
import { pillowRgbOnWhite, pillowView } from "../models/pillow-resize.js";
import { type ModelPlan, plan } from "../models/plan.js";
import type { Size } from "../models/smart-resize.js";
import type { ServerPath } from "./types.js";
import { accepted, base64DataUri, isDataUri, isHttpUrl, rejected } from "./verdict.js";

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
/** The image types the vision guide lists; an animated GIF is refused too (not checked here). */
const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
const GUIDE = "OpenAI vision guide (published rule, not run here)";

/**
 * OpenAI's API (gpt-4o family): the published sizes, tiles and tokens. Its decoder and
 * resampler are not public: the view is Pillow's, an estimate.
 */
export const openai: ServerPath = {
  name: "openai",
  description: "OpenAI chat completions: published detail high/low sizing and tile tokens",
  reproduces: "OpenAI's vision guide (calculating costs), as published",
  source: "platform.openai.com/docs/guides/images-vision",
  models: ["gpt-4o", "gpt-4o-low"],
  accepts(reference) {
    if (isHttpUrl(reference)) return accepted(`${GUIDE}: image URLs are fetched by OpenAI`);
    if (!isDataUri(reference)) {
      return rejected(
        "Invalid image URL",
        `${GUIDE}: an image_url is an http(s) URL or a data URL`,
      );
    }
    const parsed = base64DataUri(reference);
    if (parsed === undefined) {
      return rejected("Invalid image URL", `${GUIDE}: a data URL carries base64 data`);
    }
    // Media types are case-insensitive in a data URL.
    const type = parsed.type.toLowerCase();
    if (!TYPES.includes(type)) {
      return rejected(
        `unsupported image type "${type}": use one of ${TYPES.join(", ")}`,
        `${GUIDE}: PNG, JPEG, WEBP and non-animated GIF`,
      );
    }
    return accepted(`${GUIDE}: PNG, JPEG, WEBP and non-animated GIF, up to 20 MB`);
  },
  async read({ image }) {
    return pillowRgbOnWhite(image);
  },
  plan(model, width, height): ModelPlan {
    const input = { width, height };
    return model === "gpt-4o-low" ? gptLowPlan(input) : gptHighPlan(input);
  },
  view: pillowView,
};
