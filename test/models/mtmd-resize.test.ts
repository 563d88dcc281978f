import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mtmdBilinear, mtmdContent, mtmdGrid, mtmdResize } from "../../src/models/mtmd-resize.js";
import { GOLDENS } from "../helpers/mtmd-goldens.js";

describe("mtmdGrid against the compiled calc_size_preserved_ratio", () => {
  for (const [key, rows] of Object.entries(GOLDENS.sizes)) {
    test(`align/min tokens/max tokens ${key}: ${rows.length} sizes`, () => {
      const [align, min, max] = key.split("/").map(Number) as [number, number, number];
      for (const [w, h, gw, gh] of rows as [number, number, number, number][]) {
        const grid = mtmdGrid(w, h, {
          align,
          minPixels: min * align * align,
          maxPixels: max * align * align,
        });
        assert.deepEqual([grid.width, grid.height], [gw, gh], `${w}x${h}`);
      }
    });
  }

  test("std::round sends ties away from zero (42 / 28 = 1.5 -> 2), unlike Python's round", () => {
    assert.deepEqual(mtmdGrid(42, 70, { align: 28, minPixels: 0, maxPixels: 1e9 }), {
      width: 56,
      height: 84,
    });
  });
});

describe("mtmd resize", () => {
  test("bilinear is corner-anchored and never reaches the last row or column", () => {
    const src = new Uint8Array([
      0, 0, 0, 100, 100, 100, 200, 200, 200, 0, 0, 0, 100, 100, 100, 200, 200, 200,
    ]);
    const out = mtmdBilinear(src, 3, 2, 3, 2);
    // x_ratio = 2/3: x = 2 samples 4/3 of the way, not the last column.
    assert.deepEqual([...out.subarray(0, 9)], [0, 0, 0, 66, 66, 66, 133, 133, 133]);
    assert.throws(() => mtmdBilinear(src, 6, 1, 4, 4), /GGML_ASSERT/);
  });

  test("padding centres the content on black", () => {
    const src = new Uint8Array(4 * 2 * 3).fill(255);
    const content = mtmdContent({ width: 4, height: 2 }, { width: 4, height: 4 });
    assert.deepEqual(content, { width: 4, height: 2 });
    const { rgb } = mtmdResize(
      src,
      { width: 4, height: 2 },
      { width: 4, height: 4 },
      "bicubic-pillow",
    );
    assert.deepEqual([...rgb.subarray(0, 12)], new Array(12).fill(0));
    assert.deepEqual([...rgb.subarray(12, 36)], new Array(24).fill(255));
  });
});
