import { assertPixelPair } from "./psnr.js";

const RADIUS = 5;
const WINDOW = 2 * RADIUS + 1;
const SIGMA = 1.5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

function gaussian(): number[] {
  const raw: number[] = [];
  for (let k = -RADIUS; k <= RADIUS; k++) raw.push(Math.exp(-(k * k) / (2 * SIGMA * SIGMA)));
  const total = raw.reduce((s, v) => s + v, 0);
  return raw.map((v) => v / total);
}

/** The 11 normalised 1-D Gaussian weights (σ = 1.5), index 0 is offset -5. */
export const SSIM_WEIGHTS: readonly number[] = Object.freeze(gaussian());

const W0 = SSIM_WEIGHTS[5] as number;
const W1 = SSIM_WEIGHTS[6] as number;
const W2 = SSIM_WEIGHTS[7] as number;
const W3 = SSIM_WEIGHTS[8] as number;
const W4 = SSIM_WEIGHTS[9] as number;
const W5 = SSIM_WEIGHTS[10] as number;

/**
 * Mean SSIM (Wang et al. 2004) of the BT.601 luma of two RGBA images, Gaussian 11×11 window,
 * σ = 1.5, population covariances, over the positions where the whole window fits: the
 * value scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=255) gives on the luma planes.
 * Null when either side is under 11 pixels.
 *
 * Streams rows through an 11-row ring of horizontally filtered values, so memory is
 * O(width). Only σx²+σy² enters the formula, so x²+y² is filtered as one quantity (4 planes,
 * not 5).
 */
export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number): number | null {
  assertPixelPair(a, b, width, height);
  if (width < WINDOW || height < WINDOW) return null;
  const ow = width - 2 * RADIUS;
  const oh = height - 2 * RADIUS;

  // Per input row: luma and the per-pixel products.
  const lx = new Float64Array(width);
  const ly = new Float64Array(width);
  const lss = new Float64Array(width);
  const lxy = new Float64Array(width);
  // Ring of WINDOW horizontally filtered rows per quantity; input row r lives in slot r % 11.
  const hx = new Float64Array(WINDOW * ow);
  const hy = new Float64Array(WINDOW * ow);
  const hss = new Float64Array(WINDOW * ow);
  const hxy = new Float64Array(WINDOW * ow);

  let total = 0;
  for (let row = 0; row < height; row++) {
    let p = row * width * 4;
    for (let i = 0; i < width; i++, p += 4) {
      const x =
        0.299 * (a[p] as number) + 0.587 * (a[p + 1] as number) + 0.114 * (a[p + 2] as number);
      const y =
        0.299 * (b[p] as number) + 0.587 * (b[p + 1] as number) + 0.114 * (b[p + 2] as number);
      lx[i] = x;
      ly[i] = y;
      lss[i] = x * x + y * y;
      lxy[i] = x * y;
    }
    const base = (row % WINDOW) * ow;
    horizontal(lx, hx, base, ow);
    horizontal(ly, hy, base, ow);
    horizontal(lss, hss, base, ow);
    horizontal(lxy, hxy, base, ow);
    if (row >= 2 * RADIUS) total += vertical(hx, hy, hss, hxy, row - RADIUS, ow);
  }
  return total / (ow * oh);
}

/** Symmetric 11-tap filter of src into dst[base .. base+ow), valid positions only. */
function horizontal(src: Float64Array, dst: Float64Array, base: number, ow: number): void {
  for (let i = 0; i < ow; i++) {
    const c = i + RADIUS;
    dst[base + i] =
      W0 * (src[c] as number) +
      W1 * ((src[c - 1] as number) + (src[c + 1] as number)) +
      W2 * ((src[c - 2] as number) + (src[c + 2] as number)) +
      W3 * ((src[c - 3] as number) + (src[c + 3] as number)) +
      W4 * ((src[c - 4] as number) + (src[c + 4] as number)) +
      W5 * ((src[c - 5] as number) + (src[c + 5] as number));
  }
}

/** Vertical filter centred on input row `centre`, then the SSIM map summed along the row. */
function vertical(
  hx: Float64Array,
  hy: Float64Array,
  hss: Float64Array,
  hxy: Float64Array,
  centre: number,
  ow: number,
): number {
  const o0 = (centre % WINDOW) * ow;
  const m1 = ((centre - 1) % WINDOW) * ow;
  const p1 = ((centre + 1) % WINDOW) * ow;
  const m2 = ((centre - 2) % WINDOW) * ow;
  const p2 = ((centre + 2) % WINDOW) * ow;
  const m3 = ((centre - 3) % WINDOW) * ow;
  const p3 = ((centre + 3) % WINDOW) * ow;
  const m4 = ((centre - 4) % WINDOW) * ow;
  const p4 = ((centre + 4) % WINDOW) * ow;
  const m5 = ((centre - 5) % WINDOW) * ow;
  const p5 = ((centre + 5) % WINDOW) * ow;
  let sum = 0;
  for (let i = 0; i < ow; i++) {
    const ux =
      W0 * (hx[o0 + i] as number) +
      W1 * ((hx[m1 + i] as number) + (hx[p1 + i] as number)) +
      W2 * ((hx[m2 + i] as number) + (hx[p2 + i] as number)) +
      W3 * ((hx[m3 + i] as number) + (hx[p3 + i] as number)) +
      W4 * ((hx[m4 + i] as number) + (hx[p4 + i] as number)) +
      W5 * ((hx[m5 + i] as number) + (hx[p5 + i] as number));
    const uy =
      W0 * (hy[o0 + i] as number) +
      W1 * ((hy[m1 + i] as number) + (hy[p1 + i] as number)) +
      W2 * ((hy[m2 + i] as number) + (hy[p2 + i] as number)) +
      W3 * ((hy[m3 + i] as number) + (hy[p3 + i] as number)) +
      W4 * ((hy[m4 + i] as number) + (hy[p4 + i] as number)) +
      W5 * ((hy[m5 + i] as number) + (hy[p5 + i] as number));
    const ess =
      W0 * (hss[o0 + i] as number) +
      W1 * ((hss[m1 + i] as number) + (hss[p1 + i] as number)) +
      W2 * ((hss[m2 + i] as number) + (hss[p2 + i] as number)) +
      W3 * ((hss[m3 + i] as number) + (hss[p3 + i] as number)) +
      W4 * ((hss[m4 + i] as number) + (hss[p4 + i] as number)) +
      W5 * ((hss[m5 + i] as number) + (hss[p5 + i] as number));
    const exy =
      W0 * (hxy[o0 + i] as number) +
      W1 * ((hxy[m1 + i] as number) + (hxy[p1 + i] as number)) +
      W2 * ((hxy[m2 + i] as number) + (hxy[p2 + i] as number)) +
      W3 * ((hxy[m3 + i] as number) + (hxy[p3 + i] as number)) +
      W4 * ((hxy[m4 + i] as number) + (hxy[p4 + i] as number)) +
      W5 * ((hxy[m5 + i] as number) + (hxy[p5 + i] as number));
    const uxx = ux * ux;
    const uyy = uy * uy;
    const uxy = ux * uy;
    sum += ((2 * uxy + C1) * (2 * (exy - uxy) + C2)) / ((uxx + uyy + C1) * (ess - uxx - uyy + C2));
  }
  return sum;
}
