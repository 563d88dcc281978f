import { pillowResize } from "./pillow-resize.js";
import type { Size } from "./smart-resize.js";

/**
 * llama.cpp's mtmd image preprocessing for the dynamic-size models (Qwen2-VL, Qwen2.5-VL,
 * Qwen3-VL), reproduced from tools/mtmd/mtmd-image.cpp: `calc_size_preserved_ratio` (the grid),
 * `img_tool::resize` with padding (the image is scaled to fit inside the grid and centred on a
 * black canvas) and the two resamplers Qwen has used: the old `resize_bilinear` (in force at
 * b10488, the build current Ollama pins) and the Pillow-accurate bicubic that replaced it.
 * The C++ works in 32-bit floats, so every step is rounded with Math.fround as the C++ rounds it
 * (x86-64 without FMA; a compiler that fuses the lerp into an FMA can differ by one level).
 */

const f32 = Math.fround;

export type MtmdAlgorithm = "bilinear" | "bicubic-pillow";

export interface MtmdLimits {
  /** patch size x spatial merge: 28 for Qwen2/2.5-VL, 32 for Qwen3-VL. */
  align: number;
  minPixels: number;
  maxPixels: number;
}

/** std::round on a float: half away from zero (the values here are never negative). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * `calc_size_preserved_ratio(size, align, min_pixels, max_pixels)`: Qwen's smart_resize in float,
 * with std::round (ties away from zero) and a floor of one `align` on each side (except in the
 * min_pixels branch, where ceil already gives at least one).
 */
export function mtmdGrid(
  width: number,
  height: number,
  { align, minPixels, maxPixels }: MtmdLimits,
): Size {
  const f = f32(align);
  const roundBy = (x: number) => roundHalfAway(f32(f32(x) / f)) * align;
  const ceilBy = (x: number) => Math.ceil(f32(x / f)) * align;
  const floorBy = (x: number) => Math.floor(f32(x / f)) * align;
  let hBar = Math.max(align, roundBy(height));
  let wBar = Math.max(align, roundBy(width));
  if (hBar * wBar > maxPixels) {
    const beta = f32(Math.sqrt(f32(f32(height * width) / maxPixels)));
    hBar = Math.max(align, floorBy(f32(height / beta)));
    wBar = Math.max(align, floorBy(f32(width / beta)));
  } else if (hBar * wBar < minPixels) {
    const beta = f32(Math.sqrt(f32(f32(minPixels) / f32(height * width))));
    hBar = ceilBy(f32(height * beta));
    wBar = ceilBy(f32(width * beta));
  }
  return { width: wBar, height: hBar };
}

/** The size `img_tool::resize` scales the image to inside `grid` before padding (PAD_CEIL). */
export function mtmdContent(input: Size, grid: Size): Size {
  const scale = Math.min(f32(grid.width / input.width), f32(grid.height / input.height));
  return {
    width: Math.min(Math.ceil(f32(input.width * scale)), grid.width),
    height: Math.min(Math.ceil(f32(input.height * scale)), grid.height),
  };
}

/** `resize_bilinear` asserts this; llama-server aborts on an image narrower or shorter than 2 px. */
export const BILINEAR_ASSERT = "GGML_ASSERT(src.nx >= 2 && src.ny >= 2) failed";

/**
 * The old `resize_bilinear`: corner-anchored (x_ratio = (sw - 1) / tw, so the last source row and
 * column are never reached), no antialiasing, float lerp, truncation to uint8. Resizing to the
 * same size is not a copy.
 */
export function mtmdBilinear(
  rgb: Uint8Array,
  width: number,
  height: number,
  tw: number,
  th: number,
): Uint8Array {
  if (width < 2 || height < 2) throw new RangeError(BILINEAR_ASSERT);
  const out = new Uint8Array(tw * th * 3);
  const xRatio = f32(f32(width - 1) / tw);
  const yRatio = f32(f32(height - 1) / th);
  // The column of each output x and its weight, once for all rows.
  const xOffset = new Int32Array(tw);
  const xWeight = new Float32Array(tw);
  for (let x = 0; x < tw; x++) {
    const px = f32(xRatio * x);
    const x0 = Math.min(Math.trunc(px), width - 2);
    xOffset[x] = x0 * 3;
    xWeight[x] = f32(px - x0);
  }
  let o = 0;
  for (let y = 0; y < th; y++) {
    const py = f32(yRatio * y);
    const y0 = Math.min(Math.trunc(py), height - 2);
    const yl = f32(py - y0);
    const rowA = y0 * width * 3;
    const rowB = rowA + width * 3;
    for (let x = 0; x < tw; x++) {
      const xl = xWeight[x] as number;
      const a = rowA + (xOffset[x] as number);
      const b = rowB + (xOffset[x] as number);
      for (let c = 0; c < 3; c++) {
        // lerp(s, e, t) = s + (e - s) * t in float32, as the C++ computes it; the integer
        // differences are exact in float32.
        const s0 = rgb[a + c] as number;
        const s1 = rgb[b + c] as number;
        const top = f32(s0 + f32(((rgb[a + 3 + c] as number) - s0) * xl));
        const bottom = f32(s1 + f32(((rgb[b + 3 + c] as number) - s1) * xl));
        out[o++] = Math.trunc(f32(top + f32(f32(bottom - top) * yl)));
      }
    }
  }
  return out;
}

/**
 * `img_tool::resize(src, dst, grid, algo, pad, {0, 0, 0})`: a copy when the grid is the input
 * size; else the image resized to `content` and pasted at ((gw - cw) / 2, (gh - ch) / 2) on black.
 */
export function mtmdResize(
  rgb: Uint8Array,
  input: Size,
  grid: Size,
  algorithm: MtmdAlgorithm,
): { rgb: Uint8Array; content: Size } {
  if (input.width === grid.width && input.height === grid.height) {
    return { rgb: new Uint8Array(rgb), content: grid };
  }
  const content = mtmdContent(input, grid);
  const resized =
    algorithm === "bilinear"
      ? mtmdBilinear(rgb, input.width, input.height, content.width, content.height)
      : pillowResize(rgb, input.width, input.height, 3, content.width, content.height);
  const out = new Uint8Array(grid.width * grid.height * 3);
  const dx = Math.trunc((grid.width - content.width) / 2);
  const dy = Math.trunc((grid.height - content.height) / 2);
  const row = content.width * 3;
  for (let y = 0; y < content.height; y++) {
    out.set(resized.subarray(y * row, (y + 1) * row), ((y + dy) * grid.width + dx) * 3);
  }
  return { rgb: out, content };
}
