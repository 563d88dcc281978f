import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import { pillowJpegPayload } from "../../src/payload/pillow-jpeg.js";
import { type JpegSettings, PILLOW_DEFAULT_JPEG } from "../../src/payload/types.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

// dist/test/payload/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));
const FIXTURE_NAMES = [
  "text-and-lines.png",
  "gradient.png",
  "photo.png",
  "logo-alpha.png",
  "photo.jpg",
  "photo-p3.png",
  "grey.png",
];

const SETTINGS: JpegSettings[] = [
  PILLOW_DEFAULT_JPEG,
  { quality: 90, subsampling: "4:4:4" },
  { quality: 30, subsampling: "4:2:0" },
];

/**
 * Pillow saves the source the way a VLM client does, then decodes its own JPEG and imgenc's
 * (sent with the call) with the same libjpeg, so a pixel difference can only come from the
 * encoders. The default setting passes no options at all: that is the call being mirrored.
 * Output: u32 BE length + Pillow's JPEG, then both decodes as RGB (width * height * 3 each).
 */
const pillow = new PythonSession(`
import io, struct
from PIL import Image

def save_and_decode(ours, path, quality, subsampling):
    options = {}
    if (quality, subsampling) != (75, "4:2:0"):
        options = {"quality": quality, "subsampling": {"4:4:4": 0, "4:2:0": 2}[subsampling]}
    buf = io.BytesIO()
    Image.open(path).convert("RGB").save(buf, format="JPEG", **options)
    theirs = buf.getvalue()
    a = Image.open(io.BytesIO(theirs))
    b = Image.open(io.BytesIO(ours))
    assert a.mode == b.mode == "RGB" and a.size == b.size, (a.mode, b.mode, a.size, b.size)
    return struct.pack(">I", len(theirs)) + theirs + a.tobytes() + b.tobytes()
`);
after(() => pillow.close());

interface Comparison {
  pillowJpeg: Buffer;
  pillowPixels: Buffer;
  imgencPixels: Buffer;
}

async function compareWithPillow(
  path: string,
  settings: JpegSettings,
  ours: Buffer,
): Promise<Comparison> {
  const out = await pillow.call(
    "save_and_decode",
    [path, settings.quality, settings.subsampling],
    ours,
  );
  const jpegEnd = 4 + out.readUInt32BE(0);
  const half = (out.length - jpegEnd) / 2;
  return {
    pillowJpeg: out.subarray(4, jpegEnd),
    pillowPixels: out.subarray(jpegEnd, jpegEnd + half),
    imgencPixels: out.subarray(jpegEnd + half),
  };
}

function describeDiff(a: Buffer, b: Buffer): string {
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return `${count} of ${a.length} samples differ, max difference ${max}`;
}

async function checkAgainstPillow(path: string, settings: JpegSettings): Promise<void> {
  const image = await decode(readFileSync(path));
  const payload = await pillowJpegPayload(image, settings);
  const result = await compareWithPillow(path, settings, payload.bytes);

  assert.equal(result.pillowPixels.length, image.width * image.height * 3);
  assert.equal(result.imgencPixels.length, result.pillowPixels.length);
  assert.ok(
    result.imgencPixels.equals(result.pillowPixels),
    `decoded pixels differ from Pillow's: ${describeDiff(result.imgencPixels, result.pillowPixels)}`,
  );
  // Byte identity held for every case here (Pillow 9.4 / libjpeg-turbo vs sharp 0.35 / mozjpeg
  // with its extensions off): same quant tables, standard Huffman tables, same JFIF APP0.
  assert.ok(
    payload.bytes.equals(result.pillowJpeg),
    `JPEG bytes differ from Pillow's (${payload.bytes.length} vs ${result.pillowJpeg.length} bytes)`,
  );
}

const label = (s: JpegSettings) => `q${s.quality} ${s.subsampling}`;
const skip = skipUnlessPython(["PIL"]);

describe("pillowJpegPayload matches Pillow's image.convert('RGB').save(buf, 'JPEG')", () => {
  for (const name of FIXTURE_NAMES) {
    for (const settings of SETTINGS) {
      test(`${name} ${label(settings)}: byte-identical`, { skip }, async () => {
        await checkAgainstPillow(join(FIXTURES, name), settings);
      });
    }
  }
});

