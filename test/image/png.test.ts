import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { readPng, visitRows } from "../../src/image/png.js";
import { fixture } from "../helpers/cli.js";

const PHOTO = fixture("photo.png");

/** A PNG from raw filtered rows (filter byte first), in one IDAT or split. */
function png(width: number, height: number, colourType: number, rows: number[][], split = 0) {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    return Buffer.concat([head, data, Buffer.alloc(4)]); // CRCs are not checked
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colourType, 0, 0, 0], 8);
  const data = deflateSync(Buffer.from(rows.flat()), { level: 9 });
  const parts = split > 0 ? [data.subarray(0, split), data.subarray(split)] : [data];
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("tEXt", Buffer.from("Software\0test", "latin1")),
    ...parts.map((p) => chunk("IDAT", p)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("readPng", () => {
  test("chunks, IDAT lengths, zlib header and each row's filter", () => {
    const bytes = png(
      2,
      3,
      0,
      [
        [0, 10, 20],
        [1, 5, 5],
        [4, 1, 2],
      ],
      4,
    );
    const p = readPng(bytes);
    assert.ok(p);
    assert.deepEqual(p.chunks, ["IHDR", "tEXt", "IDAT", "IEND"]);
    assert.equal(p.idatLengths.length, 2);
    assert.deepEqual(p.zlib, { windowBits: 15, level: 3, dictionary: false });
    assert.deepEqual([...(p.rowFilters ?? [])], [0, 1, 4]);
    assert.deepEqual(p.textKeywords, ["Software"]);
    assert.equal(p.rows, 3);
  });

  test("visitRows undoes each filter and stops when asked", () => {
    // RGB, 2 pixels: row 0 Sub, row 1 Up, row 2 Average, row 3 Paeth.
    const rows = [
      [1, 10, 20, 30, 5, 5, 5],
      [2, 1, 1, 1, 1, 1, 1],
      [3, 6, 10, 15, 10, 10, 10],
      [4, 0, 0, 0, 1, 2, 3],
    ];
    const p = readPng(png(2, 4, 2, rows));
    assert.ok(p);
    const seen: number[][] = [];
    const filters: number[] = [];
    assert.equal(
      visitRows(p, 1 << 20, (row, _above, filter) => {
        seen.push([...row]);
        filters.push(filter);
        return true;
      }),
      4,
    );
    assert.deepEqual(filters, [1, 2, 3, 4]);
    assert.deepEqual(seen, [
      [10, 20, 30, 15, 25, 35],
      [11, 21, 31, 16, 26, 36],
      // Average: first pixel (0 + above) >> 1, then (left + above) >> 1.
      [11, 20, 30, 23, 33, 43],
      // Paeth: first pixel predicts from above; then a=left, b=above, c=above-left.
      [11, 20, 30, 24, 35, 46],
    ]);
    assert.equal(
      visitRows(p, 1 << 20, () => false),
      1,
    );
  });

  test("libpng's window shrinks for small images; interlaced rows are read pass by pass", async () => {
    const tiny = readPng(await sharp(PHOTO).resize(8, 8).png().toBuffer());
    assert.ok(tiny?.zlib && tiny.zlib.windowBits < 15, JSON.stringify(tiny?.zlib));
    const interlaced = readPng(
      await sharp(PHOTO).resize(20, 10).png({ progressive: true }).toBuffer(),
    );
    assert.ok(interlaced?.interlaced);
    // Adam7 pass heights for 20x10: 2, 2, 1, 3, 2, 5, 5.
    assert.equal(interlaced.rows, 20);
    assert.equal(interlaced.rowFilters?.length, 20);
    assert.equal(
      visitRows(interlaced, 1 << 20, () => true),
      0,
      "interlaced rows are not visited",
    );
  });

  test("iCCP name and profile, pHYs", async () => {
    const bytes = await sharp(PHOTO)
      .resize(8, 8)
      .withIccProfile("p3")
      .withMetadata({ density: 144 })
      .png()
      .toBuffer();
    const p = readPng(bytes);
    assert.ok(p?.iccProfileName);
    assert.ok((p.iccProfile?.length ?? 0) > 100);
    assert.equal(p.physical?.unit, 1);
    assert.equal(readPng(Buffer.from("not a png")), undefined);
  });

  test("truncated data: the rows that are there", async () => {
    const bytes = await sharp(PHOTO).png({ compressionLevel: 1 }).toBuffer();
    const p = readPng(bytes.subarray(0, Math.floor(bytes.length / 2)));
    assert.ok(p?.rowFilters);
    assert.ok(p.rowFilters.length > 10 && p.rowFilters.length < 256, String(p.rowFilters.length));
    // The complete rows that are there.
    const complete = visitRows(p, 1 << 30, () => true);
    assert.ok(complete > 0 && complete < 256, String(complete));
  });

  test("a large image: rows read from a prefix of the data, within the inflate limit", async () => {
    const flat = await sharp({
      create: { width: 6000, height: 2000, channels: 4, background: "#123456" },
    })
      .png()
      .toBuffer();
    const p = readPng(flat);
    assert.ok(p?.rowFilters);
    // 48 MB of rows: at most the 32 MiB limit is inflated, at least half of it.
    assert.ok(
      p.rowFilters.length >= 700 && p.rowFilters.length <= 1398,
      String(p.rowFilters.length),
    );
    assert.equal(
      visitRows(p, 1 << 20, () => true),
      43,
      "1 MiB of 24,001-byte rows",
    );
  });
});
