import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { libwebpSegmentQuant, readVp8FrameHeader, readWebp } from "../../src/image/webp.js";
import { fixture } from "../helpers/cli.js";

const PHOTO = fixture("photo.png");
const LOGO = fixture("logo-alpha.png");

describe("readWebp", () => {
  test("a lossy WebP: simple container, VP8 frame header with libwebp's defaults", async () => {
    const w = readWebp(await sharp(PHOTO).webp({ quality: 80 }).toBuffer());
    assert.ok(w?.vp8);
    assert.deepEqual([w.layout, w.codec, w.vp8x, w.alph], ["simple", "VP8", null, null]);
    assert.deepEqual([w.vp8.width, w.vp8.height], [384, 256]);
    assert.deepEqual(
      [w.vp8.simpleFilter, w.vp8.sharpness, w.vp8.partitions, w.vp8.deltas.uvDc],
      [false, 0, 1, -2],
    );
    assert.equal(w.vp8.segments?.absolute, true);
    assert.equal(w.vp8.segments?.quant.length, 4);
  });

  test("alpha: VP8X flags and the ALPH header; lossless: the VP8L header", async () => {
    const lossy = readWebp(await sharp(LOGO).webp().toBuffer());
    assert.equal(lossy?.layout, "extended");
    assert.equal(lossy?.vp8x?.alpha, true);
    assert.deepEqual(lossy?.alph, { compression: "lossless", filter: "none", preprocessing: 0 });
    const lossless = readWebp(await sharp(LOGO).webp({ lossless: true }).toBuffer());
    assert.equal(lossless?.codec, "VP8L");
    assert.deepEqual(lossless?.vp8l, { width: 320, height: 200, alphaUsed: true });
    const icc = readWebp(await sharp(PHOTO).resize(8, 8).withIccProfile("p3").webp().toBuffer());
    assert.ok(icc?.vp8x?.icc && (icc.iccProfile?.length ?? 0) > 100);
  });

  test("not a WebP, or not a key frame: undefined", () => {
    assert.equal(readWebp(Buffer.from("RIFF\0\0\0\0WAVE")), undefined);
    assert.equal(
      readVp8FrameHeader(Uint8Array.from([1, 0, 0, 0x9d, 1, 0x2a, 0, 0, 0, 0])),
      undefined,
    );
  });
});

describe("libwebpSegmentQuant", () => {
  test("quality 100 quantises nothing, 0 everything; more susceptible segments get less", () => {
    assert.equal(libwebpSegmentQuant(100, 50, 0), 0);
    assert.equal(libwebpSegmentQuant(0, 50, 0), 127);
    assert.ok(libwebpSegmentQuant(75, 50, 127) < libwebpSegmentQuant(75, 50, -127));
    // sns 0: alpha changes nothing.
    assert.equal(libwebpSegmentQuant(75, 0, 127), libwebpSegmentQuant(75, 0, -127));
  });
});
