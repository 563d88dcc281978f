import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { canvasJpeg, canvasPng } from "../../src/client/canvas.js";
import type { ClientInput } from "../../src/client/types.js";
import { isImgencError } from "../../src/errors.js";
import { decode } from "../../src/image/decode.js";
import { estimateQuality, readJpegHeader } from "../../src/image/jpeg.js";
import { launchChromium, skipUnlessChromium } from "../helpers/browser.js";
import { fixture } from "../helpers/cli.js";
import { rng } from "../helpers/random.js";

/**
 * The page a web app would be: an <img> from a URL of this server (or an object URL made from
 * its bytes), drawn at natural size on a 2D canvas, then both toDataURL calls.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>canvas</title><script>
async function drawAndExport(path, viaObjectUrl) {
  const img = new Image();
  img.src = viaObjectUrl ? URL.createObjectURL(await (await fetch(path)).blob()) : path;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  canvas.getContext("2d").drawImage(img, 0, 0);
  return { jpeg: canvas.toDataURL("image/jpeg"), png: canvas.toDataURL() };
}
</script>`;

const MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  tif: "image/tiff",
};

/** Every fixture, then small images made to stress one step each. */
const images = new Map<string, Buffer>();

function fixtures(): void {
  const dir = fixture("");
  for (const name of readdirSync(dir)
    .filter((n) => n !== "README.md")
    .sort()) {
    images.set(name, readFileSync(fixture(name)));
  }
}

function noise(width: number, height: number, channels: number, seed: number): Buffer {
  const next = rng(seed);
  const out = Buffer.alloc(width * height * channels);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

async function stressImages(): Promise<void> {
  const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4) => ({
    raw: { width, height, channels },
  });
  // Every alpha 0-255 (rows) under every colour 0-255 (columns): premultiplication's rounding,
  // and the colour hidden under alpha 0.
  const every = Buffer.alloc(256 * 256 * 4);
  for (let a = 0; a < 256; a++) {
    for (let c = 0; c < 256; c++) {
      every.set([c, 255 - c, (c * 7) & 255, a], (a * 256 + c) * 4);
    }
  }
  images.set(
    "alpha-every.png",
    await sharp(every, raw(256, 256, 4))
      .png()
      .toBuffer(),
  );
  const photo = await sharp(fixture("photo.png")).resize(41, 23).removeAlpha().raw().toBuffer();
  for (const orientation of [2, 3, 5, 6, 7, 8]) {
    const oriented = sharp(photo, raw(41, 23, 3))
      .withMetadata({ orientation })
      .withIccProfile("srgb", { attach: false });
    images.set(
      `orientation${orientation}-41x23.jpg`,
      await oriented.jpeg({ quality: 90, chromaSubsampling: "4:4:4" }).toBuffer(),
    );
  }
  images.set(
    "orientation6-41x23.png",
    await sharp(photo, raw(41, 23, 3))
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer(),
  );
  // Most cameras tag sRGB: Chromium sees sRGB and leaves the values; lcms' round trip must too.
  images.set(
    "srgb-icc-41x23.jpg",
    await sharp(photo, raw(41, 23, 3))
      .withIccProfile("srgb")
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  images.set(
    "jpeg420-33x17.jpg",
    await sharp(photo, raw(41, 23, 3))
      .resize(33, 17)
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
  const samples16 = new Uint16Array(37 * 29 * 4);
  const next = rng(16);
  for (let i = 0; i < samples16.length; i++) samples16[i] = Math.floor(next() * 65_536);
  images.set(
    "rgba16-37x29.png",
    await sharp(Buffer.from(samples16.buffer), raw(37, 29, 4))
      .toColourspace("rgb16")
      .png()
      .toBuffer(),
  );
  const palette = noise(40, 24, 4, 3);
  for (let i = 3; i < palette.length; i += 16) palette[i] = 0;
  images.set(
    "palette-trns-40x24.png",
    await sharp(palette, raw(40, 24, 4))
      .png({ palette: true, colours: 16, dither: 0 })
      .toBuffer(),
  );
  images.set(
    "grey-alpha-31x19.png",
    await sharp(noise(31, 19, 2, 4), raw(31, 19, 2))
      .toColourspace("b-w")
      .png()
      .toBuffer(),
  );
  images.set(
    "grey-31x19.jpg",
    await sharp(noise(31, 19, 1, 5), raw(31, 19, 1))
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  images.set(
    "odd-33x17.png",
    await sharp(noise(33, 17, 3, 6), raw(33, 17, 3))
      .png()
      .toBuffer(),
  );
  images.set(
    "odd-1x1.png",
    await sharp(Buffer.from([200, 30, 90, 128]), raw(1, 1, 4))
      .png()
      .toBuffer(),
  );
  const binaryAlpha = noise(24, 16, 4, 7);
  for (let i = 3; i < binaryAlpha.length; i += 4) {
    binaryAlpha[i] = (binaryAlpha[i] as number) < 128 ? 0 : 255;
  }
  images.set(
    "transparent-24x16.gif",
    await sharp(binaryAlpha, raw(24, 16, 4))
      .gif()
      .toBuffer(),
  );
  images.set(
    "alpha-lossless-24x16.webp",
    await sharp(noise(24, 16, 4, 8), raw(24, 16, 4))
      .webp({ lossless: true })
      .toBuffer(),
  );
  images.set("logo-alpha.webp", await sharp(fixture("logo-alpha.png")).webp().toBuffer());
  images.set(
    "photo-41x23.avif",
    await sharp(photo, raw(41, 23, 3))
      .avif()
      .toBuffer(),
  );
  images.set(
    "photo.tif",
    await sharp(photo, raw(41, 23, 3))
      .tiff()
      .toBuffer(),
  );
}

/** Where imgenc is not exact; everything else must match Chromium's pixels exactly. */
interface Bound {
  /** Largest per-sample difference of the decoded PNGs, and how many samples differ. */
  png: { max: number; count: number };
  /** The same for the decoded JPEGs (their bytes differ). */
  jpeg: { max: number; count: number };
  why: string;
}

const LCMS_NOT_SKCMS = "ICC conversion: libvips (lcms) where Chromium uses skcms";
const BOUNDS: Record<string, Bound> = {
  "adobe-rgb.jpg": {
    png: { max: 1, count: 14_073 },
    jpeg: { max: 9, count: 71_288 },
    why: LCMS_NOT_SKCMS,
  },
  "photo-p3.png": {
    png: { max: 1, count: 6_767 },
    jpeg: { max: 7, count: 50_816 },
    why: LCMS_NOT_SKCMS,
  },
  "photo-41x23.avif": {
    png: { max: 1, count: 307 },
    jpeg: { max: 2, count: 70 },
    why: "AVIF decoding: libvips (libheif, aom) where Chromium uses dav1d",
  },
};

/** Formats Chromium cannot show in an <img>: no canvas ever holds them. */
const NOT_SHOWN = new Set(["photo.tif"]);

let server: Server;
let origin: string;
let browser: Browser | undefined;
let page: Page;

function serve(): Promise<void> {
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      return;
    }
    const name = path.slice(1);
    const bytes = images.get(name);
    if (bytes === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = MIME[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    response.writeHead(200, { "content-type": type }).end(bytes);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    });
  });
}

