import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import {
  canStreamPng,
  originalPayload,
  pngPayload,
  streamedPngPayload,
} from "../../src/payload/lossless.js";

// dist/test/payload/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

const FIXTURES_BY_FORMAT: { name: string; mime: string; alpha: boolean }[] = [
  { name: "text-and-lines.png", mime: "image/png", alpha: false },
  { name: "gradient.png", mime: "image/png", alpha: false },
  { name: "photo.png", mime: "image/png", alpha: false },
  { name: "logo-alpha.png", mime: "image/png", alpha: true },
  { name: "photo.jpg", mime: "image/jpeg", alpha: false },
  { name: "photo-p3.png", mime: "image/png", alpha: false },
  { name: "grey.png", mime: "image/png", alpha: false },
];

describe("pngPayload", () => {
  for (const { name, alpha } of FIXTURES_BY_FORMAT) {
    test(`${name}: decodes back to the source pixels, alpha ${alpha ? "kept" : "absent"}`, async () => {
      const image = await decode(readFileSync(join(FIXTURES, name)));
      const payload = await pngPayload(image);

      assert.equal(payload.mime, "image/png");
      assert.equal(payload.role, "lossless");
      assert.deepEqual([payload.width, payload.height], [image.width, image.height]);

      // Decoded with sharp directly, not decode(), so a shared bug cannot cancel out.
      const meta = await sharp(payload.bytes).metadata();
      assert.equal(meta.format, "png");
      assert.equal(meta.hasAlpha, alpha);
      assert.equal(meta.channels, alpha ? 4 : 3);
      assert.equal(meta.depth, "uchar");
      const { data, info } = await sharp(payload.bytes)
        .ensureAlpha(1)
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [image.width, image.height, 4]);
      // All bytes, alpha included: colours stored under alpha 0 must survive too.
      assert.ok(data.equals(image.rgba), `${name}: PNG payload pixels differ from the source`);
    });
  }
});

describe("originalPayload", () => {
  for (const { name, mime } of FIXTURES_BY_FORMAT) {
    test(`${name}: the source bytes untouched, as ${mime}`, async () => {
      const bytes = readFileSync(join(FIXTURES, name));
      const image = await decode(bytes);
      const payload = originalPayload(image, bytes);

      assert.equal(payload.bytes, bytes);
      assert.equal(payload.mime, mime);
      assert.equal(payload.role, "lossless");
      assert.deepEqual([payload.width, payload.height], [image.width, image.height]);
      assert.match(payload.label, /^original (PNG|JPEG) bytes$/);
    });
  }
});

describe("streamedPngPayload", () => {
  test("is byte-identical to pngPayload, whatever density and metadata the source carries", async () => {
    const photo = readFileSync(join(FIXTURES, "photo.png"));
    const sources = [
      await sharp(photo).withMetadata({ density: 300 }).jpeg({ quality: 90 }).toBuffer(),
      await sharp(photo).withMetadata({ density: 150 }).png().toBuffer(),
      await sharp(photo).ensureAlpha(0.5).withDensity(96).png().toBuffer(),
      await sharp(photo).withIccProfile("p3").png().toBuffer(),
      readFileSync(join(FIXTURES, "photo.jpg")),
    ];
    for (const bytes of sources) {
      const image = await decode(bytes);
      const streamed = await streamedPngPayload(image.info, bytes);
      assert.deepEqual(streamed.bytes, (await pngPayload(image)).bytes);
    }
  });

  test("is used only for large 8-bit sRGB PNG and JPEG sources", async () => {
    const image = await decode(readFileSync(join(FIXTURES, "photo.png")));
    assert.equal(canStreamPng(image.info), false);
    const large = { ...image.info, width: 3000, height: 2000 };
    assert.equal(canStreamPng(large), true);
    assert.equal(canStreamPng({ ...large, bitDepth: 16 }), false);
    assert.equal(canStreamPng({ ...large, format: "gif" }), false);
    assert.equal(canStreamPng({ ...large, palette: true }), false);
  });
});
