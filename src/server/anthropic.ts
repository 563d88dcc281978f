import { mimeForFormat, sniffFormat } from "../image/format.js";
import { fitArea, fitLongEdge } from "../models/fit.js";
import { pillowRgbOnWhite, pillowView } from "../models/pillow-resize.js";
import { type ModelPlan, plan, refused } from "../models/plan.js";
import type { Size } from "../models/smart-resize.js";
import type { ServerPath } from "./types.js";
import { accepted, base64DataUri, isDataUri, isHttpUrl, rejected } from "./verdict.js";

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
const TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
/** 5 MB of base64 text per image: the limit counts the encoded string, not the file. */
const ANTHROPIC_MAX_BASE64 = 5 * 1024 * 1024;
const GUIDE = "Anthropic vision guide and Messages API errors (published, not run here)";

/**
 * Anthropic's Messages API (Claude): the published size and token rule. A base64 image is a
 * source object { media_type, data }, which a client makes from a data URI's two halves; the
 * decoder and resampler are not public, so the view is Pillow's, an estimate.
 */
export const anthropic: ServerPath = {
  name: "anthropic",
  description: "Anthropic Messages API: published long-edge and token limits",
  reproduces: "Anthropic's vision guide, as published",
  source: "docs.anthropic.com/en/docs/build-with-claude/vision",
  models: ["claude"],
  accepts(reference) {
    if (isHttpUrl(reference)) return accepted(`${GUIDE}: a url source is fetched by Anthropic`);
    if (!isDataUri(reference)) {
      return rejected("invalid image source", `${GUIDE}: a base64 or url source`);
    }
    // The client sends the header's type as media_type, as written: the API checks it exactly.
    const parsed = base64DataUri(reference);
    if (parsed === undefined) {
      return rejected("source.type must be base64", `${GUIDE}: images are sent as base64`);
    }
    const { type, data } = parsed;
    if (!TYPES.includes(type)) {
      return rejected(
        `media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
        `${GUIDE}: media_type is one of four types`,
      );
    }
    const size = reference.length - data;
    if (size > ANTHROPIC_MAX_BASE64) {
      return rejected(
        `image exceeds 5 MB maximum: ${size} bytes > ${ANTHROPIC_MAX_BASE64} bytes`,
        `${GUIDE}: 5 MB of base64 text per image`,
      );
    }
    const sniffed = sniffFormat(Buffer.from(reference.slice(data, data + 96), "base64"));
    if (mimeForFormat(sniffed) !== type) {
      return rejected(
        `The image was specified using the ${type} media type, but does not appear to be a valid ${type} image`,
        `${GUIDE}: media_type must be the image's real type`,
      );
    }
    return accepted(`${GUIDE}: JPEG, PNG, GIF or WebP, up to 5 MB of base64`);
  },
  async read({ image }) {
    return pillowRgbOnWhite(image);
  },
  plan(_model, width, height): ModelPlan {
    return claudePlan({ width, height });
  },
  view: pillowView,
};