interface Exported {
  jpeg: string;
  png: string;
}

function drawInChromium(name: string, viaObjectUrl = false): Promise<Exported> {
  return page.evaluate(
    ([path, blob]) =>
      (
        globalThis as unknown as {
          drawAndExport(path: string, blob: boolean): Promise<Exported>;
        }
      ).drawAndExport(path, blob),
    [`/${encodeURIComponent(name)}`, viaObjectUrl] as const,
  );
}

function dataUriBytes(uri: string, prefix: string): Buffer {
  assert.ok(uri.startsWith(prefix), `${uri.slice(0, 40)} starts with ${prefix}`);
  return Buffer.from(uri.slice(prefix.length), "base64");
}

async function rgba(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes)
    .ensureAlpha(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface Difference {
  max: number;
  count: number;
}

async function pixelDifference(a: Buffer, b: Buffer): Promise<Difference> {
  const [x, y] = await Promise.all([rgba(a), rgba(b)]);
  assert.deepEqual([x.width, x.height], [y.width, y.height], "same size");
  let max = 0;
  let count = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = Math.abs((x.data[i] as number) - (y.data[i] as number));
    if (d > 0) {
      count++;
      max = Math.max(max, d);
    }
  }
  return { max, count };
}

interface Segment {
  marker: number;
  bytes: Buffer;
}

/** The segments from SOI up to and including SOS's header. */
function jpegSegments(jpeg: Buffer): Segment[] {
  const out: Segment[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1] as number;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    out.push({ marker, bytes: jpeg.subarray(at, end) });
    if (marker === 0xda) break;
    at = end;
  }
  return out;
}

const MARKER_NAMES: Record<number, string> = {
  224: "APP0",
  226: "APP2",
  219: "DQT",
  192: "SOF0",
  196: "DHT",
  218: "SOS",
};
const markerNames = (segments: Segment[]) =>
  segments.map((s) => MARKER_NAMES[s.marker] ?? s.marker.toString(16));

interface PngLayout {
  chunks: string[];
  ihdr: string;
  /** Every IDAT but the last two is 4 KiB; the last holds only the end of the zlib stream. */
  idatSizes: "4096s, rest, 6" | "other";
  lastIdat: string;
  filters: number[];
}

