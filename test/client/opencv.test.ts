import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp, { type Sharp } from "sharp";
import { opencv } from "../../src/client/opencv.js";
import type { ClientPayload, ClientSteps } from "../../src/client/types.js";
import { ImgencError } from "../../src/errors.js";
import { decode } from "../../src/image/decode.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

// dist/test/client/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));
const FIXTURE_NAMES = readdirSync(FIXTURES).filter((n) => !n.endsWith(".md"));

/**
 * The user's program, run by Debian's python3-opencv on the same bytes, saved under the same
 * name: `img = cv2.imread(path); ok, buf = cv2.imencode(".jpg", img)`. Replies "NONE" when
 * imread returns None, else u32 BE width, height, JPEG length, the JPEG, and imread's pixels
 * as RGB (to tell a decode difference from an encode one). `make_*` build inputs that only
 * OpenCV or Pillow write (16-bit TIFF, TIFF with unassociated alpha).
 */
const cv = new PythonSession(`
import os, struct, tempfile
import cv2, numpy as np
from PIL import Image

folder = tempfile.mkdtemp(prefix="imgenc-opencv-")

def save(data, name):
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(data)
    return path

def imread_imencode(data, name):
    img = cv2.imread(save(data, name))
    if img is None:
        return b"NONE"
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    jpeg = buf.tobytes()
    h, w = img.shape[:2]
    return struct.pack(">III", w, h, len(jpeg)) + jpeg + img[:, :, ::-1].tobytes()

def make_tiff16(data, grey):
    # Every 16-bit value once per channel, in three different orders.
    v = np.arange(65536, dtype=np.uint32)
    rgb = np.stack([v, (v * 40503) % 65536, 65535 - v], axis=-1).astype(np.uint16)
    img = rgb[:, 0].reshape(256, 256) if grey else rgb.reshape(256, 256, 3)
    ok, buf = cv2.imencode(".tiff", img)
    return buf.tobytes()

def make_pillow_tiff(data, mode):
    buf = __import__("io").BytesIO()
    Image.open(__import__("io").BytesIO(data)).convert(mode).save(buf, "TIFF")
    return buf.getvalue()
`);
after(() => cv.close());

interface Reference {
  jpeg: Buffer;
  width: number;
  height: number;
  rgb: Buffer;
}

async function reference(bytes: Buffer, name: string): Promise<Reference | undefined> {
  const out = await cv.call("imread_imencode", [name], bytes);
  if (out.toString() === "NONE") return undefined;
  const width = out.readUInt32BE(0);
  const height = out.readUInt32BE(4);
  const end = 12 + out.readUInt32BE(8);
  return { width, height, jpeg: out.subarray(12, end), rgb: out.subarray(end) };
}

async function ours(bytes: Buffer, name: string): Promise<ClientPayload> {
  return opencv.encode({ image: await decode(bytes), bytes, name });
}

/** Decoded pixels of a JPEG, to say how far apart two files are when their bytes differ. */
async function pixelsOf(jpeg: Buffer): Promise<Buffer> {
  return sharp(jpeg).raw().toBuffer();
}

function describeDiff(a: Buffer, b: Buffer): string {
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return `${count} of ${a.length} samples differ, max ${max}`;
}

/**
 * Byte identity with cv2.imencode held on every input here: imread's pixels are reproduced
 * exactly, and sharp's mozjpeg with its extensions off encodes them as libjpeg-turbo 2.1.5 does.
 */
async function assertSameAsOpenCv(
  bytes: Buffer,
  name: string,
  expected?: Partial<ClientSteps>,
): Promise<ClientPayload> {
  const [theirs, payload] = await Promise.all([reference(bytes, name), ours(bytes, name)]);
  assert.ok(theirs !== undefined, `cv2.imread returned None for ${name}`);
  assert.deepEqual([payload.width, payload.height], [theirs.width, theirs.height], "size");
  if (!payload.bytes.equals(theirs.jpeg)) {
    const decoded = await pixelsOf(payload.bytes);
    assert.fail(
      `${name}: JPEG differs from cv2.imencode's (${payload.bytes.length} vs ${theirs.jpeg.length} bytes); ` +
        `decoded: ${describeDiff(decoded, await pixelsOf(theirs.jpeg))}`,
    );
  }
  for (const [key, value] of Object.entries(expected ?? {})) {
    assert.deepEqual(payload.steps[key as keyof ClientSteps], value, `steps.${key} for ${name}`);
  }
  return payload;
}

