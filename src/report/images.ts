import { diffPng, type RgbaPixels } from "../compare.js";
import { loadSharp } from "../image/sharp.js";
import type { Payload } from "../payload/types.js";
import type { ReportCrop, ReportImage, ReportImages } from "./types.js";

/**
 * Images with more pixels than this are embedded downscaled. 2 MiP (2048×1024) keeps a
 * 1920×1080 screenshot, the common model input, at its exact pixels, and is more than a pane of
 * the page shows; a 24 MP photo at full size would put ~50 MB of PNG per pane in the page,
 * which no browser opens five hundred times over.
 */
export const PREVIEW_MAX_PIXELS = 2_097_152;

/** Side of the 1:1 crop shown with a downscaled image: 64 JPEG blocks, about a pane's width. */
const CROP_SIDE = 512;

/** The smallest integer factor that brings every image within `maxPixels` (1: as it is). */
export function previewDivisor(
  sizes: readonly { width: number; height: number }[],
  maxPixels = PREVIEW_MAX_PIXELS,
): number {
  let k = 1;
  const fits = (k: number) =>
    sizes.every((s) => Math.ceil(s.width / k) * Math.ceil(s.height / k) <= maxPixels);
  while (!fits(k)) k++;
  return k;
}

/** "25%", "33.3%": how the page states a divisor. */
export function scaleText(divisor: number): string {
  return `${Number((100 / divisor).toFixed(1))}%`;
}

function isOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/** PNG with adaptive row filters: a third of the size of unfiltered PNG on photos. */
async function png(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 3 | 4,
): Promise<ReportImage> {
  const sharp = await loadSharp();
  const bytes = await sharp(data, { raw: { width, height, channels } })
    .png({ adaptiveFiltering: true })
    .toBuffer();
  return { mime: "image/png", width, height, bytes };
}

/**
 * How downscaled views are encoded: a fifth of the bytes of PNG on photos, and at a quarter
 * of the size or less no JPEG artefact of the payload survives to be seen anyway. No chroma
 * subsampling, so the view adds no colour bleeding of its own. The crop stays exact (PNG).
 */
export const PREVIEW_JPEG = { quality: 90, chromaSubsampling: "4:4:4" } as const;

async function shrink(image: RgbaPixels, opaque: boolean, divisor: number): Promise<ReportImage> {
  const sharp = await loadSharp();
  const width = Math.ceil(image.width / divisor);
  const height = Math.ceil(image.height / divisor);
  const pipeline = sharp(image.rgba, {
    raw: { width: image.width, height: image.height, channels: 4 },
  }).resize(width, height, { fit: "fill" });
  if (!opaque) {
    const bytes = await pipeline.png({ adaptiveFiltering: true }).toBuffer();
    return { mime: "image/png", width, height, bytes };
  }
  const bytes = await pipeline.removeAlpha().jpeg(PREVIEW_JPEG).toBuffer();
  return { mime: "image/jpeg", width, height, bytes };
}

/** pixelmatch paints mismatches pure red and anti-aliasing pure yellow over faded grey. */
function markAt(rgba: Uint8Array, i: number): 0 | 1 | 2 {
  if (rgba[i] !== 255 || rgba[i + 2] !== 0) return 0;
  return rgba[i + 1] === 0 ? 2 : rgba[i + 1] === 255 ? 1 : 0;
}

export interface ShrunkDiff {
  /** RGB, ceil(width / divisor) x ceil(height / divisor). */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Mismatched (red) pixels of the full diff under each preview pixel. */
  mismatches: Uint32Array;
}

/**
 * pixelmatch's diff, downscaled so that no mark is lost: a preview pixel is red when any pixel
 * under it is, else yellow when any is, else the mean of the faded greys. Averaging instead
 * would let scattered mismatches vanish into the grey.
 */
