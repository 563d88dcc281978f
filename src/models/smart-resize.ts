import { roundHalfEven } from "./round.js";

/** qwen-vl-utils refuses images whose long side is more than this many times the short side. */
export const MAX_RATIO = 200;

export interface SmartResizeOptions {
  /** Patch size x spatial merge: 28 for Qwen2-VL / Qwen2.5-VL, 32 for Qwen3-VL. */
  factor: number;
  minPixels: number;
  maxPixels: number;
  /**
   * "qwen-vl-utils" (the default) floors the rounded sides at `factor` and asserts
   * max_pixels >= min_pixels. "transformers" is the image processors' own copy
   * (models/qwen2_vl/image_processing_qwen2_vl.py): no floor after rounding, so a side can round
   * to 0 and the min-pixels branch then decides (199x1 -> 812x28 at factor 28, min 3,136), no
   * assertion, and a floor at `factor` in the max-pixels branch only.
   */
  rounding?: "qwen-vl-utils" | "transformers";
}

export interface Size {
  width: number;
  height: number;
}

/** Python's repr() of a float, for the integral and ordinary magnitudes a ratio can take. */
function pythonFloat(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? `${x}.0` : String(x);
}

/**
 * qwen-vl-utils' `smart_resize` (or transformers' copy: see `rounding`), operation for operation:
 * the same double-precision divisions, sqrt, floor and ceil, and Python's ties-to-even `round`,
 * so every size matches the reference.
 * Like the reference, the max-pixels branch has no lower bound: a tiny max_pixels and an
 * extreme aspect ratio can give a side of 0, which callers must treat as unusable.
 */
export function smartResize(
  height: number,
  width: number,
  { factor, minPixels, maxPixels, rounding = "qwen-vl-utils" }: SmartResizeOptions,
): Size | { error: string } {
  const floored = rounding === "qwen-vl-utils";
  // The current qwen-vl-utils asserts this; the original silently preferred max_pixels.
  if (floored && maxPixels < minPixels) {
    return { error: "The max_pixels of image must be greater than or equal to min_pixels." };
  }
  const ratio = Math.max(height, width) / Math.min(height, width);
  if (ratio > MAX_RATIO) {
    return {
      error: `absolute aspect ratio must be smaller than ${MAX_RATIO}, got ${pythonFloat(ratio)}`,
    };
  }
  // Each copy floors the sides at `factor` in one place only.
  const roundedFloor = floored ? factor : 0;
  const shrunkFloor = floored ? 0 : factor;
  let hBar = Math.max(roundedFloor, roundHalfEven(height / factor) * factor);
  let wBar = Math.max(roundedFloor, roundHalfEven(width / factor) * factor);
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(shrunkFloor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(shrunkFloor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: hBar, width: wBar };
}
