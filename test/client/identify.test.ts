import assert from "node:assert/strict";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import sharp from "sharp";
import { type ClientIdentification, identifyClient } from "../../src/client/identify.js";
import { CLIENT_PATHS } from "../../src/client/index.js";
import { SIGNATURES } from "../../src/client/signatures.js";
import { CLIENT_NAMES } from "../../src/client/types.js";
import { decode } from "../../src/image/decode.js";
import { estimateWebpQuality, readWebp } from "../../src/image/webp.js";
import { launchChromium, skipUnlessChromium } from "../helpers/browser.js";
import { fixture, ROOT } from "../helpers/cli.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

const FIXTURES = readdirSync(`${ROOT}/fixtures`)
  .filter((name) => /\.(png|jpe?g|gif)$/i.test(name))
  .sort();
/**
 * Inputs made to stress the encoders beside the fixtures: palette + tRNS, a GIF with a
 * transparent index (Pillow's convert("RGB") keeps it, and its PNG writes tRNS), odd sizes, 1x1.
 */
const STRESS: Record<string, Buffer> = {
  "transparent-index.gif": await sharp(fixture("logo-alpha.png")).resize(64, 40).gif().toBuffer(),
  "palette-trns.png": await sharp(fixture("logo-alpha.png"))
    .resize(61, 39)
    .png({ palette: true, colours: 32 })
    .toBuffer(),
  "odd-rgba.png": await sharp(fixture("logo-alpha.png")).resize(37, 23).png().toBuffer(),
  "one-pixel.png": await sharp(fixture("photo.png")).resize(1, 1).png().toBuffer(),
};
const INPUTS = [...FIXTURES, ...Object.keys(STRESS)];
const source = (name: string) => STRESS[name] ?? readFileSync(fixture(name));

/**
 * The calls each client makes, in Debian's Pillow 9.4 and OpenCV 4.6: the encoders whose
 * output identifyClient must recognise. Each function takes the source file's bytes.
 */
const python = new PythonSession(`
import io
import numpy as np
import cv2
from PIL import Image, ImageOps

def _open(data):
    return Image.open(io.BytesIO(bytes(data)))

def _save(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()

def pillow(data):
    return _save(_open(data).convert("RGB"), "JPEG")

def pillow_quality(data, quality):
    return _save(_open(data).convert("RGB"), "JPEG", quality=quality)

def pillow_png(data):
    return _save(_open(data).convert("RGB"), "PNG")

def pillow_native_png(data, mode):
    return _save(_open(data).convert(mode), "PNG")

def pillow_webp(data):
    return _save(_open(data).convert("RGB"), "WEBP")

def pillow_webp_quality(data, quality):
    return _save(_open(data).convert("RGB"), "WEBP", quality=quality)

def pillow_commented(data):
    commented = _save(_open(data).convert("RGB"), "JPEG", quality=90, comment=b"made by a camera")
    return _save(_open(commented).convert("RGB"), "JPEG")

# vllm/multimodal/image.py convert_image_mode: RGBA onto white, other modes convert.
def _vllm_rgb(im):
    if im.mode == "RGB":
        return im
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.split()[3])
        return background
    return im.convert("RGB")

def vllm_legacy(data):
    return _save(_vllm_rgb(_open(data)), "JPEG")

def vllm(data):
    return _save(_vllm_rgb(_open(data)), "PNG")

# gradio image_utils.preprocess_image + processing_utils.encode_pil_to_bytes(format="webp").
def gradio(data):
    im = _open(data)
    if im.getexif().get(274, 1) != 1:
        im = ImageOps.exif_transpose(im)
    out = Image.fromarray(np.array(im.convert("RGB")))
    exif = out.getexif().tobytes() if len(out.getexif()) else None
    return _save(out, "webp", **({"exif": exif} if exif else {}))

# cv2.imread's decode; OpenCV 4.6 reads no GIF (empty result: nothing to encode).
def _cv2_read(data):
    return cv2.imdecode(np.frombuffer(bytes(data), np.uint8), cv2.IMREAD_COLOR)

def opencv(data):
    image = _cv2_read(data)
    return b"" if image is None else cv2.imencode(".jpg", image)[1].tobytes()

def opencv_png(data):
    image = _cv2_read(data)
    return b"" if image is None else cv2.imencode(".png", image)[1].tobytes()
`);
after(() => python.close());

