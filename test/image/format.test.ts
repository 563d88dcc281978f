import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import {
  GZIP_NOT_IMAGE,
  HTML_NOT_IMAGE,
  mimeForFormat,
  NOT_AN_IMAGE,
  refusalFromHead,
  type SniffedFormat,
  SVG_REFUSED,
  sniffFormat,
} from "../../src/image/format.js";

// dist/test/image/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

const tiny = () =>
  sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 30, b: 90 } } });

describe("sniffFormat on the fixtures", () => {
  const expected: [string, SniffedFormat][] = [
    ["text-and-lines.png", "png"],
    ["gradient.png", "png"],
    ["photo.png", "png"],
    ["logo-alpha.png", "png"],
    ["photo.jpg", "jpeg"],
    ["photo-p3.png", "png"],
    ["grey.png", "png"],
  ];
  for (const [name, format] of expected) {
    test(`${name} -> ${format}`, () => {
      assert.equal(sniffFormat(readFileSync(join(FIXTURES, name))), format);
    });
  }
});

describe("sniffFormat on crafted buffers", () => {
  const encoded: [SniffedFormat, () => Promise<Buffer>][] = [
    ["gif", () => tiny().gif().toBuffer()],
    ["webp", () => tiny().webp().toBuffer()],
    ["webp", () => tiny().webp({ lossless: true }).toBuffer()],
    ["tiff", () => tiny().tiff().toBuffer()],
    ["avif", () => tiny().avif().toBuffer()],
    ["png", () => tiny().png().toBuffer()],
    ["jpeg", () => tiny().jpeg().toBuffer()],
  ];
  for (const [format, make] of encoded) {
    test(`${format} made by sharp`, async () => {
      assert.equal(sniffFormat(await make()), format);
    });
  }

  const text = (s: string) => Buffer.from(s, "utf8");
  const cases: [string, Uint8Array, SniffedFormat][] = [
    ["GIF87a header", text("GIF87a\x04\x00\x03\x00"), "gif"],
    ["big-endian TIFF header", Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), "tiff"],
    ["BMP header", text("BM\x3a\x00\x00\x00"), "bmp"],
    ["HEIC ftyp box", Buffer.from([0, 0, 0, 0x18, ...text("ftypheic")]), "heif"],
    ["<!DOCTYPE html>", text("<!DOCTYPE html>\n<html><body>404</body></html>"), "html"],
    ["lower-case doctype after a BOM and blank lines", text("\uFEFF\n\n  <!doctype html>"), "html"],
    ["bare <html>", text("<html lang=en><head>"), "html"],
    ["SVG", text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>'), "svg"],
    [
      "SVG after an XML declaration",
      text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
      "svg",
    ],
    ["XML that is not SVG", text('<?xml version="1.0"?><rss version="2.0"/>'), "unknown"],
    ["JSON error body", text('{"error":"not found"}'), "unknown"],
    [
      "random bytes",
      Buffer.from([0x3b, 0x9e, 0x07, 0xc1, 0x55, 0x12, 0xfa, 0x80, 0x6d, 0x21]),
      "unknown",
    ],
    ["PNG signature cut short", Buffer.from([0x89, 0x50, 0x4e, 0x47]), "unknown"],
    ["one byte", Buffer.from([0xff]), "unknown"],
    ["empty", new Uint8Array(0), "unknown"],
  ];
  for (const [name, bytes, format] of cases) {
    test(`${name} -> ${format}`, () => {
      assert.equal(sniffFormat(bytes), format);
    });
  }

  test("reads a subarray view from its own offset", () => {
    const png = readFileSync(join(FIXTURES, "photo.png"));
    const padded = Buffer.concat([Buffer.from("junk"), png]);
    assert.equal(sniffFormat(padded.subarray(4)), "png");
    assert.equal(sniffFormat(padded), "unknown");
  });
});

describe("mimeForFormat", () => {
  test("maps sharp format names and falls back to octet-stream", () => {
    assert.equal(mimeForFormat("png"), "image/png");
    assert.equal(mimeForFormat("jpeg"), "image/jpeg");
    assert.equal(mimeForFormat("webp"), "image/webp");
    assert.equal(mimeForFormat("svg"), "image/svg+xml");
    assert.equal(mimeForFormat("html"), "application/octet-stream");
    assert.equal(mimeForFormat("unknown"), "application/octet-stream");
  });
});

describe("refusalFromHead", () => {
  const text = (s: string) => Buffer.from(s, "utf8");
  test("says nothing while the bytes may start an image any libvips reads", async () => {
    const heads: [string, Buffer][] = [
      ["PNG", await tiny().png().toBuffer()],
      ["JPEG", await tiny().jpeg().toBuffer()],
      ["WebP", await tiny().webp().toBuffer()],
      ["AVIF", await tiny().avif().toBuffer()],
      ["TIFF", await tiny().tiff().toBuffer()],
      ["BigTIFF", Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0])],
      ["PPM", text("P6\n4 3\n255\n")],
      ["Radiance HDR", text("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n")],
      ["JPEG XL codestream", Buffer.from([0xff, 0x0a, 0xfa, 0x7f])],
    ];
    for (const [name, head] of heads) assert.equal(refusalFromHead(head), undefined, name);
  });

  test("gives the refusal decoding would give for the rest", () => {
    assert.equal(refusalFromHead(Buffer.alloc(65_536)), NOT_AN_IMAGE);
    assert.equal(refusalFromHead(text('{"error":"not found"}')), NOT_AN_IMAGE);
    assert.equal(refusalFromHead(text("<!DOCTYPE html><title>502</title>")), HTML_NOT_IMAGE);
    assert.equal(refusalFromHead(Buffer.from([0x1f, 0x8b, 8, 0])), GZIP_NOT_IMAGE);
    assert.equal(refusalFromHead(text("<!-- a comment -->\n<svg/>")), SVG_REFUSED);
    // With a catch-all loader only the refusals made before libvips is asked remain.
    assert.equal(refusalFromHead(Buffer.alloc(64), true), undefined);
    assert.equal(refusalFromHead(text("<html>"), true), HTML_NOT_IMAGE);
  });
});
