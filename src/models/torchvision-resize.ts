/**
 * torchvision's `F.resize(uint8 tensor, (h, w), InterpolationMode.BICUBIC, antialias=True)` on
 * the CPU, as current torch computes it: torchvision hands the uint8 tensor straight to
 * `interpolate(mode="bicubic", antialias=True)`, whose uint8 kernel works in int16 fixed point.
 * Reproduced from pytorch/pytorch@bb7240c35c73 aten/src/ATen/native/cpu/UpSampleKernel.cpp
 * (`_compute_indices_min_size_weights_aa`, `_compute_index_ranges_int16_weights`,
 * `basic_loop_aa_horizontal/vertical<uint8_t>`, `separable_upsample_generic_Nd_kernel_impl`) and
 * UpSampleKernelAVXAntialias.h, whose AVX2 path (taken for 3 or 4 channels) sums the same int16
 * products exactly (`_mm256_madd_epi16`) and clamps the same way. Pillow's bicubic has the same
 * filter, bounds and pass order but 22-bit int32 weights, hence small differences.
 */

/** Keys' cubic with a = -0.5 (`aa_filter<double, true>`), in `cubic_convolution1/2`'s order. */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

interface Taps {
  /** Stride of `weights`: max_interp_size. */
  ksize: number;
  /** Per output sample: first input index, number of taps. */
  bounds: Int32Array;
  /** int16 weights, `ksize` per output sample. */
  weights: Int16Array;
  /** The fixed-point precision p: sums start at 1 << (p - 1) and are shifted right by p. */
  precision: number;
}

/** The indices and int16 weights for one axis (align_corners=False, no scale factor). */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const support = scale >= 1 ? 2 * scale : 2;
  const ksize = Math.ceil(support) * 2 + 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const bounds = new Int32Array(outSize * 2);
  const real = new Float64Array(outSize * ksize);
  let wtMax = 0;
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    // static_cast<int64_t> truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    // Rounding can make one tap too many; the kernel clamps it away.
    const xsize = Math.min(
      Math.max(Math.min(Math.trunc(center + support + 0.5), inSize) - xmin, 0),
      ksize,
    );
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = cubic((j + xmin - center + 0.5) * invscale);
      real[i * ksize + j] = w;
      total += w;
    }
    if (total !== 0) {
      for (let j = 0; j < xsize; j++) {
        const w = (real[i * ksize + j] as number) / total;
        real[i * ksize + j] = w;
        wtMax = Math.max(wtMax, w);
      }
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xsize;
  }
  // The largest p below 22 whose next step would still keep wt_max within int16.
  let precision = 0;
  for (; precision < 22; precision++) {
    if (Math.trunc(0.5 + wtMax * 2 ** (precision + 1)) >= 1 << 15) break;
  }
  const weights = new Int16Array(outSize * ksize);
  for (let k = 0; k < real.length; k++) {
    const v = (real[k] as number) * 2 ** precision;
    weights[k] = v < 0 ? Math.trunc(-0.5 + v) : Math.trunc(0.5 + v);
  }
  return { ksize, bounds, weights, precision };
}

/** The horizontal pass: every row, `channels` interleaved, into a uint8 buffer. */
function horizontal(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  { ksize, bounds, weights, precision }: Taps,
): Uint8Array {
  const out = new Uint8Array(outWidth * height * channels);
  const half = 1 << (precision - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    const outRow = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const first = row + (bounds[x * 2] as number) * channels;
      const count = bounds[x * 2 + 1] as number;
      for (let c = 0; c < channels; c++) {
        let acc = half;
        for (let j = 0, p = first + c; j < count; j++, p += channels) {
          acc += (src[p] as number) * (weights[x * ksize + j] as number);
        }
        const v = acc >> precision;
        out[outRow + x * channels + c] = Math.max(0, Math.min(255, v));
      }
    }
  }
  return out;
}

/** The vertical pass over rows of `stride` bytes. */
function vertical(
  src: Uint8Array,
  stride: number,
  outHeight: number,
  { ksize, bounds, weights, precision }: Taps,
): Uint8Array {
  const out = new Uint8Array(stride * outHeight);
  const half = 1 << (precision - 1);
  const acc = new Int32Array(stride);
  for (let y = 0; y < outHeight; y++) {
    acc.fill(half);
    const first = bounds[y * 2] as number;
    const count = bounds[y * 2 + 1] as number;
    for (let j = 0; j < count; j++) {
      const w = weights[y * ksize + j] as number;
      const row = (first + j) * stride;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i] as number) + (src[row + i] as number) * w;
    }
    const outRow = y * stride;
    for (let i = 0; i < stride; i++) {
      const v = (acc[i] as number) >> precision;
      out[outRow + i] = Math.max(0, Math.min(255, v));
    }
  }
  return out;
}

/**
 * `torchvision.transforms.v2.functional.resize(img, [newHeight, newWidth],
 * InterpolationMode.BICUBIC, antialias=True)` on a uint8 image of `channels` interleaved
 * channels, bit-exact with torch's CPU kernel. Width first, through a uint8 intermediate; an
 * axis that keeps its size is skipped, and an unchanged size returns a copy.
 */
export function torchvisionResize(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  newWidth: number,
  newHeight: number,
): Uint8Array {
  for (const [name, value] of Object.entries({ width, height, channels, newWidth, newHeight })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `${pixels.length} bytes do not hold ${width}x${height} pixels of ${channels} channels`,
    );
  }
  let out: Uint8Array = new Uint8Array(pixels);
  if (newWidth !== width) {
    out = horizontal(out, width, height, channels, newWidth, taps(width, newWidth));
  }
  if (newHeight !== height) {
    out = vertical(out, newWidth * channels, newHeight, taps(height, newHeight));
  }
  return out;
}