const SKIP_PYTHON = skipUnlessPython(["PIL", "numpy", "cv2"]);

function identify(bytes: Uint8Array): ClientIdentification {
  const result = identifyClient(bytes);
  assert.ok(result, "a JPEG, PNG or WebP is identified");
  return result;
}

/** The `--client` paths named, raw included. */
const paths = (id: ClientIdentification) =>
  id.candidates.filter((c) => c.path).map((c) => c.client);
const labels = (id: ClientIdentification) => id.candidates.map((c) => c.label);

function assertPaths(id: ClientIdentification, expected: string[], context: string): void {
  assert.deepEqual(paths(id), [...expected, "raw"], `${context}: ${JSON.stringify(id.evidence)}`);
}

describe("identifyClient on what the real clients write, for every fixture", () => {
  const cases: { fn: string; args?: (string | number)[]; expected: string[] }[] = [
    { fn: "pillow", expected: ["pillow", "vllm-legacy"] },
    { fn: "vllm_legacy", expected: ["pillow", "vllm-legacy"] },
    { fn: "opencv", expected: ["opencv"] },
    { fn: "pillow_png", expected: ["pillow-png", "vllm"] },
    { fn: "vllm", expected: ["pillow-png", "vllm"] },
    { fn: "pillow_webp", expected: ["pillow-webp", "gradio"] },
    { fn: "gradio", expected: ["pillow-webp", "gradio"] },
    { fn: "opencv_png", expected: [] },
  ];
  for (const { fn, args = [], expected } of cases) {
    test(`${fn}: ${expected.join(", ") || "no path"} (and raw)`, {
      skip: SKIP_PYTHON,
    }, async () => {
      for (const name of INPUTS) {
        const bytes = await python.call(fn, args, source(name));
        if (bytes.length === 0 && fn.startsWith("opencv") && name.endsWith(".gif")) continue;
        assertPaths(identify(bytes), expected, `${fn} ${name}`);
      }
    });
  }

  test("Pillow's JPEG: q75 4:2:0, standard tables, JFIF 1.01 1:1; also libjpeg at quality 75", {
    skip: SKIP_PYTHON,
  }, async () => {
    const id = identify(await python.call("pillow", [], source("photo.png")));
    assert.deepEqual(
      {
        ...id.evidence,
        markers: undefined,
      },
      {
        format: "jpeg",
        components: 3,
        subsampling: "4:2:0",
        tables: "libjpeg",
        quality: 75,
        huffman: "standard",
        progressive: false,
        arithmetic: false,
        restartInterval: 0,
        jfif: { version: "1.01", units: 0, xDensity: 1, yDensity: 1 },
        exif: false,
        icc: null,
        adobe: null,
        comments: 0,
        markers: undefined,
      },
    );
    assert.ok(
      labels(id).includes("libjpeg at quality 75 with its other defaults (cjpeg -quality 75)"),
    );
    assert.ok(!labels(id).some((label) => label.startsWith("sharp")));
  });

  test("OpenCV's PNG: every row Sub, zlib level 1, libpng's 8192-byte IDATs", {
    skip: SKIP_PYTHON,
  }, async () => {
    for (const name of FIXTURES.filter((n) => !n.endsWith(".gif"))) {
      const id = identify(await python.call("opencv_png", [], source(name)));
      assert.deepEqual(labels(id), ['OpenCV: cv2.imencode(".png", img)', labels(id).at(-1)], name);
      assert.equal(id.evidence.format, "png");
      if (id.evidence.format !== "png") continue;
      assert.equal(id.evidence.zlib?.level, 0, name);
      assert.equal(id.evidence.filters?.sub, id.evidence.rows.total, name);
      assert.equal(id.evidence.pillowFilters?.match, false, name);
    }
  });

  test("Pillow's PNG: its own filter choice on every row, FLEVEL 2, IDAT split at 65536", {
    skip: SKIP_PYTHON,
  }, async () => {
    const id = identify(await python.call("pillow_png", [], source("photo.png")));
    assert.equal(id.evidence.format, "png");
    if (id.evidence.format !== "png") return;
    assert.deepEqual(id.evidence.pillowFilters, { match: true, rowsChecked: 256 });
    assert.deepEqual(id.evidence.zlib, { windowBits: 15, level: 2 });
    assert.equal(id.evidence.idat.runs[0]?.length, 65536);
    assert.equal(id.evidence.filters?.average, 0, "Pillow tries Average only with optimize");
    // A profile the source carried comes along as iCCP "ICC Profile"; still Pillow's layout.
    const p3 = identify(await python.call("pillow_png", [], source("adobe-rgb.jpg")));
    assert.equal(p3.evidence.format === "png" && p3.evidence.iccProfile?.name, "ICC Profile");
    assertPaths(p3, ["pillow-png", "vllm"], "adobe-rgb");
    const keyed = identify(await python.call("pillow_png", [], source("transparent-index.gif")));
    assert.ok(keyed.evidence.format === "png" && keyed.evidence.chunks.includes("tRNS"));
    assertPaths(keyed, ["pillow-png", "vllm"], "transparent index");
  });

  test("Pillow's PNG in the image's own mode (grey, RGBA) is named, but not as a path", {
    skip: SKIP_PYTHON,
  }, async () => {
    for (const [name, mode] of [
      ["grey.png", "L"],
      ["logo-alpha.png", "RGBA"],
    ] as const) {
      const id = identify(await python.call("pillow_native_png", [mode], source(name)));
      assertPaths(id, [], name);
      assert.ok(labels(id).includes('Pillow: img.save(buf, "PNG") without convert("RGB")'), name);
    }
  });

  test("a JPEG re-saved by Pillow keeps the source's COM: still Pillow, not OpenCV", {
    skip: SKIP_PYTHON,
  }, async () => {
    const id = identify(await python.call("pillow_commented", [], source("photo.png")));
    assert.equal(id.evidence.format === "jpeg" && id.evidence.comments, 1);
    assertPaths(id, ["pillow", "vllm-legacy"], "commented");
  });

  test("Pillow at another quality: no path fits; the closest say what differs", {
    skip: SKIP_PYTHON,
  }, async () => {
    const id = identify(await python.call("pillow_quality", [90], source("photo.png")));
    assertPaths(id, [], "q90");
    assert.ok(
      labels(id).includes("libjpeg at quality 90 with its other defaults (cjpeg -quality 90)"),
    );
    const webp = identify(await python.call("pillow_webp_quality", [50], source("photo.png")));
    assertPaths(webp, [], "WebP q50");
    const quality = webp.evidence.format === "webp" ? webp.evidence.quality : null;
    assert.ok(quality && quality.min <= 50 && 50 <= quality.max, JSON.stringify(quality));
    assert.ok(labels(webp).some((label) => label.startsWith("libwebp at quality")));
    assert.deepEqual(
      webp.closest.map((miss) => [miss.client, miss.differs.map((d) => d.fact)]),
      [],
      "the libwebp row fits, so nothing is 'closest'",
    );
    // Only raw and nothing else: the closest paths are named with their differences.
    const bare = identify(
      await sharp(source("photo.png")).jpeg({ quality: 75, optimiseCoding: false }).toBuffer(),
    );
    assertPaths(bare, [], "sharp q75 with standard tables");
    assert.deepEqual(
      bare.closest.map((miss) => [miss.client, miss.differs.map((d) => d.fact)]),
      [
        ["pillow", ["jfif"]],
        ["vllm-legacy", ["jfif"]],
        ["libjpeg defaults at quality 75", ["jfif"]],
      ],
    );
  });
});

