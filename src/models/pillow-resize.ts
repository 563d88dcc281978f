import { dropAlpha } from "../image/channels.js";
import type { DecodedImage, ImageInfo } from "../image/decode.js";
import type { ModelPlan } from "./registry.js";

/**
 * Pillow 9.4's 8-bit resampling (src/libImaging/Resample.c), reproduced bit for bit: the same
 * double-precision filter weights, the same rounding to 22-bit fixed point, the same integer
 * accumulation and the same pass order. A float implementation differs by 1 in many pixels.
 */

export type ResampleFilter = "bicubic";

/** 32 bits minus 8 for the result and 2 for overshoot of the negative-lobe filters. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

/** Keys' cubic with a = -0.5, written as Pillow writes it so every double rounds the same way. */
function bicubic(x: number): number {
  const t = Math.abs(x);
  if (t < 1) return (1.5 * t - 2.5) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * -0.5;
  return 0;
}

interface Coefficients {
  /** Stride of `weights`: the most taps any output sample can have. */
  ksize: number;
  /** Per output sample: first input index, number of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output sample. */
  weights: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis (box = the whole image). */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  // Widening the kernel when shrinking is what antialiases the result.
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterScale;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < count; x++) {
      // Same association as the C expression: ((x + xmin) - center + 0.5) * ss.
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < count; x++) {
      const w = sum !== 0 ? (k[x] as number) / sum : (k[x] as number);
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

// Uint8ClampedArray stores an integer clamped to 0..255: Pillow's clip8 after the shift.

/** Horizontal pass over `rows` rows starting at `firstRow`. */
function resampleHorizontal(
  src: Uint8Array,
  inWidth: number,
  channels: 3 | 4,
  firstRow: number,
  rows: number,
  outWidth: number,
  { ksize, bounds, weights }: Coefficients,
): Uint8ClampedArray {
  const dst = new Uint8ClampedArray(outWidth * rows * channels);
  const inStride = inWidth * channels;
  let o = 0;
  for (let yy = 0; yy < rows; yy++) {
    const row = (yy + firstRow) * inStride;
    for (let xx = 0; xx < outWidth; xx++) {
      let p = row + (bounds[xx * 2] as number) * channels;
      const end = xx * ksize + (bounds[xx * 2 + 1] as number);
      // All channels in one walk over the taps: this pass dominates the run time.
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      let a3 = HALF;
      for (let k = xx * ksize; k < end; k++, p += channels) {
        const w = weights[k] as number;
        a0 += (src[p] as number) * w;
        a1 += (src[p + 1] as number) * w;
        a2 += (src[p + 2] as number) * w;
        if (channels === 4) a3 += (src[p + 3] as number) * w;
      }
      dst[o++] = a0 >> PRECISION_BITS;
      dst[o++] = a1 >> PRECISION_BITS;
      dst[o++] = a2 >> PRECISION_BITS;
      if (channels === 4) dst[o++] = a3 >> PRECISION_BITS;
    }
  }
  return dst;
}

/** Vertical pass; `bounds` are relative to the first row of `src`. */
function resampleVertical(
  src: Uint8Array,
  width: number,
  channels: number,
  outHeight: number,
  { ksize, bounds, weights }: Coefficients,
  rowShift: number,
): Uint8ClampedArray {
  const stride = width * channels;
  const dst = new Uint8ClampedArray(stride * outHeight);
  // Row by row keeps memory access sequential. Int32Array sums wrap mod 2^32, but every
  // complete sum fits in an int (as in Pillow's C), so the result is exact.
  const acc = new Int32Array(stride);
  for (let yy = 0; yy < outHeight; yy++) {
    const first = (bounds[yy * 2] as number) - rowShift;
    const end = yy * ksize + (bounds[yy * 2 + 1] as number);
    acc.fill(HALF);
    for (let k = yy * ksize, row = first * stride; k < end; k++, row += stride) {
      const w = weights[k] as number;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i] as number) + (src[row + i] as number) * w;
    }
    const out = yy * stride;
    for (let i = 0; i < stride; i++) dst[out + i] = (acc[i] as number) >> PRECISION_BITS;
  }
  return dst;
}

/** Pillow's MULDIV255 / DIV255: x/255 rounded, with its exact integer steps. */
function div255(x: number): number {
  const t = x + 128;
  return ((t >> 8) + t) >> 8;
}

/** RGBA -> "RGBa" as Pillow converts it before resizing. */
function premultiply(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] as number;
    out[i] = div255((rgba[i] as number) * a);
    out[i + 1] = div255((rgba[i + 1] as number) * a);
    out[i + 2] = div255((rgba[i + 2] as number) * a);
    out[i + 3] = a;
  }
  return out;
}

/** "RGBa" -> RGBA in place: Pillow truncates 255*c/a and clips; alpha 0 and 255 pass through. */
function unpremultiply(rgba: Uint8Array): void {
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] as number;
    if (a === 0 || a === 255) continue;
    for (let c = i; c < i + 3; c++) {
      rgba[c] = Math.min(255, Math.floor((255 * (rgba[c] as number)) / a));
    }
  }
}