export function shrinkDiff(diff: RgbaPixels, divisor: number): ShrunkDiff {
  const { width, height, rgba } = diff;
  const cols = Math.ceil(width / divisor);
  const rows = Math.ceil(height / divisor);
  const rgb = new Uint8Array(cols * rows * 3);
  const mismatches = new Uint32Array(cols * rows);
  const red = new Uint32Array(cols);
  const yellow = new Uint32Array(cols);
  const grey = new Float64Array(cols);
  const count = new Uint32Array(cols);
  for (let row = 0; row < rows; row++) {
    red.fill(0);
    yellow.fill(0);
    grey.fill(0);
    count.fill(0);
    const yEnd = Math.min(height, (row + 1) * divisor);
    for (let y = row * divisor; y < yEnd; y++) {
      let i = y * width * 4;
      for (let x = 0; x < width; x++, i += 4) {
        const col = (x / divisor) | 0;
        const mark = markAt(rgba, i);
        if (mark === 2) red[col] = (red[col] as number) + 1;
        else if (mark === 1) yellow[col] = (yellow[col] as number) + 1;
        else grey[col] = (grey[col] as number) + (rgba[i] as number);
        count[col] = (count[col] as number) + 1;
      }
    }
    for (let col = 0; col < cols; col++) {
      const o = (row * cols + col) * 3;
      const r = red[col] as number;
      mismatches[row * cols + col] = r;
      if (r > 0) {
        rgb[o] = 255;
      } else if ((yellow[col] as number) > 0) {
        rgb[o] = 255;
        rgb[o + 1] = 255;
      } else {
        const v = Math.round((grey[col] as number) / (count[col] as number));
        rgb[o] = v;
        rgb[o + 1] = v;
        rgb[o + 2] = v;
      }
    }
  }
  return { rgb, width: cols, height: rows, mismatches };
}

/** Sum of |ΔR| + |ΔG| + |ΔB| under each preview pixel. */
function differenceGrid(a: RgbaPixels, b: RgbaPixels, divisor: number): Float64Array {
  const cols = Math.ceil(a.width / divisor);
  const grid = new Float64Array(cols * Math.ceil(a.height / divisor));
  for (let y = 0; y < a.height; y++) {
    const base = ((y / divisor) | 0) * cols;
    let i = y * a.width * 4;
    for (let x = 0; x < a.width; x++, i += 4) {
      const d =
        Math.abs((a.rgba[i] as number) - (b.rgba[i] as number)) +
        Math.abs((a.rgba[i + 1] as number) - (b.rgba[i + 1] as number)) +
        Math.abs((a.rgba[i + 2] as number) - (b.rgba[i + 2] as number));
      const cell = base + ((x / divisor) | 0);
      grid[cell] = (grid[cell] as number) + d;
    }
  }
  return grid;
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The side x side window (clipped to the image) whose cells of `grid` (one per divisor x divisor
 * block) hold the most; the first in reading order on a tie. null when the grid is all zero.
 */
export function busiestRegion(
  grid: ArrayLike<number>,
  width: number,
  height: number,
  divisor: number,
  side = CROP_SIDE,
): Region | null {
  const cols = Math.ceil(width / divisor);
  const rows = Math.ceil(height / divisor);
  const cw = Math.min(side, width);
  const ch = Math.min(side, height);
  // Whole cells only, so a window never counts a block it does not cover.
  const wc = Math.max(1, Math.floor(cw / divisor));
  const wr = Math.max(1, Math.floor(ch / divisor));
  // Summed-area table, one row and column of zeros first.
  const sums = new Float64Array((cols + 1) * (rows + 1));
  for (let r = 0; r < rows; r++) {
    let line = 0;
    for (let c = 0; c < cols; c++) {
      line += grid[r * cols + c] as number;
      sums[(r + 1) * (cols + 1) + c + 1] = (sums[r * (cols + 1) + c + 1] as number) + line;
    }
  }
  const at = (r: number, c: number) => sums[r * (cols + 1) + c] as number;
  let best = 0;
  let bestR = 0;
  let bestC = 0;
  for (let r = 0; r + wr <= rows; r++) {
    for (let c = 0; c + wc <= cols; c++) {
      const total = at(r + wr, c + wc) - at(r, c + wc) - at(r + wr, c) + at(r, c);
      if (total > best) {
        best = total;
        bestR = r;
        bestC = c;
      }
    }
  }
  if (best === 0) return null;
  return {
    x: Math.min(bestC * divisor, width - cw),
    y: Math.min(bestR * divisor, height - ch),
    width: cw,
    height: ch,
  };
}

function cut(image: RgbaPixels, region: Region, channels: 3 | 4): Uint8Array {
  const out = new Uint8Array(region.width * region.height * channels);
  let o = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    let i = (y * image.width + region.x) * 4;
    for (let x = 0; x < region.width; x++, i += 4) {
      out[o++] = image.rgba[i] as number;
      out[o++] = image.rgba[i + 1] as number;
      out[o++] = image.rgba[i + 2] as number;
      if (channels === 4) out[o++] = image.rgba[i + 3] as number;
    }
  }
  return out;
}