function pngLayout(png: Buffer): PngLayout {
  const chunks: string[] = [];
  const idats: Buffer[] = [];
  let ihdr = "";
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (chunks.at(-1) !== type) chunks.push(type);
    if (type === "IHDR") ihdr = data.toString("hex");
    if (type === "IDAT") idats.push(data);
    at += 12 + length;
  }
  const sizes = idats.map((d) => d.length);
  const regular =
    sizes.slice(0, -2).every((s) => s === 4096) &&
    (sizes.at(-2) as number) <= 4096 &&
    sizes.at(-1) === 6;
  const raw = inflateSync(Buffer.concat(idats));
  const width = png.readUInt32BE(16);
  const stride = width * 4 + 1;
  const filters = new Set<number>();
  for (let row = 0; row < raw.length; row += stride) filters.add(raw[row] as number);
  return {
    chunks,
    ihdr,
    idatSizes: regular ? "4096s, rest, 6" : "other",
    lastIdat: (idats.at(-1) as Buffer).subarray(0, 2).toString("hex"),
    filters: [...filters],
  };
}

describe("canvas-jpeg and canvas-png against Chromium", {
  skip: skipUnlessChromium(),
  timeout: 180_000,
}, () => {
  before(async () => {
    fixtures();
    await stressImages();
    await serve();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${origin}/`, { waitUntil: "load" });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  test("every fixture and stress image: the pixels Chromium's toDataURL writes", async (t) => {
    for (const [name, bytes] of images) {
      if (NOT_SHOWN.has(name)) continue;
      await t.test(name, async (st) => {
        const chromium = await drawInChromium(name);
        const image = await decode(bytes);
        const input: ClientInput = { image, bytes, name };
        const [jpeg, png] = [await canvasJpeg.encode(input), await canvasPng.encode(input)];
        const theirJpeg = dataUriBytes(chromium.jpeg, jpeg.sentPrefix);
        const theirPng = dataUriBytes(chromium.png, png.sentPrefix);
        const bound = BOUNDS[name];

        const pngDiff = await pixelDifference(theirPng, png.bytes);
        const jpegIdentical = theirJpeg.equals(jpeg.bytes);
        const jpegDiff = jpegIdentical
          ? { max: 0, count: 0 }
          : await pixelDifference(theirJpeg, jpeg.bytes);
        const pngIdentical = theirPng.equals(png.bytes);
        // How close each path came, for the log: pixels (and bytes) of the PNG, then the JPEG.
        st.diagnostic(
          `png: max ${pngDiff.max}, ${pngDiff.count} samples differ, ${pngIdentical ? "bytes identical" : `${theirPng.length} bytes in Chromium, ${png.bytes.length} here`}; ` +
            `jpeg: ${jpegIdentical ? "bytes identical" : `max ${jpegDiff.max}, ${jpegDiff.count} samples differ`}`,
        );
        if (bound === undefined) {
          assert.deepEqual(pngDiff, { max: 0, count: 0 }, "PNG pixels identical");
          assert.ok(jpegIdentical, "JPEG bytes identical");
        } else {
          assert.ok(pngDiff.max <= bound.png.max, `PNG max ${pngDiff.max} (${bound.why})`);
          assert.ok(pngDiff.count <= bound.png.count, `PNG count ${pngDiff.count} (${bound.why})`);
          assert.ok(jpegDiff.max <= bound.jpeg.max, `JPEG max ${jpegDiff.max} (${bound.why})`);
          assert.ok(jpegDiff.count <= bound.jpeg.count, `JPEG count ${jpegDiff.count}`);
        }

        // Same markers, JFIF, Skia's sRGB profile, quantisation tables and frame; the Huffman
        // tables are each image's own and match wherever the pixels do.
        const [ours, theirs] = [jpegSegments(jpeg.bytes), jpegSegments(theirJpeg)];
        assert.deepEqual(markerNames(ours), markerNames(theirs));
        assert.deepEqual(markerNames(theirs), [
          "APP0",
          "APP2",
          "DQT",
          "DQT",
          "SOF0",
          "DHT",
          "DHT",
          "DHT",
          "DHT",
          "SOS",
        ]);
        for (const [i, segment] of theirs.entries()) {
          if (segment.marker !== 0xc4) assert.deepEqual(ours[i]?.bytes, segment.bytes);
        }
        const header = readJpegHeader(theirJpeg);
        assert.equal(header?.subsampling, "4:2:0");
        assert.equal(estimateQuality(header?.quantTables ?? []).quality, 92);

        // PNG: the png crate's layout (no sBIT, sRGB or iCCP), Up filter on every row.
        assert.deepEqual(pngLayout(png.bytes), pngLayout(theirPng));
        assert.deepEqual(pngLayout(theirPng), {
          chunks: ["IHDR", "IDAT", "IEND"],
          ihdr: pngLayout(png.bytes).ihdr,
          idatSizes: "4096s, rest, 6",
          lastIdat: "0300",
          filters: [2],
        });
      });
    }
  });

  test("a canvas's readback and encoders are deterministic: no noise, same bytes each time", async () => {
    const first = await drawInChromium("logo-alpha.png");
    assert.deepEqual(await drawInChromium("logo-alpha.png"), first);
    assert.deepEqual(await drawInChromium("logo-alpha.png", true), first, "object URL");
    const rotated = await drawInChromium("rotated-exif6.jpg");
    assert.deepEqual(await drawInChromium("rotated-exif6.jpg", true), rotated, "object URL");
  });

  test("steps say what Chromium did: orientation applied, ICC converted, alpha on black", async () => {
    const input = async (name: string): Promise<ClientInput> => {
      const bytes = images.get(name) as Buffer;
      return { image: await decode(bytes), bytes, name };
    };
    // Orientation: the stored 256x384 becomes Chromium's 384x256 canvas.
    const rotated = await input("rotated-exif6.jpg");
    const rotatedCanvas = readJpegHeader(
      dataUriBytes((await drawInChromium("rotated-exif6.jpg")).jpeg, "data:image/jpeg;base64,"),
    );
    assert.deepEqual([rotated.image.width, rotated.image.height], [256, 384]);
    assert.deepEqual([rotatedCanvas?.width, rotatedCanvas?.height], [384, 256]);
    for (const path of [canvasJpeg, canvasPng]) {
      const payload = await path.encode(rotated);
      assert.equal(payload.steps.orientation, "applied");
      assert.deepEqual([payload.width, payload.height], [384, 256]);
    }

    // ICC: Chromium's pixels are far from the stored values, within 1 of the conversion.
    const adobe = await input("adobe-rgb.jpg");
    const adobePng = dataUriBytes(
      (await drawInChromium("adobe-rgb.jpg")).png,
      "data:image/png;base64,",
    );
    const stored = await sharp(adobe.image.rgba, {
      raw: { width: adobe.image.width, height: adobe.image.height, channels: 4 },
    })
      .png()
      .toBuffer();
    assert.ok((await pixelDifference(adobePng, stored)).max > 20, "Chromium converts the profile");
    for (const path of [canvasJpeg, canvasPng]) {
      assert.equal((await path.encode(adobe)).steps.icc, "converted");
    }

    // Alpha: the magenta stored under alpha 0 at (2,2) is black in both of Chromium's files.
    const logo = await input("logo-alpha.png");
    const logoChromium = await drawInChromium("logo-alpha.png");
    const at = (decoded: { data: Buffer; width: number }, x: number, y: number) => [
      ...decoded.data.subarray((y * decoded.width + x) * 4, (y * decoded.width + x) * 4 + 4),
    ];
    assert.deepEqual(at(await rgba(logo.bytes), 2, 2), [255, 0, 255, 0]);
    const pngPixel = at(await rgba(dataUriBytes(logoChromium.png, "data:image/png;base64,")), 2, 2);
    assert.deepEqual(pngPixel, [0, 0, 0, 0]);
    const jpegPixel = at(
      await rgba(dataUriBytes(logoChromium.jpeg, "data:image/jpeg;base64,")),
      2,
      2,
    );
    assert.ok(
      jpegPixel.slice(0, 3).every((v) => v <= 4),
      `black, not magenta: ${jpegPixel}`,
    );
    const [logoJpeg, logoPng] = [await canvasJpeg.encode(logo), await canvasPng.encode(logo)];
    assert.equal(logoJpeg.steps.alpha, "black");
    assert.equal(logoPng.steps.alpha, "kept");
    assert.equal(logoJpeg.steps.huffman, "optimized");
    assert.deepEqual([logoJpeg.steps.quality, logoJpeg.steps.subsampling], [92, "4:2:0"]);

    const opaque = await input("photo.png");
    const opaqueSteps = (await canvasJpeg.encode(opaque)).steps;
    assert.deepEqual(
      [opaqueSteps.alpha, opaqueSteps.orientation, opaqueSteps.icc],
      ["none", "none", "none"],
    );
  });

  test("a TIFF: Chromium cannot decode it, and neither path pretends to", async () => {
    await assert.rejects(drawInChromium("photo.tif"), /cannot be decoded/);
    const bytes = images.get("photo.tif") as Buffer;
    const input: ClientInput = { image: await decode(bytes), bytes, name: "photo.tif" };
    for (const path of [canvasJpeg, canvasPng]) {
      await assert.rejects(path.encode(input), (e) => isImgencError(e) && e.code === "decode");
    }
  });
});
