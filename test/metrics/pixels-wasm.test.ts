import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { chromaError } from "../../src/metrics/chroma.js";
import {
  chromaErrorWasm,
  errorStatsWasm,
  pixelsWasmAvailable,
} from "../../src/metrics/pixels-wasm.js";
import { errorStats } from "../../src/metrics/psnr.js";
import { fixture } from "../helpers/cli.js";
import { randomImage, withNoise } from "../helpers/random.js";

/** Every pixel [r, g, b, alpha]; filled by doubling copies, as a pixel at a time is slow at 4 MP. */
function solid(width: number, height: number, rgba: [number, number, number, number]) {
  const img = new Uint8Array(width * height * 4);
  if (img.length === 0) return img;
  img.set(rgba);
  for (let filled = 4; filled < img.length; filled *= 2) {
    img.copyWithin(filled, 0, Math.min(filled, img.length - filled));
  }
  return img;
}

const SIZES: [number, number][] = [
  [0, 0],
  [0, 7],
  [1, 1],
  [2, 1],
  [3, 1],
  [1, 5],
  [4, 1],
  [5, 3],
  [7, 7],
  [16, 16],
  [63, 65], // 4095 pixels: one pixel short of a 4096-pixel chroma chunk
  [64, 64],
  [4097, 1],
  [300, 200],
  [1001, 17],
  [513, 513], // 263169 pixels: more than one 2^18-pixel copy chunk, odd tail
];

function same(a: Uint8Array, b: Uint8Array, width: number, height: number): void {
  assert.deepEqual(
    errorStatsWasm(a, b, width, height),
    errorStats(a, b, width, height),
    `errorStats ${width}x${height}`,
  );
  assert.deepEqual(
    chromaErrorWasm(a, b, width, height),
    chromaError(a, b, width, height),
    `chromaError ${width}x${height}`,
  );
}

describe("pixels wasm (errorStatsWasm, chromaErrorWasm)", () => {
  test("WebAssembly SIMD is available on this Node", () => {
    assert.equal(pixelsWasmAvailable(), true);
  });

  test("match the JavaScript on independent random images", () => {
    // Unrelated images: chroma chunk sums pass 2^63, where chroma.ts's float64 sums round.
    let seed = 1;
    for (const [w, h] of SIZES) same(randomImage(w, h, seed++), randomImage(w, h, seed++), w, h);
  });

  test("match the JavaScript on a random image against a noisy copy", () => {
    let seed = 100;
    for (const [w, h] of SIZES) {
      const a = randomImage(w, h, seed++);
      for (const amplitude of [1, 4, 40]) same(a, withNoise(a, amplitude, seed++), w, h);
    }
  });

  test("identical images", () => {
    for (const [w, h] of SIZES) {
      const a = randomImage(w, h, 7);
      same(a, a.slice(), w, h);
      const stats = errorStatsWasm(a, a.slice(), w, h);
      assert.equal(stats.identical, true);
      assert.equal(stats.psnr, null);
    }
  });

  test("images differing only in alpha are identical", () => {
    for (const [w, h] of SIZES) {
      const a = randomImage(w, h, 11);
      const b = a.slice();
      for (let i = 3; i < b.length; i += 4) b[i] = 255 - (b[i] as number);
      same(a, b, w, h);
      assert.equal(errorStatsWasm(a, b, w, h).changedPixels, 0);
      assert.deepEqual(chromaErrorWasm(a, b, w, h), {
        cbPsnr: null,
        crPsnr: null,
        lumaPsnr: null,
        cbMaxDiff: 0,
        crMaxDiff: 0,
      });
    }
  });

  test("a few changed pixels at chunk edges", () => {
    const w = 700;
    const h = 400; // 280000 pixels: two copy chunks
    const a = randomImage(w, h, 21);
    for (const index of [0, 3, 4095, 4096, 262143, 262144, 279999]) {
      const b = a.slice();
      b[index * 4 + 1] = 255 - (b[index * 4 + 1] as number);
      same(a, b, w, h);
      assert.equal(errorStatsWasm(a, b, w, h).changedPixels, 1);
    }
  });

  test("mixed blocks: some chroma chunks round in float64, others are exact", () => {
    const w = 1000;
    const h = 300;
    const a = randomImage(w, h, 31);
    const b = withNoise(a, 3, 32);
    const c = randomImage(w, h, 33);
    // rows 100-149 unrelated, the rest close
    b.set(c.subarray(100 * w * 4, 150 * w * 4), 100 * w * 4);
    same(a, b, w, h);
  });

  test("worst case: 255 differences everywhere at 2000x2000 (no overflow)", () => {
    const w = 2000;
    const h = 2000;
    for (const [p, q] of [
      [
        [0, 0, 0, 255],
        [255, 255, 255, 0],
      ],
      [
        [0, 0, 0, 0],
        [0, 0, 255, 0],
      ], // largest |Cb|
      [
        [0, 255, 255, 0],
        [255, 0, 0, 0],
      ], // largest |Cr|
      [
        [255, 0, 0, 0],
        [0, 255, 255, 0],
      ],
    ] as [number, number, number, number][][]) {
      const a = solid(w, h, p as [number, number, number, number]);
      const b = solid(w, h, q as [number, number, number, number]);
      same(a, b, w, h);
    }
    const black = solid(w, h, [0, 0, 0, 255]);
    const white = solid(w, h, [255, 255, 255, 255]);
    const stats = errorStatsWasm(black, white, w, h);
    assert.equal(stats.changedPixels, w * h);
    assert.equal(stats.maxChannelDiff, 255);
    assert.equal(stats.meanAbsError, 255);
    assert.equal(stats.mse, 255 * 255);
    assert.equal(stats.psnr, 0);
  });

  test("photo.png against its JPEG at quality 75", async () => {
    const path = fixture("photo.png");
    const { data, info } = await sharp(path)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const jpeg = await sharp(path).jpeg({ quality: 75 }).toBuffer();
    const decoded = new Uint8Array(await sharp(jpeg).ensureAlpha().raw().toBuffer());
    const source = new Uint8Array(data);
    same(source, decoded, info.width, info.height);
    assert.equal(errorStatsWasm(source, decoded, info.width, info.height).identical, false);
  });

  test("reuses its memory across sizes (large, then small, then large)", () => {
    for (const [w, h] of [
      [513, 513],
      [1, 1],
      [300, 200],
      [3, 5],
    ] as [number, number][]) {
      same(randomImage(w, h, w * h), randomImage(w, h, w + h), w, h);
    }
  });

  test("rejects buffers that do not match the size", () => {
    const a = new Uint8Array(11 * 11 * 4);
    const b = new Uint8Array(11 * 12 * 4);
    assert.throws(() => errorStatsWasm(a, b, 11, 11), RangeError);
    assert.throws(() => chromaErrorWasm(a, b, 11, 11), RangeError);
    assert.throws(() => errorStatsWasm(a, a, 12, 11), RangeError);
    assert.throws(() => chromaErrorWasm(a, a, -1, 11), RangeError);
  });
});
