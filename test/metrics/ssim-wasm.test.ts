import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ssim } from "../../src/metrics/ssim.js";
import { ssimWasm, wasmAvailable } from "../../src/metrics/ssim-wasm.js";
import { randomImage, withNoise } from "../helpers/random.js";

function constant(width: number, height: number, value: number): Uint8Array {
  return new Uint8Array(width * height * 4).fill(value);
}

const SIZES: [number, number][] = [
  [11, 11],
  [12, 11],
  [11, 12],
  [37, 23],
  [64, 64],
  [300, 200],
  [1001, 17],
  [3001, 100], // more than one ~1 MiB chunk of rows
];

function same(a: Uint8Array, b: Uint8Array, width: number, height: number): void {
  const expected = ssim(a, b, width, height);
  const actual = ssimWasm(a, b, width, height);
  assert.ok(expected !== null && actual !== null);
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${width}x${height}: ${actual} vs ${expected}`);
  // Same float64 operations in the same order: bit-identical, not merely close.
  assert.equal(actual, expected, `${width}x${height}`);
}

describe("ssimWasm", () => {
  test("WebAssembly SIMD is available on this Node", () => {
    assert.equal(wasmAvailable(), true);
  });

  test("matches ssim() on independent random images", () => {
    let seed = 1;
    for (const [w, h] of SIZES) same(randomImage(w, h, seed++), randomImage(w, h, seed++), w, h);
  });

  test("matches ssim() on a random image against a noisy copy", () => {
    let seed = 100;
    for (const [w, h] of SIZES) {
      const a = randomImage(w, h, seed++);
      same(a, withNoise(a, 20, seed++), w, h);
    }
  });

  test("identical images give 1", () => {
    for (const [w, h] of SIZES) {
      const a = randomImage(w, h, 7);
      assert.equal(ssimWasm(a, a.slice(), w, h), ssim(a, a, w, h));
      assert.ok(Math.abs((ssimWasm(a, a, w, h) as number) - 1) <= 1e-12);
    }
  });

  test("constant images", () => {
    for (const [w, h] of [
      [11, 11],
      [37, 23],
      [1001, 17],
    ] as [number, number][]) {
      for (const [p, q] of [
        [0, 0],
        [255, 255],
        [128, 128],
        [0, 255],
        [10, 200],
      ] as [number, number][]) {
        same(constant(w, h, p), constant(w, h, q), w, h);
      }
      assert.ok(
        Math.abs((ssimWasm(constant(w, h, 90), constant(w, h, 90), w, h) as number) - 1) < 1e-12,
      );
    }
  });

  test("reuses its memory across sizes (large, then small, then large)", () => {
    for (const [w, h] of [
      [1001, 17],
      [11, 11],
      [300, 200],
      [13, 40],
    ] as [number, number][]) {
      same(randomImage(w, h, w * h), randomImage(w, h, w + h), w, h);
    }
  });

  test("null when either side is under 11 pixels", () => {
    for (const [w, h] of [
      [10, 11],
      [11, 10],
      [10, 10],
      [0, 0],
      [1, 500],
    ] as [number, number][]) {
      assert.equal(ssimWasm(constant(w, h, 3), constant(w, h, 4), w, h), null);
    }
  });

  test("rejects buffers that do not match the size", () => {
    assert.throws(() => ssimWasm(constant(11, 11, 0), constant(11, 12, 0), 11, 11), RangeError);
    assert.throws(() => ssimWasm(constant(11, 11, 0), constant(11, 11, 0), 12, 11), RangeError);
  });
});
