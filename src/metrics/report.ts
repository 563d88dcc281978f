import { errorStats } from "./error.js";
import { mismatch } from "./mismatch.js";
import { ssim } from "./ssim.js";

export const DEFAULT_THRESHOLD = 0.1;

/** Every difference metric between two decoded payloads of the same size. */
export interface Metrics {
  width: number;
  height: number;
  pixels: number;
  identical: boolean;
  changedPixels: number;
  changedShare: number;
  mismatchedPixels: number;
  mismatchShare: number;
  threshold: number;
  /** dB over R, G, B; null when the payloads are identical. */
  psnr: number | null;
  /** Gaussian SSIM on luma; null for images narrower or shorter than the 11 px window. */
  ssim: number | null;
  maxChannelDiff: number;
  meanAbsError: number;
}

export interface MeasureOptions {
  threshold?: number;
  /** Also return pixelmatch's diff image (RGBA). */
  diff?: boolean;
}

export interface Measurement {
  metrics: Metrics;
  diff?: Uint8Array;
}

/** Both inputs are RGBA, width * height * 4 bytes; alpha is ignored by every metric. */
export function measure(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  options: MeasureOptions = {},
): Measurement {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const stats = errorStats(a, b, width, height);
  const pm = mismatch(a, b, width, height, { threshold, diff: options.diff ?? false });
  const pixels = width * height;
  const metrics: Metrics = {
    width,
    height,
    pixels,
    identical: stats.identical,
    changedPixels: stats.changedPixels,
    changedShare: pixels === 0 ? 0 : stats.changedPixels / pixels,
    mismatchedPixels: pm.mismatched,
    mismatchShare: pixels === 0 ? 0 : pm.mismatched / pixels,
    threshold,
    psnr: stats.psnr,
    ssim: stats.identical ? (width >= 11 && height >= 11 ? 1 : null) : ssim(a, b, width, height),
    maxChannelDiff: stats.maxChannelDiff,
    meanAbsError: stats.meanAbsError,
  };
  return pm.diff === undefined ? { metrics } : { metrics, diff: pm.diff };
}
