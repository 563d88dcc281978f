import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorStats } from "../../src/metrics/index.js";

function rgba(...pixels: [number, number, number, number][]): Uint8Array {
  return Uint8Array.from(pixels.flat());
}

describe("errorStats", () => {
  test("one channel off by 10 in a 2x1 image", () => {
    const a = rgba([10, 20, 30, 255], [40, 50, 60, 255]);
    const b = rgba([10, 20, 30, 255], [40, 60, 60, 255]);
    const s = errorStats(a, b, 2, 1);
    assert.equal(s.pixels, 2);
    assert.equal(s.changedPixels, 1);
    assert.equal(s.maxChannelDiff, 10);
    // 6 samples, one of them off by 10.
    assert.equal(s.meanAbsError, 10 / 6);
    assert.equal(s.mse, 100 / 6);
    assert.ok(s.psnr !== null);
    assert.ok(Math.abs(s.psnr - 10 * Math.log10((65025 * 6) / 100)) < 1e-12);
    assert.ok(Math.abs(s.psnr - 35.91231611251554) < 1e-9);
    assert.equal(s.identical, false);
  });

  test("differences of either sign on several channels", () => {
    const a = rgba([0, 100, 200, 255], [50, 50, 50, 255]);
    const b = rgba([3, 96, 200, 255], [50, 50, 50, 255]);
    const s = errorStats(a, b, 1, 2);
    assert.equal(s.changedPixels, 1);
    assert.equal(s.maxChannelDiff, 4);
    assert.equal(s.meanAbsError, 7 / 6);
    assert.equal(s.mse, 25 / 6);
  });

  test("identical images: psnr null", () => {
    const a = rgba([1, 2, 3, 255], [250, 251, 252, 255]);
    const s = errorStats(a, a.slice(), 2, 1);
    assert.deepEqual(s, {
      pixels: 2,
      changedPixels: 0,
      maxChannelDiff: 0,
      meanAbsError: 0,
      mse: 0,
      psnr: null,
      identical: true,
    });
  });

  test("alpha differences alone do not count", () => {
    const a = rgba([10, 20, 30, 255], [40, 50, 60, 0]);
    const b = rgba([10, 20, 30, 0], [40, 50, 60, 128]);
    const s = errorStats(a, b, 2, 1);
    assert.equal(s.changedPixels, 0);
    assert.equal(s.identical, true);
    assert.equal(s.psnr, null);
  });

  test("black vs white across several accumulation chunks: psnr 0", () => {
    const w = 100;
    const h = 50; // 5000 pixels, more than one 4096-pixel chunk
    const a = new Uint8Array(w * h * 4).fill(255);
    const b = new Uint8Array(w * h * 4);
    for (let i = 3; i < b.length; i += 4) b[i] = 255;
    const s = errorStats(a, b, w, h);
    assert.equal(s.changedPixels, 5000);
    assert.equal(s.maxChannelDiff, 255);
    assert.equal(s.meanAbsError, 255);
    assert.equal(s.mse, 65025);
    assert.equal(s.psnr, 0);
  });

  test("empty image", () => {
    const s = errorStats(new Uint8Array(0), new Uint8Array(0), 0, 0);
    assert.equal(s.pixels, 0);
    assert.equal(s.identical, true);
    assert.equal(s.psnr, null);
    assert.equal(s.meanAbsError, 0);
  });

  test("mismatched sizes are a RangeError", () => {
    assert.throws(() => errorStats(new Uint8Array(8), new Uint8Array(4), 2, 1), RangeError);
    assert.throws(() => errorStats(new Uint8Array(8), new Uint8Array(8), 3, 1), RangeError);
    assert.throws(() => errorStats(new Uint8Array(8), new Uint8Array(8), 2.5, 0.8), RangeError);
  });
});