const skip = skipUnlessPython(["cv2", "numpy", "PIL"]);

describe("opencv: cv2.imencode('.jpg', cv2.imread(path)) as Debian's python3-opencv 4.6", () => {
  test("what the path says it does", { skip }, async () => {
    const payload = await assertSameAsOpenCv(
      readFileSync(join(FIXTURES, "photo.png")),
      "photo.png",
    );
    assert.equal(payload.client, "opencv");
    assert.equal(payload.mime, "image/jpeg");
    assert.equal(payload.sentPrefix, "data:image/jpeg;base64,");
    assert.deepEqual(payload.steps, {
      format: "jpeg",
      quality: 95,
      subsampling: "4:2:0",
      huffman: "standard",
      alpha: "none",
      orientation: "none",
      icc: "none",
      notes: [],
    });
    // libjpeg's default JFIF APP0 right after SOI, as OpenCV's libjpeg writes it.
    assert.equal(payload.bytes.toString("latin1", 6, 11), "JFIF\0");
  });

  const FIXTURE_STEPS: Record<string, Partial<ClientSteps>> = {
    "logo-alpha.png": { alpha: "stored-colour" },
    "rotated-exif6.jpg": { orientation: "applied" },
    "adobe-rgb.jpg": { icc: "dropped" },
    "photo-p3.png": { icc: "dropped" },
    "deep16.png": { notes: ["16-bit samples cut to their high byte (libpng's png_set_strip_16)"] },
    "grey16.png": { notes: ["16-bit samples cut to their high byte (libpng's png_set_strip_16)"] },
    "cmyk.jpg": { notes: ["CMYK converted by OpenCV's own formula, without a profile"] },
  };

  for (const name of FIXTURE_NAMES) {
    if (name.endsWith(".gif")) continue;
    test(`${name}: byte-identical`, { skip }, async () => {
      await assertSameAsOpenCv(readFileSync(join(FIXTURES, name)), name, FIXTURE_STEPS[name]);
    });
  }

  test("animated.gif: imread returns None, and the path says why", { skip }, async () => {
    const bytes = readFileSync(join(FIXTURES, "animated.gif"));
    assert.equal(await reference(bytes, "animated.gif"), undefined);
    await assert.rejects(ours(bytes, "animated.gif"), (error: unknown) => {
      assert.ok(error instanceof ImgencError);
      assert.equal(error.code, "client-unsupported");
      assert.equal(error.input, "animated.gif");
      assert.match(error.message, /cv2\.imread returns None for this GIF file/);
      assert.match(error.message, /no GIF reader/);
      assert.match(String(error), /^animated\.gif: /);
      return true;
    });
  });
});

/** A small image whose every pixel differs, so any misplaced pixel shows. */
function asymmetric(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 7) % 256;
      raw[i + 1] = (y * 11) % 256;
      raw[i + 2] = (x * y + 40) % 256;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

const logo = () => sharp(join(FIXTURES, "logo-alpha.png"));