function cropOf(image: RgbaPixels, opaque: boolean, region: Region): Promise<ReportImage> {
  const channels = opaque ? 3 : 4;
  return png(cut(image, region, channels), region.width, region.height, channels);
}

export interface ReportImagesInput {
  payloads: readonly [Payload, Payload];
  /** The two payloads decoded: what the metrics compared. */
  pixels: readonly [RgbaPixels, RgbaPixels];
  /** pixelmatch's diff image; absent when the payloads differ in size. */
  diff?: RgbaPixels;
  maxPixels?: number;
  cropSide?: number;
}

/**
 * The images a report embeds for one comparison, bounded in size: the payloads' own bytes when
 * they fit in `maxPixels`, else views downscaled by an integer factor (JPEG q90 4:4:4; the diff
 * a PNG keeping every mismatch mark) and an exact 1:1 crop (PNG) of the region where pixelmatch
 * finds the most mismatches.
 */
export async function reportImages(input: ReportImagesInput): Promise<ReportImages> {
  const { payloads, pixels, diff } = input;
  const [first, second] = payloads;
  const divisor = previewDivisor(pixels, input.maxPixels);
  if (divisor === 1) {
    const asIs = (p: Payload): ReportImage => ({
      mime: p.mime,
      width: p.width,
      height: p.height,
      bytes: p.bytes,
    });
    return {
      source: asIs(first),
      lossy: asIs(second),
      ...(diff && {
        diff: {
          mime: "image/png",
          width: diff.width,
          height: diff.height,
          bytes: await diffPng(diff),
        },
      }),
    };
  }
  const [a, b] = pixels;
  // Each view and crop keeps alpha only where the payload has it: one scan per payload.
  const opaqueA = isOpaque(a.rgba);
  const opaqueB = isOpaque(b.rgba);
  const images: ReportImages = {
    source: await shrink(a, opaqueA, divisor),
    lossy: await shrink(b, opaqueB, divisor),
    divisor,
  };
  if (diff === undefined) return images;
  const shrunk = shrinkDiff(diff, divisor);
  images.diff = await png(shrunk.rgb, shrunk.width, shrunk.height, 3);
  const side = input.cropSide ?? CROP_SIDE;
  let by: ReportCrop["by"] = "mismatch";
  let region = busiestRegion(shrunk.mismatches, diff.width, diff.height, divisor, side);
  if (region === null) {
    by = "difference";
    region = busiestRegion(differenceGrid(a, b, divisor), a.width, a.height, divisor, side);
  }
  if (region === null) {
    by = "centre";
    const width = Math.min(side, a.width);
    const height = Math.min(side, a.height);
    region = {
      x: Math.floor((a.width - width) / 2),
      y: Math.floor((a.height - height) / 2),
      width,
      height,
    };
  }
  images.crop = {
    ...region,
    by,
    source: await cropOf(a, opaqueA, region),
    lossy: await cropOf(b, opaqueB, region),
    diff: await png(cut(diff, region, 3), region.width, region.height, 3),
  };
  return images;
}
