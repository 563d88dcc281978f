import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { readTiffLayout } from "../../src/image/tiff.js";

/** A TIFF header and one IFD of SHORT tags (values inline or, past two, after the IFD). */
function tiff(order: "II" | "MM", tags: [number, number[]][]): Buffer {
  const little = order === "II";
  const ifd = 8;
  const extra = ifd + 2 + tags.length * 12 + 4;
  const out = Buffer.alloc(
    extra + tags.reduce((n, [, v]) => n + (v.length > 2 ? v.length * 2 : 0), 0),
  );
  const u16 = (v: number, at: number) =>
    little ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at);
  const u32 = (v: number, at: number) =>
    little ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at);
  out.write(order, 0, "latin1");
  u16(42, 2);
  u32(ifd, 4);
  u16(tags.length, ifd);
  let spill = extra;
  for (const [i, [tag, values]] of tags.entries()) {
    const entry = ifd + 2 + i * 12;
    u16(tag, entry);
    u16(3, entry + 2);
    u32(values.length, entry + 4);
    const spills = values.length > 2;
    if (spills) u32(spill, entry + 8);
    const at = spills ? spill : entry + 8;
    for (const [k, v] of values.entries()) u16(v, at + k * 2);
    if (spills) spill += values.length * 2;
  }
  return out;
}

describe("readTiffLayout", () => {
  const tags: [number, number[]][] = [
    [258, [16, 16, 16, 16]],
    [259, [5]],
    [262, [2]],
    [277, [4]],
    [338, [2]],
  ];
  const expected = {
    bitsPerSample: 16,
    samplesPerPixel: 4,
    photometric: 2,
    compression: 5,
    extraSamples: [2],
  };

  test("reads little- and big-endian directories alike", () => {
    assert.deepEqual(readTiffLayout(tiff("II", tags)), expected);
    assert.deepEqual(readTiffLayout(tiff("MM", tags)), expected);
  });

  test("reads libvips' own TIFF (RGBA, unassociated alpha)", async () => {
    const raw = Buffer.alloc(3 * 2 * 4, 200);
    const bytes = await sharp(raw, { raw: { width: 3, height: 2, channels: 4 } })
      .tiff({ compression: "none" })
      .toBuffer();
    assert.deepEqual(readTiffLayout(bytes), {
      bitsPerSample: 8,
      samplesPerPixel: 4,
      photometric: 2,
      compression: 1,
      extraSamples: [2],
    });
  });

  test("undefined for non-TIFF and cut-off bytes, defaults for absent tags", () => {
    assert.equal(readTiffLayout(Buffer.from("GIF89a....")), undefined);
    assert.equal(readTiffLayout(tiff("II", tags).subarray(0, 20)), undefined);
    assert.deepEqual(readTiffLayout(tiff("MM", [[262, [1]]])), {
      bitsPerSample: 1,
      samplesPerPixel: 1,
      photometric: 1,
      compression: 1,
      extraSamples: [],
    });
  });
});
