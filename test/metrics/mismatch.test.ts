import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mismatch } from "../../src/metrics/index.js";

const W = 16;
const H = 16;

function gray(value: number, alpha = 255): Uint8Array {
  const img = new Uint8Array(W * H * 4).fill(value);
  for (let i = 3; i < img.length; i += 4) img[i] = alpha;
  return img;
}

function setPixel(img: Uint8Array, x: number, y: number, rgb: [number, number, number]): void {
  img.set(rgb, (y * W + x) * 4);
}

describe("mismatch", () => {
  test("identical images: 0, and no diff unless asked", () => {
    const result = mismatch(gray(128), gray(128), W, H);
    assert.deepEqual(result, { mismatched: 0 });
  });

  test("one strongly changed pixel counts once", () => {
    const b = gray(128);
    setPixel(b, 5, 7, [255, 0, 0]);
    assert.equal(mismatch(gray(128), b, W, H).mismatched, 1);
  });

  test("a change below the threshold is not counted", () => {
    const b = gray(128);
    setPixel(b, 5, 7, [130, 130, 130]);
    assert.equal(mismatch(gray(128), b, W, H).mismatched, 0);
    assert.equal(mismatch(gray(128), b, W, H, { threshold: 0 }).mismatched, 1);
  });

  test("diff image marks the changed pixel red", () => {
    const b = gray(128);
    setPixel(b, 5, 7, [0, 0, 0]);
    const { mismatched, diff } = mismatch(gray(128), b, W, H, { diff: true });
    assert.equal(mismatched, 1);
    assert.ok(diff instanceof Uint8Array);
    assert.equal(diff.length, W * H * 4);
    const at = (7 * W + 5) * 4;
    assert.deepEqual([...diff.subarray(at, at + 4)], [255, 0, 0, 255]);
    let red = 0;
    for (let i = 0; i < diff.length; i += 4) {
      if (diff[i] === 255 && diff[i + 1] === 0 && diff[i + 2] === 0) red++;
    }
    assert.equal(red, 1);
  });

  test("alpha-only differences do not count, and inputs are left untouched", () => {
    const a = gray(128);
    const b = gray(128, 0);
    assert.equal(mismatch(a, b, W, H).mismatched, 0);
    assert.equal(b[3], 0);
    const translucent = gray(200, 40);
    setPixel(translucent, 1, 1, [0, 0, 0]);
    assert.equal(mismatch(gray(200), translucent, W, H).mismatched, 1);
  });

  test("accepts buffers that start at an odd byte offset", () => {
    const a = gray(128);
    const backing = new Uint8Array(a.length + 1);
    backing.set(a, 1);
    const view = backing.subarray(1);
    view[4 * 20] = 0;
    assert.equal(mismatch(a, view, W, H).mismatched, 1);
  });

  test("rejects a threshold outside [0, 1] and mismatched sizes", () => {
    for (const threshold of [-0.1, 1.5, Number.NaN]) {
      assert.throws(() => mismatch(gray(0), gray(0), W, H, { threshold }), RangeError);
    }
    assert.throws(() => mismatch(gray(0), new Uint8Array(4), W, H), RangeError);
  });
});
