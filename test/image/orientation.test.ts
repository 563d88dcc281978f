import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { applyOrientation } from "../../src/image/orientation.js";

/** 5x3 RGBA pixels, each one different, so any misplaced pixel shows. */
function distinct(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.writeUInt32BE(0x10203040 + i * 0x01070b00, i * 4);
  return pixels;
}

describe("applyOrientation turns pixels upright as EXIF defines it", () => {
  const [width, height] = [5, 3];
  const pixels = distinct(width, height);

  for (let orientation = 1; orientation <= 8; orientation++) {
    test(`orientation ${orientation} matches libvips' autoOrient`, async () => {
      const png = await sharp(pixels, { raw: { width, height, channels: 4 } })
        .withMetadata({ orientation })
        .png()
        .toBuffer();
      const { data, info } = await sharp(png, { autoOrient: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const ours = applyOrientation(pixels, width, height, 4, orientation);
      assert.deepEqual([ours.width, ours.height], [info.width, info.height]);
      assert.ok(ours.data.equals(data));
    });
  }

  test("1, undefined and out-of-range values leave the pixels as stored", () => {
    for (const orientation of [1, undefined, 0, 9]) {
      const same = applyOrientation(pixels, width, height, 4, orientation);
      assert.equal(same.data, pixels);
      assert.deepEqual([same.width, same.height], [width, height]);
    }
  });

  test("works on any channel count (RGB)", () => {
    const rgb = Buffer.from([1, 2, 3, 4, 5, 6]); // 2x1
    const turned = applyOrientation(rgb, 2, 1, 3, 6);
    assert.deepEqual([turned.width, turned.height], [1, 2]);
    assert.deepEqual([...turned.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...applyOrientation(rgb, 2, 1, 3, 2).data], [4, 5, 6, 1, 2, 3]);
  });
});
