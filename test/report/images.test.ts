import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { type CompareResult, compare, type RgbaPixels } from "../../src/compare.js";
import {
  busiestRegion,
  PREVIEW_MAX_PIXELS,
  previewDivisor,
  reportImages,
  scaleText,
  shrinkDiff,
} from "../../src/report/images.js";
import type { ReportImage } from "../../src/report/types.js";
import { fixture } from "../helpers/cli.js";

const GREY = 240;

/** A faded-grey diff like pixelmatch's, with marks at the given pixels. */
function diffImage(width: number, height: number, marks: [number, number, "red" | "yellow"][]) {
  const rgba = new Uint8Array(width * height * 4).fill(GREY);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (const [x, y, colour] of marks) {
    const i = (y * width + x) * 4;
    rgba.set(colour === "red" ? [255, 0, 0, 255] : [255, 255, 0, 255], i);
  }
  return { width, height, rgba };
}

async function decoded(image: ReportImage): Promise<{ data: Buffer; channels: number }> {
  const { data, info } = await sharp(image.bytes as Uint8Array)
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal(info.width, image.width);
  assert.equal(info.height, image.height);
  return { data, channels: info.channels };
}

/** The RGB of pixel (x, y) of a decoded image. */
function rgbAt(image: { data: Uint8Array; channels: number }, width: number, x: number, y: number) {
  const i = (y * width + x) * image.channels;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

describe("preview size", () => {
  test("the smallest integer divisor that fits the bound", () => {
    assert.equal(PREVIEW_MAX_PIXELS, 2048 * 1024);
    assert.equal(previewDivisor([{ width: 1920, height: 1080 }]), 1, "Full HD stays 1:1");
    assert.equal(previewDivisor([{ width: 2048, height: 1024 }]), 1);
    assert.equal(previewDivisor([{ width: 2049, height: 1024 }]), 2);
    assert.equal(previewDivisor([{ width: 6000, height: 4000 }]), 4, "24 MP: 1500x1000");
    assert.equal(previewDivisor([{ width: 4032, height: 3024 }]), 3);
    // Two images share one scale, the larger deciding.
    assert.equal(
      previewDivisor([
        { width: 100, height: 100 },
        { width: 6000, height: 4000 },
      ]),
      4,
    );
    assert.equal(previewDivisor([{ width: 400, height: 300 }], 30_000), 2);
    assert.equal(scaleText(4), "25%");
    assert.equal(scaleText(3), "33.3%");
  });
});

describe("shrinkDiff", () => {
  test("keeps every mark: red over yellow over the mean grey", () => {
    // 10x5 at divisor 4: 3x2 preview pixels, the last column and row partial.
    const diff = diffImage(10, 5, [
      [1, 1, "red"],
      [2, 2, "yellow"],
      [5, 0, "yellow"],
      [9, 4, "red"],
      [8, 4, "red"],
    ]);
    const shrunk = shrinkDiff(diff, 4);
    assert.equal(shrunk.width, 3);
    assert.equal(shrunk.height, 2);
    const at = (x: number, y: number) => [
      ...shrunk.rgb.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3),
    ];
    assert.deepEqual(at(0, 0), [255, 0, 0], "one red pixel of 16 makes it red");
    assert.deepEqual(at(1, 0), [255, 255, 0]);
    assert.deepEqual(at(2, 0), [GREY, GREY, GREY]);
    assert.deepEqual(at(2, 1), [255, 0, 0], "the partial corner block");
    assert.deepEqual([...shrunk.mismatches], [1, 0, 0, 0, 0, 2]);
  });
});

describe("busiestRegion", () => {
  test("the window holding the most, clipped to the image", () => {
    // 40x30 image, divisor 2: a 20x15 grid; a hot spot around (30, 20).
    const grid = new Uint32Array(20 * 15);
    grid[10 * 20 + 15] = 5;
    grid[11 * 20 + 16] = 5;
    grid[0] = 3;
    const region = busiestRegion(grid, 40, 30, 2, 8);
    assert.ok(region);
    assert.equal(region.width, 8);
    assert.equal(region.height, 8);
    for (const [x, y] of [
      [30, 20],
      [32, 22],
    ] as const) {
      assert.ok(
        x >= region.x && x < region.x + 8 && y >= region.y && y < region.y + 8,
        `${x},${y} outside ${JSON.stringify(region)}`,
      );
    }
    assert.equal(busiestRegion(new Uint32Array(300), 40, 30, 2, 8), null);
    // A crop side larger than the image: the whole image.
    assert.deepEqual(busiestRegion(grid, 40, 30, 2, 512), { x: 0, y: 0, width: 40, height: 30 });
  });
});