/**
 * Pillow 9.4's `Image.resize((newWidth, newHeight), Image.BICUBIC)` on an 8-bit RGB (3 channels)
 * or RGBA (4 channels, interleaved) image, bit-exact. Like Pillow, RGBA is resized
 * premultiplied ("RGBa") and converted back, and an unchanged size returns a plain copy.
 */
export function pillowResize(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 3 | 4,
  newWidth: number,
  newHeight: number,
  filter: ResampleFilter = "bicubic",
): Uint8Array {
  if (filter !== "bicubic") throw new RangeError(`unsupported filter ${String(filter)}`);
  for (const [name, value] of Object.entries({ width, height, newWidth, newHeight })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `${pixels.length} bytes do not hold ${width}x${height} pixels of ${channels} channels`,
    );
  }
  // new Uint8Array copies; a Buffer's slice() would share memory.
  if (newWidth === width && newHeight === height) return new Uint8Array(pixels);

  let src = channels === 4 ? premultiply(pixels) : pixels;
  const vertical = coefficients(height, newHeight);
  // Only the rows the vertical pass reads go through the horizontal pass.
  const firstRow = vertical.bounds[0] as number;
  const lastRow =
    (vertical.bounds[newHeight * 2 - 2] as number) + (vertical.bounds[newHeight * 2 - 1] as number);
  let rowShift = 0;
  if (newWidth !== width) {
    const horizontal = coefficients(width, newWidth);
    const rows = lastRow - firstRow;
    src = new Uint8Array(
      resampleHorizontal(src, width, channels, firstRow, rows, newWidth, horizontal).buffer,
    );
    rowShift = firstRow;
  }
  if (newHeight !== height) {
    src = new Uint8Array(
      resampleVertical(src, newWidth, channels, newHeight, vertical, rowShift).buffer,
    );
  }
  if (channels === 4) unpremultiply(src);
  return src;
}

/**
 * qwen-vl-utils' and vLLM's RGBA -> RGB: `Image.new("RGB", size, (255, 255, 255))` then
 * `paste(img, mask=alpha)`, whose blend is DIV255(255 * (255 - a) + c * a).
 */
export function compositeOnWhite(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new RangeError(`${rgba.length} bytes are not ${width}x${height} RGBA pixels`);
  }
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 4, o += 3) {
    const a = rgba[i + 3] as number;
    const background = 255 * (255 - a);
    rgb[o] = div255(background + (rgba[i] as number) * a);
    rgb[o + 1] = div255(background + (rgba[i + 1] as number) * a);
    rgb[o + 2] = div255(background + (rgba[i + 2] as number) * a);
  }
  return rgb;
}

/**
 * Whether Pillow opens the image in mode "RGBA", the only mode the model stacks composite on
 * white. Grey+alpha ("LA") and palette transparency ("P") get plain convert("RGB"), which drops
 * it. An RGB PNG with a tRNS colour key (mode "RGB" in Pillow) looks the same as RGBA here.
 */
export function opensAsRgba(info: ImageInfo): boolean {
  return info.hasAlpha && info.channels === 4 && !info.palette && info.format !== "gif";
}

export interface ModelView {
  width: number;
  height: number;
  /** width * height * 3 bytes. */
  rgb: Uint8Array;
}

/**
 * What a Pillow-based server hands its processor when it pastes mode "RGBA" onto white and
 * gives every other mode a plain `convert("RGB")` (qwen-vl-utils' to_rgb, vLLM before its
 * transparency fix): P and LA transparency is dropped there, and the stored colour shows.
 */
export function pillowRgbOnWhite(image: DecodedImage): ModelView {
  const { width, height } = image;
  const rgb = opensAsRgba(image.info)
    ? compositeOnWhite(image.rgba, width, height)
    : dropAlpha(image.pillowRgba);
  return { width, height, rgb };
}

/** Pillow's bicubic to the planned size: the resize every Pillow-based processor ends with. */
export function pillowView(pixels: ModelView, plan: ModelPlan): ModelView {
  if (plan.resized === null) return { ...pixels, rgb: new Uint8Array(pixels.rgb) };
  const { width, height } = plan.resized;
  return {
    width,
    height,
    rgb: pillowResize(pixels.rgb, pixels.width, pixels.height, 3, width, height),
  };
}

/**
 * The pixels the model receives, as qwen-vl-utils makes them: RGBA composited on white
 * (other modes converted to RGB as Pillow reads them), then Pillow's default bicubic resize
 * to the planned size. Throws a RangeError when the plan is a refusal or is for another size.
 */
export function modelView(image: DecodedImage, plan: ModelPlan): ModelView {
  if (plan.error !== null) throw new RangeError(`${plan.model} refuses the image: ${plan.error}`);
  const { width, height } = image;
  if (plan.input.width !== width || plan.input.height !== height) {
    throw new RangeError(
      `plan is for ${plan.input.width}x${plan.input.height}, image is ${width}x${height}`,
    );
  }
  return pillowView(pillowRgbOnWhite(image), plan);
}