describe("identifyClient on imgenc's own client paths", () => {
  test("each path's payload names that path; the path names are CLIENT_NAMES", async () => {
    const named = new Set(SIGNATURES.filter((s) => s.path).map((s) => s.client));
    assert.deepEqual(
      [...named].filter((n) => !(CLIENT_NAMES as readonly string[]).includes(n)),
      [],
    );
    // A few inputs: each path is checked against its library on every input in its own test.
    for (const name of ["logo-alpha.png", "adobe-rgb.jpg", "deep16.png", "palette-trns.png"]) {
      const bytes = source(name);
      const image = await decode(bytes);
      for (const client of CLIENT_NAMES) {
        const payload = await CLIENT_PATHS[client].encode({ image, bytes, name });
        const id = identifyClient(payload.bytes);
        assert.ok(id && paths(id).includes(client), `${client} ${name}: ${id && paths(id)}`);
      }
    }
  });
});

describe("identifyClient on sharp's defaults", () => {
  test("jpeg(), png(), webp(): sharp's rows; an opaque WebP fits Pillow's too", async () => {
    for (const name of FIXTURES) {
      const input = sharp(source(name));
      const jpeg = identify(await input.clone().jpeg().toBuffer());
      assertPaths(jpeg, [], `jpeg ${name}`);
      assert.deepEqual(labels(jpeg).slice(0, -1), ["sharp(input).jpeg() with its defaults"], name);
      const png = identify(await input.clone().png().toBuffer());
      assertPaths(png, [], `png ${name}`);
      assert.deepEqual(labels(png).slice(0, -1), ["sharp(input).png() with its defaults"], name);
      const webpBytes = await input.clone().webp().toBuffer();
      const webp = identify(webpBytes);
      const alpha = readWebp(webpBytes)?.alph !== null;
      // libvips' webpsave equals Pillow's config at q80; only an alpha channel tells them apart.
      assertPaths(webp, alpha ? [] : ["pillow-webp", "gradio"], `webp ${name}`);
      assert.ok(labels(webp).includes("sharp(input).webp() with its defaults"), name);
    }
  });
});

