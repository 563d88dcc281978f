import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { noise } from "./images.js";
import { randomRows, rawPng, u16 } from "./png.js";
import { randomImage } from "./random.js";

// dist/test/helpers/ -> <repo>/fixtures/
export const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

export interface NamedInput {
  name: string;
  make: () => Promise<Buffer>;
}

/**
 * The text fixtures of scripts/make-text-fixtures.ts. The compiled llama.cpp and current-torch
 * goldens (test/golden/llama-cpp, test/golden/torchvision-resize) were made before them and
 * are built outside this repository, so the checks against those goldens leave them out.
 */
export const NEWER_THAN_COMPILED_GOLDENS = new Set([
  "invoice-black-on-white.png",
  "invoice-grey-on-grey.png",
  "invoice-red-on-blue.png",
]);

/** Every committed fixture. */
export const FIXTURE_INPUTS: NamedInput[] = readdirSync(FIXTURES)
  .filter((name) => !name.endsWith(".md"))
  .sort()
  .map((name) => ({ name, make: async () => readFileSync(join(FIXTURES, name)) }));

const logo = () => sharp(join(FIXTURES, "logo-alpha.png"));

/** RGBA whose fully transparent pixels hide random colours, with some partial alpha. */
function hiddenColourRgba(width: number, height: number): Promise<Buffer> {
  const rgba = randomImage(width, height, 5);
  for (let p = 0; p < width * height; p++) {
    const a = p % 4 === 0 ? 0 : p % 4 === 1 ? 255 : (rgba[p * 4 + 3] as number);
    rgba[p * 4 + 3] = a;
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** A JPEG with a COM segment after its header, which Pillow keeps in info["comment"]. */
async function jpegWithComment(text: string): Promise<Buffer> {
  const jpeg = await sharp(join(FIXTURES, "photo.png")).resize(40, 27).jpeg().toBuffer();
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), com, Buffer.from(text, "latin1"), jpeg.subarray(2)]);
}

/** A transparent GIF with a comment extension before its first image. */
async function gifWithComment(text: string): Promise<Buffer> {
  const gif = await logo().resize(41, 26).gif().toBuffer();
  const packed = gif[10] as number;
  const at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const comment = Buffer.concat([
    Buffer.from([0x21, 0xfe, text.length]),
    Buffer.from(text, "latin1"),
    Buffer.from([0]),
  ]);
  return Buffer.concat([gif.subarray(0, at), comment, gif.subarray(at)]);
}

const palette5 = Buffer.from([10, 20, 30, 200, 10, 10, 40, 220, 90, 250, 250, 0, 0, 0, 0]);

/** 8-bit indices 0..count-1 in rows of `width`. */
function indexRows(width: number, height: number, count: number, seed: number): Uint8Array[] {
  return randomRows(width, height, seed).map((row) => row.map((v) => v % count));
}

/**
 * Small images that stress how Pillow 9.4 reads a source: transparency in every form PNG has,
 * 16-bit samples, palettes, greyscale, odd sizes, a width over 16,384 px (IDAT blocks of width * 4
 * bytes), ICC profiles in WebP, comments Pillow carries into a JPEG.
 */