describe("opencv: imread's reading rules, on images made to stress them", () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    test(`JPEG with EXIF orientation ${orientation}: imread turns it upright`, {
      skip,
    }, async () => {
      const bytes = await asymmetric(37, 23)
        .withMetadata({ orientation })
        .jpeg({ quality: 90 })
        .toBuffer();
      const payload = await assertSameAsOpenCv(bytes, `o${orientation}.jpg`, {
        orientation: orientation === 1 ? "none" : "applied",
      });
      const sides = orientation >= 5 ? [23, 37] : [37, 23];
      assert.deepEqual([payload.width, payload.height], sides);
    });
  }

  test("PNG with eXIf orientation 6: applied", { skip }, async () => {
    const bytes = await asymmetric(37, 23).withMetadata({ orientation: 6 }).png().toBuffer();
    await assertSameAsOpenCv(bytes, "o6.png", { orientation: "applied" });
  });

  test("TIFF with orientation 7: applied", { skip }, async () => {
    const bytes = await asymmetric(37, 23)
      .withMetadata({ orientation: 7 })
      .tiff({ compression: "none" })
      .toBuffer();
    await assertSameAsOpenCv(bytes, "o7.tif", { orientation: "applied" });
  });

  test("WebP with EXIF orientation 6: OpenCV 4.6 ignores it (lost)", { skip }, async () => {
    const bytes = await asymmetric(37, 23)
      .withMetadata({ orientation: 6 })
      .webp({ lossless: true })
      .toBuffer();
    const payload = await assertSameAsOpenCv(bytes, "o6.webp", { orientation: "lost" });
    assert.deepEqual([payload.width, payload.height], [37, 23]);
  });

  test("odd-size RGBA with colour under alpha 0: alpha dropped, stored colour", {
    skip,
  }, async () => {
    const bytes = await logo()
      .extract({ left: 1, top: 85, width: 33, height: 17 })
      .png()
      .toBuffer();
    await assertSameAsOpenCv(bytes, "odd-rgba.png", { alpha: "stored-colour" });
  });

  test("palette PNG with tRNS: expanded, alpha dropped", { skip }, async () => {
    const bytes = await logo().png({ palette: true }).toBuffer();
    await assertSameAsOpenCv(bytes, "palette-trns.png", { alpha: "stored-colour" });
  });

  test("grey+alpha PNG: grey spread to three channels, alpha dropped", { skip }, async () => {
    const bytes = await logo().toColourspace("b-w").png().toBuffer();
    await assertSameAsOpenCv(bytes, "grey-alpha.png", { alpha: "stored-colour" });
  });

  test("4-colour palette PNG (2-bit indices), odd size", { skip }, async () => {
    const bytes = await sharp(join(FIXTURES, "grey.png"))
      .extract({ left: 0, top: 0, width: 61, height: 45 })
      .png({ palette: true, colours: 4 })
      .toBuffer();
    await assertSameAsOpenCv(bytes, "grey-2bit.png");
  });

  test("16-bit RGB and RGBA PNG, odd sizes: high byte, alpha dropped", { skip }, async () => {
    const samples = Uint16Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 2654435761) % 65536);
    const bytes = await sharp(samples, { raw: { width: 37, height: 23, channels: 3 } })
      .toColourspace("rgb16")
      .png()
      .toBuffer();
    await assertSameAsOpenCv(bytes, "rgb16.png");
    const rgba = Uint16Array.from({ length: 29 * 17 * 4 }, (_, i) => (i * 40503 + 7) % 65536);
    const withAlpha = await sharp(rgba, { raw: { width: 29, height: 17, channels: 4 } })
      .toColourspace("rgb16")
      .png()
      .toBuffer();
    await assertSameAsOpenCv(withAlpha, "rgba16.png", { alpha: "stored-colour" });
  });

  test("16-bit grey PNG: high byte, not clipped as Pillow does", { skip }, async () => {
    const samples = Uint16Array.from({ length: 41 * 19 }, (_, i) => (i * 2654435761) % 65536);
    const bytes = await sharp(samples, { raw: { width: 41, height: 19, channels: 1 } })
      .toColourspace("grey16")
      .png()
      .toBuffer();
    await assertSameAsOpenCv(bytes, "grey16.png");
  });

  test("16-bit RGB TIFF: every value scaled by libtiff's (v + 128) / 257", { skip }, async () => {
    const bytes = await cv.call("make_tiff16", [false]);
    await assertSameAsOpenCv(bytes, "rgb16.tif", {
      notes: ["16-bit samples scaled to 8 bits by libtiff ((v + 128) / 257)"],
    });
  });

  test("16-bit grey TIFF: every value cut to its high byte", { skip }, async () => {
    const bytes = await cv.call("make_tiff16", [true]);
    await assertSameAsOpenCv(bytes, "grey16.tif");
  });

  test("RGBA TIFF (unassociated alpha): libtiff premultiplies, transparent turns black", {
    skip,
  }, async () => {
    const png = readFileSync(join(FIXTURES, "logo-alpha.png"));
    const bytes = await cv.call("make_pillow_tiff", ["RGBA"], png);
    const payload = await assertSameAsOpenCv(bytes, "rgba.tif", { alpha: "black" });
    assert.ok(payload.steps.notes.some((n) => n.includes("premultiplies")));
  });

  test("grey+alpha and palette TIFFs: stored values, no premultiplication", { skip }, async () => {
    const png = readFileSync(join(FIXTURES, "logo-alpha.png"));
    await assertSameAsOpenCv(await cv.call("make_pillow_tiff", ["LA"], png), "la.tif", {
      alpha: "stored-colour",
      notes: [],
    });
    await assertSameAsOpenCv(await cv.call("make_pillow_tiff", ["P"], png), "p.tif", {
      notes: [],
    });
  });

  test("CMYK TIFF: libtiff's formula", { skip }, async () => {
    const bytes = await sharp(join(FIXTURES, "photo.png"))
      .toColourspace("cmyk")
      .tiff({ compression: "lzw" })
      .toBuffer();
    await assertSameAsOpenCv(bytes, "cmyk.tif");
  });

  test("CMYK JPEG without the Adobe marker: same formula", { skip }, async () => {
    const source = readFileSync(join(FIXTURES, "cmyk.jpg"));
    const bytes = withoutSegment(source, 0xee);
    assert.ok(bytes.length < source.length);
    await assertSameAsOpenCv(bytes, "cmyk-no-adobe.jpg");
  });

  test("greyscale and 4:2:0 JPEG sources", { skip }, async () => {
    const grey = await sharp(join(FIXTURES, "grey.png")).jpeg({ quality: 80 }).toBuffer();
    await assertSameAsOpenCv(grey, "grey.jpg");
    const odd = await sharp(join(FIXTURES, "photo.png"))
      .extract({ left: 5, top: 3, width: 101, height: 67 })
      .jpeg({ quality: 80 })
      .toBuffer();
    await assertSameAsOpenCv(odd, "odd-420.jpg");
  });

  test("WebP sources: lossy, lossy with alpha, lossless with alpha", { skip }, async () => {
    const photo = await sharp(join(FIXTURES, "photo.png")).webp().toBuffer();
    await assertSameAsOpenCv(photo, "photo.webp");
    await assertSameAsOpenCv(await logo().webp().toBuffer(), "logo.webp", {
      alpha: "stored-colour",
    });
    await assertSameAsOpenCv(await logo().webp({ lossless: true }).toBuffer(), "logo-ll.webp", {
      alpha: "stored-colour",
    });
  });

  test("animated WebP and AVIF: imread returns None; the path refuses", { skip }, async () => {
    const frames = await asymmetric(20, 60).raw().toBuffer();
    const animated = await sharp(frames, {
      raw: { width: 20, height: 60, channels: 3, pageHeight: 20 },
    })
      .webp({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    const avif = await asymmetric(20, 20).avif().toBuffer();
    for (const [bytes, name, why] of [
      [animated, "anim.webp", /animated WebP \(OpenCV 4\.6 reads still WebP only\)/],
      [avif, "image.avif", /this AVIF file \(OpenCV 4\.6 has no AVIF reader\)/],
    ] as const) {
      assert.equal(await reference(bytes, name), undefined, name);
      await assert.rejects(ours(bytes, name), (error: unknown) => {
        assert.ok(error instanceof ImgencError);
        assert.equal(error.code, "client-unsupported");
        assert.match(error.message, why);
        return true;
      });
    }
  });
});

/** The JPEG without its first segment of one marker type (e.g. APP14 "Adobe"). */
function withoutSegment(jpeg: Buffer, marker: number): Buffer {
  let pos = 2;
  while (pos + 4 <= jpeg.length && jpeg[pos] === 0xff && jpeg[pos + 1] !== 0xda) {
    const end = pos + 2 + jpeg.readUInt16BE(pos + 2);
    if (jpeg[pos + 1] === marker) return Buffer.concat([jpeg.subarray(0, pos), jpeg.subarray(end)]);
    pos = end;
  }
  return jpeg;
}