describe("the WebP quality estimate, against libwebp's own output", () => {
  test("sharp (libwebp 1.6) at every quality 1-100: the range holds it, at most 2 wide", async () => {
    const inputs = [
      await sharp(source("photo.png")).resize(96, 64).toBuffer(),
      await sharp(source("text-and-lines.png")).resize(128, 96).toBuffer(),
      await sharp(source("gradient.png")).resize(37, 23).toBuffer(),
    ];
    const widths = [0, 0, 0];
    for (const input of inputs) {
      for (let quality = 1; quality <= 100; quality++) {
        const bytes = await sharp(input).webp({ quality }).toBuffer();
        const header = readWebp(bytes)?.vp8;
        assert.ok(header);
        const estimate = estimateWebpQuality(header);
        assert.ok(estimate, `quality ${quality}`);
        assert.ok(
          estimate.min <= quality && quality <= estimate.max,
          `${quality}: ${JSON.stringify(estimate)}`,
        );
        const width = estimate.max - estimate.min;
        assert.ok(width <= 2, `quality ${quality}: ${estimate.min}-${estimate.max}`);
        widths[width] = (widths[width] as number) + 1;
      }
    }
    // Most qualities are read exactly; the rest share their quantisers with a neighbour.
    assert.ok((widths[0] as number) >= 150, JSON.stringify(widths));
  });

  test("Pillow (libwebp 1.2.4) at a range of qualities", { skip: SKIP_PYTHON }, async () => {
    const input = await sharp(source("photo.png")).resize(160, 120).png().toBuffer();
    for (const quality of [1, 10, 25, 50, 74, 75, 79, 80, 81, 90, 95, 100]) {
      const bytes = await python.call("pillow_webp_quality", [quality], input);
      const header = readWebp(bytes)?.vp8;
      assert.ok(header);
      const estimate = estimateWebpQuality(header);
      assert.ok(
        estimate &&
          estimate.min <= quality &&
          quality <= estimate.max &&
          estimate.max - estimate.min <= 2,
        `${quality}: ${JSON.stringify(estimate)}`,
      );
    }
  });
});

