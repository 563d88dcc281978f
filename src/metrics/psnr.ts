/** Pixel-difference statistics over R, G, B (alpha ignored). */
export interface ErrorStats {
  pixels: number;
  /** Pixels where any of R, G, B differs. */
  changedPixels: number;
  /** Largest absolute difference of any R, G or B sample, 0-255. */
  maxChannelDiff: number;
  /** Mean absolute difference over all R, G, B samples. */
  meanAbsError: number;
  /** Mean squared difference over all R, G, B samples. */
  mse: number;
  /** 10·log10(255²/mse) in dB; null when mse is 0 (infinite). */
  psnr: number | null;
  identical: boolean;
}

/**
 * Throws a RangeError unless a and b are RGBA buffers of exactly width×height pixels.
 * A mismatch is a caller bug, not bad input, so it is not an ImgencError.
 */
export function assertPixelPair(a: Uint8Array, b: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  const expected = width * height * 4;
  if (a.length !== expected || b.length !== expected) {
    throw new RangeError(
      `RGBA buffers of ${a.length} and ${b.length} bytes do not match ${width}x${height} (${expected} bytes)`,
    );
  }
}

// Per-chunk sums stay below 2^31 (4096 px · 3 · 255² ≈ 8e8), so the hot loop adds small
// integers and only the per-chunk flush touches the (still exact) double totals.
const CHUNK_PIXELS = 4096;

export function errorStats(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): ErrorStats {
  assertPixelPair(a, b, width, height);
  const pixels = width * height;
  const end = pixels * 4;
  let changed = 0;
  let max = 0;
  let sumAbs = 0;
  let sumSq = 0;
  for (let start = 0; start < end; start += CHUNK_PIXELS * 4) {
    const stop = Math.min(end, start + CHUNK_PIXELS * 4);
    let chunkAbs = 0;
    let chunkSq = 0;
    for (let i = start; i < stop; i += 4) {
      const dr = (a[i] as number) - (b[i] as number);
      const dg = (a[i + 1] as number) - (b[i + 1] as number);
      const db = (a[i + 2] as number) - (b[i + 2] as number);
      const ar = dr < 0 ? -dr : dr;
      const ag = dg < 0 ? -dg : dg;
      const ab = db < 0 ? -db : db;
      const m = Math.max(ar, ag, ab);
      if (m !== 0) {
        changed++;
        if (m > max) max = m;
        chunkAbs += ar + ag + ab;
        chunkSq += dr * dr + dg * dg + db * db;
      }
    }
    sumAbs += chunkAbs;
    sumSq += chunkSq;
  }
  return errorStatsFromSums(pixels, changed, max, sumAbs, sumSq);
}

/** The statistics from the exact integer sums, shared by the JavaScript and wasm passes. */
export function errorStatsFromSums(
  pixels: number,
  changed: number,
  max: number,
  sumAbs: number,
  sumSq: number,
): ErrorStats {
  const samples = pixels * 3;
  const mse = samples === 0 ? 0 : sumSq / samples;
  return {
    pixels,
    changedPixels: changed,
    maxChannelDiff: max,
    meanAbsError: samples === 0 ? 0 : sumAbs / samples,
    mse,
    psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse),
    identical: changed === 0,
  };
}
