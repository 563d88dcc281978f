import { dropAlpha } from "../../src/image/channels.js";
import { decode } from "../../src/image/decode.js";
import { noise } from "./images.js";
import { FIXTURE_INPUTS, NEWER_THAN_COMPILED_GOLDENS } from "./pillow-inputs.js";
import { rng } from "./random.js";

/** One resize of 8-bit interleaved pixels, with the size to resize to. */
export interface ResizeCase {
  name: string;
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
  outWidth: number;
  outHeight: number;
}

/** Black/white squares of `cell` px: the filter's negative lobes overshoot and get clamped. */
function checkerboard(width: number, height: number, cell: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? 0 : 255;
      out.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return out;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Sizes at several scales, down and up, one axis at a time and both. */
function scales(width: number, height: number): [number, number][] {
  return [
    [Math.max(1, Math.round(width * 0.61)), Math.max(1, Math.round(height * 0.47))],
    [Math.round(width * 1.37), Math.round(height * 1.21)],
    [Math.max(1, Math.round(width / 6)), height],
    [width, height * 2 + 1],
    [Math.max(1, Math.round(width / 13)), Math.max(1, Math.round(height / 9))],
  ];
}

/**
 * The fixtures (as the RGB `convert("RGB")` gives) at several scales, and small stress images:
 * tiny sources blown up to a grid, extreme aspect ratios, heavy downscales (higher precision),
 * hard edges that overshoot, one grey and one RGBA image.
 */
export async function resizeCases(): Promise<ResizeCase[]> {
  const cases: ResizeCase[] = [];
  for (const input of FIXTURE_INPUTS) {
    if (NEWER_THAN_COMPILED_GOLDENS.has(input.name)) continue;
    const image = await decode(await input.make());
    const pixels = dropAlpha(image.pillowRgba);
    for (const [outWidth, outHeight] of scales(image.width, image.height)) {
      cases.push({
        name: `${input.name} -> ${outWidth}x${outHeight}`,
        width: image.width,
        height: image.height,
        channels: 3,
        pixels,
        outWidth,
        outHeight,
      });
    }
  }
  const stress: [string, number, number, number, Uint8Array, number, number][] = [
    ["noise", 33, 17, 3, noise(33, 17, 3, 3), 28, 56],
    ["noise", 1, 1, 3, noise(1, 1, 3, 4), 56, 56],
    ["noise", 3, 1, 3, noise(3, 1, 3, 5), 84, 28],
    ["noise", 1, 5, 3, noise(1, 5, 3, 6), 28, 140],
    ["noise", 199, 1, 3, noise(199, 1, 3, 8), 812, 28],
    ["noise", 400, 2, 3, noise(400, 2, 3, 9), 812, 28],
    ["noise", 300, 7, 3, noise(300, 7, 3, 10), 37, 3],
    ["noise", 1000, 3, 3, noise(1000, 3, 3, 11), 9, 3],
    ["noise", 2, 700, 3, noise(2, 700, 3, 12), 1, 2],
    ["checkerboard", 64, 64, 3, checkerboard(64, 64, 1), 23, 23],
    ["checkerboard", 40, 30, 3, checkerboard(40, 30, 3), 97, 71],
    ["grey", 45, 31, 1, randomBytes(45 * 31, 13), 30, 62],
    ["rgba", 37, 23, 4, randomBytes(37 * 23 * 4, 14), 56, 28],
  ];
  for (const [kind, width, height, channels, pixels, outWidth, outHeight] of stress) {
    cases.push({
      name: `${kind} ${width}x${height}x${channels} -> ${outWidth}x${outHeight}`,
      width,
      height,
      channels,
      pixels,
      outWidth,
      outHeight,
    });
  }
  return cases;
}
