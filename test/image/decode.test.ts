import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { type ErrorCode, ImgencError } from "../../src/errors.js";
import { decode, readInfo } from "../../src/image/decode.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

// dist/test/image/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

const OPAQUE = [
  "text-and-lines.png",
  "gradient.png",
  "photo.png",
  "photo.jpg",
  "photo-p3.png",
  "grey.png",
];

function pixel(image: { width: number; rgba: Buffer }, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return [...image.rgba.subarray(i, i + 4)];
}

async function rejectsWith(bytes: Buffer, code: ErrorCode, options = {}): Promise<ImgencError> {
  let caught: unknown;
  try {
    await decode(bytes, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ImgencError, `expected an ImgencError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** A PNG whose IHDR claims width x height, followed by the rest of `png` (CRC kept valid). */
function withDimensions(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

describe("decode: pixels", () => {
  for (const name of OPAQUE) {
    test(`${name}: width * height * 4 bytes, alpha 255 everywhere`, async () => {
      const image = await decode(fixture(name));
      assert.equal(image.rgba.length, image.width * image.height * 4);
      assert.deepEqual([image.info.width, image.info.height], [image.width, image.height]);
      assert.equal(image.info.hasAlpha, false);
      for (let i = 3; i < image.rgba.length; i += 4) {
        if (image.rgba[i] !== 255) assert.fail(`alpha ${image.rgba[i]} at byte ${i}`);
      }
    });
  }

  test("logo-alpha.png: keeps the colours stored under alpha 0", async () => {
    const image = await decode(fixture("logo-alpha.png"));
    assert.equal(image.info.hasAlpha, true);
    assert.equal(image.rgba.length, image.width * image.height * 4);
    // make-fixtures stores magenta under the transparent top half, black under the bottom half.
    assert.deepEqual(pixel(image, 2, 2), [255, 0, 255, 0]);
    assert.deepEqual(pixel(image, 317, 60), [255, 0, 255, 0]);
    assert.deepEqual(pixel(image, 2, 197), [0, 0, 0, 0]);
    // The disc is opaque blue; its antialiased rim is partly transparent and still blue.
    assert.deepEqual(pixel(image, 40, 96), [28, 92, 200, 255]);
    const alphas = new Set<number>();
    for (let i = 3; i < image.rgba.length; i += 4) alphas.add(image.rgba[i] ?? -1);
    assert.ok(
      [...alphas].some((a) => a > 0 && a < 255),
      "no semi-transparent edge pixels",
    );
  });

  test("photo-p3.png: the ICC profile is ignored, stored values kept", async () => {
    const p3 = await decode(fixture("photo-p3.png"));
    const srgb = await decode(fixture("photo.png"));
    assert.equal(p3.info.hasIccProfile, true);
    assert.equal(srgb.info.hasIccProfile, false);
    assert.ok(p3.rgba.equals(srgb.rgba), "P3-tagged pixels were colour-managed");
  });

  test("grey.png: one stored channel becomes R = G = B", async () => {
    const bytes = fixture("grey.png");
    const image = await decode(bytes);
    assert.equal(image.info.channels, 1);
    const grey = await sharp(bytes).toColourspace("b-w").raw().toBuffer();
    assert.equal(grey.length, image.width * image.height);
    for (let p = 0; p < grey.length; p++) {
      const v = grey[p];
      const [r, g, b] = image.rgba.subarray(p * 4, p * 4 + 3);
      if (r !== v || g !== v || b !== v) assert.fail(`pixel ${p}: ${r},${g},${b} for grey ${v}`);
    }
  });

  test("photo.jpg: reports the JPEG container", async () => {
    const image = await decode(fixture("photo.jpg"));
    assert.equal(image.info.format, "jpeg");
    assert.equal(image.info.mime, "image/jpeg");
    assert.equal(image.info.chromaSubsampling, "4:4:4");
    assert.equal(image.info.bitDepth, 8);
  });

  test("16-bit PNG: keeps the high byte of each sample, reports bitDepth 16", async () => {
    const width = 5;
    const height = 2;
    const values = [0, 255, 256, 65535, 300, 40000, 0x1234, 0xfedc, 0x00ff, 0xff00, 0x8080, 1];
    const samples = Uint16Array.from(
      { length: width * height * 3 },
      (_, i) => values[i % values.length] ?? 0,
    );
    const png16 = await sharp(samples, { raw: { width, height, channels: 3 } })
      .toColourspace("rgb16")
      .png()
      .toBuffer();
    const image = await decode(png16);
    assert.equal(image.info.bitDepth, 16);
    assert.equal(image.info.format, "png");
    const expected = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) expected[p * 4 + c] = (samples[p * 3 + c] ?? 0) >> 8;
      expected[p * 4 + 3] = 255;
    }
    assert.deepEqual([...image.rgba], [...expected]);
  });

  test("matches Pillow's Image.open(path).convert('RGBA') on every fixture", {
    skip: skipUnlessPython(["PIL"]),
  }, async () => {
    const names = [...OPAQUE, "logo-alpha.png"];
    for (const name of names) {
      const image = await decode(fixture(name));
      const pillow = runPython(
        "import sys\nfrom PIL import Image\nsys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGBA').tobytes())",
        [join(FIXTURES, name)],
      );
      assert.ok(pillow.equals(image.rgba), `${name}: decode() differs from Pillow`);
    }
  });
});

describe("decode: failures are ImgencErrors", () => {
  test("bytes that are no image -> not-image", async () => {
    const noise = Buffer.from([
      0x3b, 0x9e, 0x07, 0xc1, 0x55, 0x12, 0xfa, 0x80, 0x6d, 0x21, 0x00, 0x44,
    ]);
    await rejectsWith(noise, "not-image");
    await rejectsWith(Buffer.from('{"error":"not found"}'), "not-image");
  });

  test("an HTML page -> not-image, saying it is HTML", async () => {
    const html = Buffer.from("<!DOCTYPE html>\n<html><head><title>Login</title></head></html>");
    const error = await rejectsWith(html, "not-image");
    assert.match(error.message, /HTML/);
  });

  test("empty input -> empty", async () => {
    await rejectsWith(Buffer.alloc(0), "empty");
  });

  test("a truncated PNG (first half of a fixture) -> decode", async () => {
    const png = fixture("photo.png");
    const error = await rejectsWith(png.subarray(0, png.length >> 1), "decode");
    assert.match(error.message, /PNG/);
  });

  test("a truncated JPEG -> decode", async () => {
    const jpeg = fixture("photo.jpg");
    await rejectsWith(jpeg.subarray(0, jpeg.length >> 1), "decode");
  });

  test("a PNG header alone -> an ImgencError, not another exception", async () => {
    const png = fixture("photo.png");
    for (const length of [8, 33]) {
      await assert.rejects(decode(png.subarray(0, length)), ImgencError, `first ${length} bytes`);
      await assert.rejects(readInfo(png.subarray(0, length)), ImgencError, `first ${length} bytes`);
    }
  });

  test("maxInputPixels below the image size -> too-many-pixels", async () => {
    const error = await rejectsWith(fixture("photo.png"), "too-many-pixels", {
      maxInputPixels: 384 * 256 - 1,
    });
    assert.match(error.message, /384x256/);
    const image = await decode(fixture("photo.png"), { maxInputPixels: 384 * 256 });
    assert.equal(image.width * image.height, 384 * 256);
  });

  test("the pixel limit is worded in megapixels only when they tell the sizes apart", async () => {
    const photo = fixture("photo.png");
    const words = async (options: { maxInputPixels: number }, bytes: Buffer = photo) =>
      (await rejectsWith(bytes, "too-many-pixels", options)).message;
    assert.equal(
      await words({ maxInputPixels: 10 }),
      "384x256 is 98,304 px, over the 10 px limit (raise it with --max-input-pixels)",
    );
    const big = withDimensions(photo, 5000, 5000);
    assert.equal(
      await words({ maxInputPixels: 1_000_000 }, big),
      "5000x5000 is 25 MP, over the 1.0 MP limit (raise it with --max-input-pixels)",
    );
    // 25,000,000 and 24,999,999 are both "25 MP": then the exact counts.
    assert.equal(
      await words({ maxInputPixels: 24_999_999 }, big),
      "5000x5000 is 25,000,000 px, over the 24,999,999 px limit (raise it with --max-input-pixels)",
    );
  });

  test("too-many-pixels is raised from the header, before decoding", async () => {
    // The pixel data is cut off: if decoding started, this would fail with "decode" instead.
    const png = fixture("photo.png");
    await rejectsWith(png.subarray(0, png.length >> 1), "too-many-pixels", {
      maxInputPixels: 1000,
    });
    // A header claiming 100000 x 100000 (10 GP) trips the default limit without allocating it.
    await rejectsWith(withDimensions(png, 100_000, 100_000), "too-many-pixels");
  });
});

describe("readInfo: format names", () => {
  test("AVIF is called AVIF, though libvips reads it as HEIF", async () => {
    const avif = await sharp({
      create: { width: 8, height: 8, channels: 3, background: "#c03060" },
    })
      .avif()
      .toBuffer();
    const info = await readInfo(avif);
    assert.equal(info.format, "avif");
    assert.equal(info.mime, "image/avif");
    assert.equal((await decode(avif)).info.format, "avif");
  });
});