describe("reportImages", () => {
  let result: CompareResult;
  let pixels: [RgbaPixels, RgbaPixels];
  let diff: RgbaPixels;

  before(async () => {
    result = await compare(fixture("photo.png"), undefined, { diff: true, pixels: true });
    assert.ok(result.artifacts.pixels && result.artifacts.diff);
    pixels = result.artifacts.pixels;
    diff = result.artifacts.diff;
  });

  test("within the bound: the payloads' own bytes, no crop", async () => {
    const images = await reportImages({ payloads: result.artifacts.payloads, pixels, diff });
    assert.equal(images.divisor, undefined);
    assert.equal(images.crop, undefined);
    assert.equal(images.source.bytes, result.artifacts.payloads[0].bytes);
    assert.equal(images.lossy.bytes, result.artifacts.payloads[1].bytes);
    assert.equal(images.diff?.width, diff.width);
  });

  test("over the bound: downscaled views and a 1:1 crop of the most mismatched region", async () => {
    const { width, height } = pixels[0];
    // A bound a quarter of the image's pixels (plus a little): divisor 3 for a 4:3 image.
    const maxPixels = Math.ceil(width / 3) * Math.ceil(height / 3);
    const side = 64;
    const images = await reportImages({
      payloads: result.artifacts.payloads,
      pixels,
      diff,
      maxPixels,
      cropSide: side,
    });
    assert.equal(images.divisor, 3);
    // The views are JPEG (small); the diff PNG, so that its marks stay pure red and yellow.
    assert.deepEqual(
      [images.source.mime, images.lossy.mime, images.diff?.mime],
      ["image/jpeg", "image/jpeg", "image/png"],
    );
    for (const view of [images.source, images.lossy, images.diff]) {
      assert.ok(view);
      assert.equal(view.width, Math.ceil(width / 3));
      assert.equal(view.height, Math.ceil(height / 3));
      await decoded(view);
    }
    // The downscaled diff shows every mismatch: as many red preview pixels as blocks with one.
    const shrunk = shrinkDiff(diff, 3);
    const redBlocks = [...shrunk.mismatches].filter((n) => n > 0).length;
    assert.ok(redBlocks > 0, "the JPEG mismatches somewhere");
    const shownDiff = await decoded(images.diff as ReportImage);
    let red = 0;
    for (let i = 0; i < shownDiff.data.length; i += shownDiff.channels) {
      if (shownDiff.data[i] === 255 && shownDiff.data[i + 1] === 0) red++;
    }
    assert.equal(red, redBlocks);

    const crop = images.crop;
    assert.ok(crop);
    assert.equal(crop.by, "mismatch");
    assert.deepEqual([crop.width, crop.height], [side, side]);
    // The crop is the exact pixels, 1:1: lossless, lossy and diff at the same place.
    for (const [view, full] of [
      [crop.source, pixels[0]],
      [crop.lossy, pixels[1]],
      [crop.diff, diff],
    ] as const) {
      assert.ok(view);
      const shown = await decoded(view);
      for (const [x, y] of [
        [0, 0],
        [side - 1, side - 1],
        [17, 41],
      ] as const) {
        const i: number = ((crop.y + y) * width + crop.x + x) * 4;
        assert.deepEqual(rgbAt(shown, side, x, y), [...full.rgba.subarray(i, i + 3)]);
      }
    }
    // No window of that size holds more mismatches than the chosen one, give or take the
    // strips of up to 3 px on each side that block-aligned windows cannot reach.
    const count = (x0: number, y0: number) => {
      let n = 0;
      for (let y = y0; y < y0 + side; y++) {
        for (let x = x0; x < x0 + side; x++) {
          const i = (y * width + x) * 4;
          if (diff.rgba[i] === 255 && diff.rgba[i + 1] === 0 && diff.rgba[i + 2] === 0) n++;
        }
      }
      return n;
    };
    const chosen = count(crop.x, crop.y);
    for (let y = 0; y + side <= height; y += 24) {
      for (let x = 0; x + side <= width; x += 24) {
        assert.ok(count(x, y) <= chosen + 4 * 3 * side, `window at ${x},${y} beats the crop`);
      }
    }
  });

  test("a transparent image keeps its alpha in the view", async () => {
    const logo = await compare(fixture("logo-alpha.png"), undefined, { diff: true, pixels: true });
    assert.ok(logo.artifacts.pixels && logo.artifacts.diff);
    const { width, height } = logo.artifacts.pixels[0];
    const images = await reportImages({
      payloads: logo.artifacts.payloads,
      pixels: logo.artifacts.pixels,
      diff: logo.artifacts.diff,
      maxPixels: (width * height) / 4,
      cropSide: 32,
    });
    assert.equal(images.divisor, 2);
    assert.equal(images.source.mime, "image/png");
    assert.equal((await decoded(images.source)).channels, 4);
    assert.equal((await decoded(images.crop?.source as ReportImage)).channels, 4);
    // The JPEG payload has no alpha to keep.
    assert.equal(images.lossy.mime, "image/jpeg");
  });

  test("identical payloads: the crop falls back to the centre", async () => {
    const same = await compare(fixture("photo.png"), fixture("photo.png"), {
      diff: true,
      pixels: true,
    });
    assert.ok(same.artifacts.pixels && same.artifacts.diff);
    const { width, height } = same.artifacts.pixels[0];
    const images = await reportImages({
      payloads: same.artifacts.payloads,
      pixels: same.artifacts.pixels,
      diff: same.artifacts.diff,
      maxPixels: (width * height) / 4,
      cropSide: 32,
    });
    assert.equal(images.crop?.by, "centre");
    assert.equal(images.crop?.x, Math.floor((width - 32) / 2));
  });
});