export const STRESS_INPUTS: NamedInput[] = [
  { name: "rgba-hidden-colour-33x17.png", make: () => hiddenColourRgba(33, 17) },
  {
    name: "logo-crop-33x17.png",
    make: () => logo().extract({ left: 3, top: 85, width: 33, height: 17 }).png().toBuffer(),
  },
  {
    name: "grey-alpha.png",
    make: () => logo().resize(64, 40).toColourspace("b-w").png().toBuffer(),
  },
  {
    name: "grey-alpha-16bit.png",
    make: async () =>
      rawPng({ width: 13, height: 7, bitDepth: 16, colourType: 4, rows: randomRows(52, 7, 21) }),
  },
  {
    name: "palette-alphas.png",
    make: () => logo().resize(80, 50).png({ palette: true }).toBuffer(),
  },
  {
    name: "palette-one-transparent.png",
    make: async () =>
      rawPng({
        width: 9,
        height: 5,
        bitDepth: 8,
        colourType: 3,
        rows: indexRows(9, 5, 5, 22),
        chunks: [
          ["PLTE", palette5],
          ["tRNS", Buffer.from([255, 255, 0])],
        ],
      }),
  },
  {
    name: "palette-4bit-all-opaque-trns.png",
    make: async () =>
      rawPng({
        width: 6,
        height: 3,
        bitDepth: 4,
        colourType: 3,
        rows: indexRows(6, 3, 5, 23).map((r) =>
          Uint8Array.from([0, 2, 4], (i) => ((r[i] as number) << 4) | (r[i + 1] as number)),
        ),
        chunks: [
          ["PLTE", palette5],
          ["tRNS", Buffer.from([255, 255])],
        ],
      }),
  },
  {
    name: "grey-trns.png",
    make: async () =>
      rawPng({
        width: 11,
        height: 6,
        bitDepth: 8,
        colourType: 0,
        rows: randomRows(11, 6, 24).map((r) => r.map((v) => v & 0xf0)),
        chunks: [["tRNS", u16(0x30)]],
      }),
  },
  {
    name: "grey-2bit-trns.png",
    make: async () =>
      rawPng({
        width: 8,
        height: 3,
        bitDepth: 2,
        colourType: 0,
        rows: randomRows(2, 3, 25),
        chunks: [["tRNS", u16(2)]],
      }),
  },
  {
    name: "grey-1bit-trns.png",
    make: async () =>
      rawPng({
        width: 16,
        height: 3,
        bitDepth: 1,
        colourType: 0,
        rows: randomRows(2, 3, 26),
        chunks: [["tRNS", u16(0)]],
      }),
  },
  {
    name: "grey-16bit-trns.png",
    make: async () =>
      rawPng({
        width: 5,
        height: 4,
        bitDepth: 16,
        colourType: 0,
        rows: [
          u16(0, 40, 300, 1000, 65535),
          u16(40, 40, 0, 7, 255),
          u16(256, 44, 300, 3, 9),
          u16(1, 2, 3, 4, 5),
        ],
        chunks: [["tRNS", u16(300)]],
      }),
  },
  {
    name: "rgb-trns.png",
    make: async () => {
      const rows = randomRows(21, 5, 27).map((r) => r.map((v) => v & 0xc0));
      return rawPng({
        width: 7,
        height: 5,
        bitDepth: 8,
        colourType: 2,
        rows,
        chunks: [["tRNS", u16(rows[0]?.[0] ?? 0, rows[0]?.[1] ?? 0, rows[0]?.[2] ?? 0)]],
      });
    },
  },
  {
    name: "rgb16-trns.png",
    make: async () =>
      rawPng({
        width: 3,
        height: 2,
        bitDepth: 16,
        colourType: 2,
        rows: [
          u16(1000, 2000, 3000, 4, 5, 6, 65535, 0, 1),
          u16(1000, 2000, 3000, 9, 9, 9, 0, 0, 0),
        ],
        chunks: [["tRNS", u16(1000, 2000, 3000)]],
      }),
  },
  {
    name: "rgb16-37x23.png",
    make: () => {
      const samples = Uint16Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 2654435761) % 65536);
      return sharp(samples, { raw: { width: 37, height: 23, channels: 3 } })
        .toColourspace("rgb16")
        .png()
        .toBuffer();
    },
  },
  {
    name: "grey16-37x23.png",
    make: () => {
      const samples = Uint16Array.from({ length: 37 * 23 }, (_, i) => (i * 40503) % 65536);
      return sharp(samples, { raw: { width: 37, height: 23, channels: 1 } })
        .toColourspace("grey16")
        .png()
        .toBuffer();
    },
  },
  {
    name: "1x1.png",
    make: () =>
      sharp(join(FIXTURES, "photo.png"))
        .extract({ left: 7, top: 9, width: 1, height: 1 })
        .png()
        .toBuffer(),
  },
  {
    name: "3x1.png",
    make: () =>
      sharp(join(FIXTURES, "photo.png"))
        .extract({ left: 100, top: 9, width: 3, height: 1 })
        .png()
        .toBuffer(),
  },
  {
    name: "1x5.png",
    make: () =>
      sharp(join(FIXTURES, "photo.png"))
        .extract({ left: 7, top: 90, width: 1, height: 5 })
        .png()
        .toBuffer(),
  },
  {
    // Wider than 16,384 px: Pillow's IDAT blocks are width * 4 = 66,000 bytes, not 65,536.
    name: "noise-16500x2.png",
    make: () =>
      sharp(noise(16500, 2), { raw: { width: 16500, height: 2, channels: 3 } })
        .png()
        .toBuffer(),
  },
  { name: "logo-transparent.gif", make: () => logo().resize(60, 38).gif().toBuffer() },
  { name: "gif-comment.gif", make: () => gifWithComment("made by imgenc's tests") },
  { name: "jpeg-comment.jpg", make: () => jpegWithComment("a JPEG comment") },
  {
    name: "grey.jpg",
    make: () =>
      sharp(join(FIXTURES, "photo.png")).resize(48, 32).toColourspace("b-w").jpeg().toBuffer(),
  },
  {
    name: "photo-p3.webp",
    make: () =>
      sharp(join(FIXTURES, "photo.png")).resize(48, 32).withIccProfile("p3").webp().toBuffer(),
  },
  {
    name: "logo-p3-alpha.webp",
    make: () => logo().resize(48, 30).withIccProfile("p3").webp({ lossless: true }).toBuffer(),
  },
];
