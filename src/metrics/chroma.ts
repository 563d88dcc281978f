import { assertPixelPair } from "./psnr.js";

/**
 * Error of each JPEG (JFIF, full-range BT.601) YCbCr channel between two RGBA images: shows
 * what chroma subsampling destroys, which RGB PSNR mixes with luma error. Alpha is ignored.
 */
export interface ChromaError {
  /** PSNR of Cb in dB, peak 255; null when Cb is identical everywhere. */
  cbPsnr: number | null;
  crPsnr: number | null;
  lumaPsnr: number | null;
  /** Largest absolute Cb difference, in Cb units (0-255 scale). */
  cbMaxDiff: number;
  crMaxDiff: number;
}

// Scaled per-chunk sums of Y² stay below 2^53 (4096 px · (255·1000)²), so they are exact.
const CHUNK_PIXELS = 4096;

function psnr(sumSq: number, scale: number, pixels: number): number | null {
  if (sumSq === 0) return null;
  return 10 * Math.log10((255 * 255 * pixels * scale * scale) / sumSq);
}

export function chromaError(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): ChromaError {
  assertPixelPair(a, b, width, height);
  const pixels = width * height;
  const end = pixels * 4;
  let sumY = 0;
  let sumCb = 0;
  let sumCr = 0;
  let maxCb = 0;
  let maxCr = 0;
  for (let start = 0; start < end; start += CHUNK_PIXELS * 4) {
    const stop = Math.min(end, start + CHUNK_PIXELS * 4);
    let chunkY = 0;
    let chunkCb = 0;
    let chunkCr = 0;
    for (let i = start; i < stop; i += 4) {
      const dr = (a[i] as number) - (b[i] as number);
      const dg = (a[i + 1] as number) - (b[i + 1] as number);
      const db = (a[i + 2] as number) - (b[i + 2] as number);
      // The JFIF coefficients are exact in thousandths (Y) and millionths (Cb, Cr), so the
      // scaled differences are exact integers: the 128 offsets cancel, and a grey shift gives
      // Cb = Cr = 0 exactly instead of ~1e-14 of rounding that would read as a finite PSNR.
      const y = 299 * dr + 587 * dg + 114 * db;
      const cb = -168736 * dr - 331264 * dg + 500000 * db;
      const cr = 500000 * dr - 418688 * dg - 81312 * db;
      chunkY += y * y;
      chunkCb += cb * cb;
      chunkCr += cr * cr;
      const acb = cb < 0 ? -cb : cb;
      const acr = cr < 0 ? -cr : cr;
      if (acb > maxCb) maxCb = acb;
      if (acr > maxCr) maxCr = acr;
    }
    sumY += chunkY;
    sumCb += chunkCb;
    sumCr += chunkCr;
  }
  return chromaErrorFromSums(pixels, sumY, sumCb, sumCr, maxCb, maxCr);
}

/**
 * The result from the sums of squared scaled differences (Y in thousandths, Cb and Cr in
 * millionths) and the largest scaled Cb and Cr differences; shared with the wasm pass.
 */
export function chromaErrorFromSums(
  pixels: number,
  sumY: number,
  sumCb: number,
  sumCr: number,
  maxCb: number,
  maxCr: number,
): ChromaError {
  return {
    cbPsnr: psnr(sumCb, 1e6, pixels),
    crPsnr: psnr(sumCr, 1e6, pixels),
    lumaPsnr: psnr(sumY, 1e3, pixels),
    cbMaxDiff: maxCb / 1e6,
    crMaxDiff: maxCr / 1e6,
  };
}