/** Other inputs whose decoding could diverge from Pillow's: each is written to a temp file. */
const EXTRA_CASES: { name: string; make: () => Promise<Buffer> }[] = [
  {
    // Odd size: partial 16x16 MCUs at the right and bottom edges; alpha 0 over stored colours.
    name: "odd-size-rgba.png",
    make: () =>
      sharp(join(FIXTURES, "logo-alpha.png"))
        .extract({ left: 3, top: 85, width: 33, height: 17 })
        .png()
        .toBuffer(),
  },
  {
    name: "grey-alpha.png",
    make: () => sharp(join(FIXTURES, "logo-alpha.png")).toColourspace("b-w").png().toBuffer(),
  },
  {
    // Pillow opens this as mode P with a tRNS chunk.
    name: "palette-trns.png",
    make: () => sharp(join(FIXTURES, "logo-alpha.png")).png({ palette: true }).toBuffer(),
  },
  {
    // Pillow keeps the high byte of 16-bit RGB samples; so does decode().
    name: "rgb16.png",
    make: () => {
      const samples = Uint16Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 2654435761) % 65536);
      return sharp(samples, { raw: { width: 37, height: 23, channels: 3 } })
        .toColourspace("rgb16")
        .png()
        .toBuffer();
    },
  },
  {
    // A 4:2:0 progressive source: chroma upsampling in the decoder must match libjpeg-turbo's.
    name: "photo-420-progressive.jpg",
    make: () =>
      sharp(join(FIXTURES, "photo.png"))
        .jpeg({ quality: 80, chromaSubsampling: "4:2:0", progressive: true })
        .toBuffer(),
  },
  {
    // Pillow does not apply EXIF orientation; neither does decode().
    name: "photo-exif-rotated.jpg",
    make: () => readFile(join(FIXTURES, "rotated-exif6.jpg")),
  },
  {
    name: "photo.webp",
    make: () => sharp(join(FIXTURES, "photo.png")).webp({ quality: 80 }).toBuffer(),
  },
  {
    name: "1x1.png",
    make: () =>
      sharp(join(FIXTURES, "photo.png"))
        .extract({ left: 7, top: 9, width: 1, height: 1 })
        .png()
        .toBuffer(),
  },
];

/**
 * Sources where Pillow's convert("RGB") reads other colours than a correct decoder; the lossy
 * payload must follow Pillow (decode().pillowRgba) while the lossless one stays faithful.
 */
const PILLOW_SPECIFIC: { name: string; why: string; make: () => Promise<Buffer> }[] = [
  {
    name: "grey16.png",
    why: "Pillow opens 16-bit grey as mode I and convert('RGB') clips to 255; decode() keeps v >> 8",
    make: () => {
      const samples = Uint16Array.from({ length: 37 * 23 }, (_, i) => (i * 40503) % 65536);
      return sharp(samples, { raw: { width: 37, height: 23, channels: 1 } })
        .toColourspace("grey16")
        .png()
        .toBuffer();
    },
  },
  {
    name: "logo-transparent.gif",
    why: "Pillow gives transparent GIF pixels their palette colour; libvips decodes them as 0,0,0,0",
    make: () => sharp(join(FIXTURES, "logo-alpha.png")).gif().toBuffer(),
  },
  {
    name: "photo-cmyk.jpg",
    why: "Pillow converts CMYK naively (255 - c ...); libvips uses a CMYK profile even with ignoreIcc",
    make: () => sharp(join(FIXTURES, "photo.png")).toColourspace("cmyk").jpeg().toBuffer(),
  },
];

describe("pillowJpegPayload matches Pillow on other inputs", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "imgenc-lossy-"));
  });
  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  const write = async (name: string, make: () => Promise<Buffer>) => {
    const path = join(dir, name);
    writeFileSync(path, await make());
    return path;
  };

  for (const { name, make } of EXTRA_CASES) {
    for (const settings of [PILLOW_DEFAULT_JPEG, { quality: 90, subsampling: "4:4:4" } as const]) {
      test(`${name} ${label(settings)}: byte-identical`, { skip }, async () => {
        await checkAgainstPillow(await write(name, make), settings);
      });
    }
  }

  for (const { name, why, make } of PILLOW_SPECIFIC) {
    test(`${name} ${label(PILLOW_DEFAULT_JPEG)}: ${why}`, { skip }, async () => {
      await checkAgainstPillow(await write(name, make), PILLOW_DEFAULT_JPEG);
    });
  }
});