describe("identifyClient on a Chromium canvas's toDataURL", { skip: skipUnlessChromium() }, () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  const urls = new Map<string, string[]>();

  before(async () => {
    server = createServer((request, response) => {
      const name = decodeURIComponent((request.url ?? "/").slice(1));
      if (name === "") {
        response.setHeader("content-type", "text/html");
        response.end("<!doctype html><title>canvas</title>");
      } else if (FIXTURES.includes(name)) {
        response.end(source(name));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    for (const name of FIXTURES) {
      // The page's own DOM; tsconfig leaves DOM types out, so the function is written as text.
      const draw = `async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        canvas.getContext("2d").drawImage(img, 0, 0);
        return [canvas.toDataURL("image/jpeg"), canvas.toDataURL(), canvas.toDataURL("image/webp")];
      }`;
      urls.set(name, await page.evaluate(`(${draw})(${JSON.stringify(`/${name}`)})`));
    }
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  const bytesOf = (uri: string) => Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64");

  test("toDataURL('image/jpeg'): canvas-jpeg only: q92, optimised tables, Skia's sRGB ICC", () => {
    for (const name of FIXTURES) {
      const uri = urls.get(name)?.[0] ?? "";
      assert.ok(uri.startsWith("data:image/jpeg;base64,"), name);
      const id = identify(bytesOf(uri));
      assertPaths(id, ["canvas-jpeg"], name);
      assert.deepEqual(labels(id).length, 2, name);
      assert.equal(id.evidence.format === "jpeg" && id.evidence.icc?.skia, true);
    }
  });

  test("toDataURL(): canvas-png only: RGBA, every row Up, FLEVEL 0", () => {
    for (const name of FIXTURES) {
      const id = identify(bytesOf(urls.get(name)?.[1] ?? ""));
      assertPaths(id, ["canvas-png"], name);
      assert.equal(labels(id).length, 2, name);
    }
  });

  test("toDataURL('image/webp'): the canvas's WebP row, not Pillow's or Gradio's", () => {
    for (const name of FIXTURES) {
      const id = identify(bytesOf(urls.get(name)?.[2] ?? ""));
      assertPaths(id, [], name);
      assert.ok(labels(id).includes('a browser canvas: canvas.toDataURL("image/webp")'), name);
      assert.ok(!labels(id).some((label) => label.startsWith("sharp")), name);
    }
  });
});

describe("identifyClient on other input", () => {
  test("GIF and garbage: undefined; broken headers never throw", async () => {
    assert.equal(identifyClient(source("animated.gif")), undefined);
    assert.equal(identifyClient(Buffer.from("not an image")), undefined);
    const png = await sharp(source("photo.png")).png().toBuffer();
    const jpeg = await sharp(source("photo.png")).jpeg().toBuffer();
    const webp = await sharp(source("photo.png")).webp().toBuffer();
    for (const bytes of [png, jpeg, webp]) {
      for (let cut = 0; cut < Math.min(bytes.length, 400); cut += 7) {
        identifyClient(bytes.subarray(0, cut));
      }
      const damaged = Buffer.from(bytes);
      for (let i = 40; i < damaged.length; i += 97) damaged[i] = (damaged[i] as number) ^ 0x5a;
      identifyClient(damaged);
    }
  });
});
