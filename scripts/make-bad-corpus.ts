/**
 * Writes a corpus of bad (and a few awkward but valid) input files, to check that bad input
 * never hurts: every command must end in one clear stderr line and exit 2, never a crash, a
 * stack trace, a hang or a written output. test/corpus.test.ts runs the CLI over all of it.
 *
 * Usage: `npm run build && node dist/scripts/make-bad-corpus.js [dir]` (default: test-corpus/
 * under the OS temp dir). The files are made fresh each time and are not committed; as a
 * package.json script: `"corpus": "npm run build && node dist/scripts/make-bad-corpus.js"`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import type { ErrorCode } from "../src/errors.js";
import { rng } from "./random.js";

export interface CorpusFile {
  name: string;
  path: string;
  /** "ok": every command must work on it; otherwise the code reading or decoding it fails with. */
  expect: "ok" | ErrorCode;
  what: string;
}

export interface CorpusOptions {
  /** The http URL hostile.svg references; a test serves it to prove it is never fetched. */
  externalUrl?: string;
}

function randomBytes(length: number, seed: number, avoid?: number): Buffer {
  const next = rng(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    let byte = Math.floor(next() * 256);
    if (byte === avoid) byte ^= 1;
    out[i] = byte;
  }
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function ihdr(width: number, height: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = 0; // greyscale
  return pngChunk("IHDR", data);
}

/** A few hundred bytes that declare width x height: one zero row of IDAT, then IEND. */
export function pngDeclaring(width: number, height: number): Buffer {
  const row = deflateSync(Buffer.alloc(1 + Math.min(width, 1 << 20)));
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height),
    pngChunk("IDAT", row),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A GIF whose logical screen is width x height, holding one 1x1 frame. */
export function gifDeclaring(width: number, height: number): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // global colour table of 2 entries
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(1, 5);
  descriptor.writeUInt16LE(1, 7);
  // LZW, minimum code size 2: clear (4), index 0, end (5) as 3-bit codes, LSB first.
  const pixels = Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00]);
  return Buffer.concat([
    Buffer.from("GIF89a", "latin1"),
    screen,
    Buffer.from([0, 0, 0, 255, 255, 255]),
    descriptor,
    pixels,
    Buffer.from([0x3b]),
  ]);
}

/** Offset and length of the first chunk of `type` in a PNG. */
function findChunk(png: Buffer, type: string): { data: number; length: number } {
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    if (png.toString("latin1", offset + 4, offset + 8) === type) {
      return { data: offset + 8, length };
    }
    offset += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

/** Start of the entropy-coded data after the first SOS marker. */
function jpegScanStart(jpeg: Buffer): number {
  const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  if (sos === -1) throw new Error("no SOS marker");
  return sos + 2 + jpeg.readUInt16BE(sos + 2);
}

/** A smooth picture with some texture, so every format makes a file with real data to cut. */
function picture(width: number, height: number): Buffer {
  const next = rng(42);
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const grain = Math.floor(next() * 24);
      raw[i] = Math.min(255, Math.round((x / width) * 220) + grain);
      raw[i + 1] = Math.min(255, Math.round((y / height) * 220) + grain);
      raw[i + 2] = Math.min(255, 128 + Math.round(Math.sin((x + y) / 9) * 60) + grain);
    }
  }
  return raw;
}

const cut = (bytes: Buffer, share: number) => bytes.subarray(0, Math.floor(bytes.length * share));

const HTML_ERROR = `<!DOCTYPE html>
<html><head><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>
`;

function hostileSvg(externalUrl: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">
  <image href="file:///etc/passwd" width="32" height="32"/>
  <image xlink:href="${externalUrl}" x="32" width="32" height="32"/>
  <rect width="64" height="64" fill="url(${externalUrl}#paint)"/>
</svg>
`;
}

/** Writes the corpus into `dir` (created if needed) and lists what each file must do. */
export async function makeBadCorpus(
  dir: string,
  options: CorpusOptions = {},
): Promise<CorpusFile[]> {
  mkdirSync(dir, { recursive: true });
  const width = 256;
  const height = 192;
  const raw = sharp(picture(width, height), { raw: { width, height, channels: 3 } });
  const png = await raw.clone().png().toBuffer();
  const jpeg = await raw.clone().jpeg({ quality: 85 }).toBuffer();
  const gif = await raw.clone().gif().toBuffer();
  const webp = await raw.clone().webp({ quality: 80 }).toBuffer();
  const onePixel = await sharp({
    create: { width: 1, height: 1, channels: 3, background: "#3366cc" },
  })
    .png()
    .toBuffer();

  const idat = findChunk(png, "IDAT");
  // Flipped bits in the compressed stream, CRC left as it was: the checksum no longer matches.
  const flippedIdat = Buffer.from(png);
  for (let i = 0; i < 64; i++) {
    const at = idat.data + Math.floor(idat.length / 3) + i * 7;
    flippedIdat[at] = (flippedIdat[at] as number) ^ 0xa5;
  }
  // The same flipped bits with the CRC recomputed: only inflating the data finds the damage.
  const corruptZlib = Buffer.from(flippedIdat);
  const crcAt = idat.data + idat.length;
  corruptZlib.writeUInt32BE(crc32(corruptZlib.subarray(idat.data - 4, crcAt)), crcAt);
  // Intact data, wrong checksum.
  const badCrc = Buffer.from(png);
  badCrc.writeUInt32BE(badCrc.readUInt32BE(crcAt) ^ 0xffffffff, crcAt);
  // Garbage in the middle of the scan, stray 0xFF marker bytes included.
  const scan = jpegScanStart(jpeg);
  const garbledJpeg = Buffer.from(jpeg);
  const middle = scan + Math.floor((jpeg.length - scan) / 2);
  randomBytes(512, 7).copy(garbledJpeg, middle - 256);

  const files: Array<{
    name: string;
    bytes?: Buffer | string;
    expect: CorpusFile["expect"];
    what: string;
  }> = [
    { name: "empty.png", bytes: Buffer.alloc(0), expect: "empty", what: "0 bytes" },
    { name: "folder.png", expect: "is-directory", what: "a folder named like an image" },
    {
      name: "not-image.png",
      bytes: randomBytes(4096, 1),
      expect: "not-image",
      what: "random bytes",
    },
    { name: "html-error.png", bytes: HTML_ERROR, expect: "not-image", what: "an HTML error page" },
    {
      name: "png-header-only.png",
      bytes: PNG_SIGNATURE,
      expect: "decode",
      what: "the 8-byte PNG signature alone",
    },
    {
      name: "png-signature-and-ihdr.png",
      bytes: Buffer.concat([PNG_SIGNATURE, ihdr(16, 16)]),
      expect: "decode",
      what: "signature and IHDR, no image data",
    },
    {
      name: "zero-size.png",
      bytes: pngDeclaring(0, 0),
      expect: "decode",
      what: "IHDR declaring 0x0",
    },
    { name: "truncated-50.png", bytes: cut(png, 0.5), expect: "decode", what: "PNG cut at 50%" },
    { name: "truncated-90.png", bytes: cut(png, 0.9), expect: "decode", what: "PNG cut at 90%" },
    { name: "truncated-50.jpg", bytes: cut(jpeg, 0.5), expect: "decode", what: "JPEG cut at 50%" },
    { name: "truncated-90.jpg", bytes: cut(jpeg, 0.9), expect: "decode", what: "JPEG cut at 90%" },
    { name: "truncated-50.gif", bytes: cut(gif, 0.5), expect: "decode", what: "GIF cut at 50%" },
    { name: "truncated-90.gif", bytes: cut(gif, 0.9), expect: "decode", what: "GIF cut at 90%" },
    { name: "truncated-50.webp", bytes: cut(webp, 0.5), expect: "decode", what: "WebP cut at 50%" },
    { name: "truncated-90.webp", bytes: cut(webp, 0.9), expect: "decode", what: "WebP cut at 90%" },
    {
      name: "corrupt-idat.png",
      bytes: flippedIdat,
      expect: "decode",
      what: "flipped bytes in IDAT, CRC not updated",
    },
    {
      name: "corrupt-zlib.png",
      bytes: corruptZlib,
      expect: "decode",
      what: "flipped bytes in IDAT with a correct CRC",
    },
    { name: "bad-crc.png", bytes: badCrc, expect: "decode", what: "intact IDAT with a wrong CRC" },
    {
      name: "corrupt-scan.jpg",
      bytes: garbledJpeg,
      expect: "decode",
      what: "512 garbage bytes in the JPEG scan",
    },
    {
      name: "bomb.png",
      bytes: pngDeclaring(50_000, 50_000),
      expect: "too-many-pixels",
      what: "a tiny PNG declaring 50000x50000",
    },
    {
      name: "bomb.gif",
      bytes: gifDeclaring(65_535, 65_535),
      expect: "too-many-pixels",
      what: "a tiny GIF with a 65535x65535 logical screen",
    },
    {
      name: "hostile.svg",
      bytes: hostileSvg(options.externalUrl ?? "http://127.0.0.1:9/x.png"),
      expect: "not-image",
      what: "SVG referencing file:///etc/passwd and an http URL",
    },
    { name: "png-named.jpg", bytes: png, expect: "ok", what: "a valid PNG named .jpg" },
    { name: "one-pixel.png", bytes: onePixel, expect: "ok", what: "a 1x1 PNG" },
    {
      name: "name with spaces ünïcödé 画像.png",
      bytes: png,
      expect: "ok",
      what: "a valid PNG whose name has spaces and non-ASCII",
    },
  ];

  return files.map(({ name, bytes, expect, what }) => {
    const path = join(dir, name);
    if (bytes === undefined) mkdirSync(path, { recursive: true });
    else writeFileSync(path, bytes);
    return { name, path, expect, what };
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(tmpdir(), "test-corpus"));
  const files = await makeBadCorpus(dir);
  for (const file of files) console.log(`${file.expect.padEnd(16)} ${file.name}: ${file.what}`);
  console.log(`${files.length} files in ${dir}`);
}
