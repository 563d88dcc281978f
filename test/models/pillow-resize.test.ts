import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import {
  compositeOnWhite,
  modelView,
  opensAsRgba,
  pillowResize,
} from "../../src/models/pillow-resize.js";
import { modelPlan } from "../../src/models/registry.js";
import { fixture } from "../helpers/cli.js";
import { noise } from "../helpers/images.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

/**
 * Runs every job of a JSON list on its slice of stdin and writes the results back to back:
 * "resize" is Image.frombytes + resize(BICUBIC); "to_rgb" is qwen-vl-utils' RGBA -> RGB on an
 * encoded file; "fetch" is qwen-vl-utils' fetch_image on an encoded file: to_rgb, then
 * resize() with Pillow's default filter.
 */
const PILLOW_SCRIPT = `
import io, json, sys
from PIL import Image

def to_rgb(pil_image):
    if pil_image.mode == "RGBA":
        white_background = Image.new("RGB", pil_image.size, (255, 255, 255))
        white_background.paste(pil_image, mask=pil_image.split()[3])
        return white_background
    return pil_image.convert("RGB")

data = sys.stdin.buffer.read()
out = []
for job in json.loads(sys.argv[1]):
    chunk = data[job["offset"] : job["offset"] + job["length"]]
    if job["op"] == "resize":
        im = Image.frombytes(job["mode"], (job["width"], job["height"]), chunk)
        im = im.resize((job["newWidth"], job["newHeight"]), Image.BICUBIC)
    elif job["op"] == "to_rgb":
        im = to_rgb(Image.open(io.BytesIO(chunk)))
    else:
        im = to_rgb(Image.open(io.BytesIO(chunk)))
        if job["newWidth"] is not None:
            im = im.resize((job["newWidth"], job["newHeight"]))
    out.append(im.tobytes())
sys.stdout.buffer.write(b"".join(out))
`;

interface Raw {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

interface ResizeCase {
  name: string;
  source: Raw;
  newWidth: number;
  newHeight: number;
}

function rgbOf(rgba: Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) rgb.set(rgba.subarray(i, i + 3), o);
  return rgb;
}

async function decoded(name: string, channels: 3 | 4): Promise<Raw> {
  const image = await decode(readFileSync(fixture(name)));
  const pixels = channels === 4 ? new Uint8Array(image.rgba) : rgbOf(image.rgba);
  return { pixels, width: image.width, height: image.height, channels };
}

function noiseRaw(width: number, height: number, channels: 3 | 4, seed: number): Raw {
  return { pixels: noise(width, height, channels, seed), width, height, channels };
}

/** 1-px black/white checkerboard: the worst case for overshoot and clipping. */
function checkerboard(size: number): Raw {
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++)
      pixels.fill((x + y) % 2 ? 255 : 0, (y * size + x) * 3, (y * size + x + 1) * 3);
  }
  return { pixels, width: size, height: size, channels: 3 };
}

/** The qwen-vl-utils example: 120x160 RGBA, transparent magenta around a translucent disc. */
function issueRgba(): Raw {
  const width = 120;
  const height = 160;
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const r = Math.hypot(x - 60, y - 80);
      const inSquare = x >= 20 && x < 50 && y >= 100 && y < 140;
      if (inSquare) pixels.set([20, 40, 200, 255], i);
      else if (r < 40)
        pixels.set([230, 30, 30, Math.max(0, Math.min(255, Math.round((40 - r) * 40)))], i);
      else pixels.set([255, 0, 255, 0], i);
    }
  }
  return { pixels, width, height, channels: 4 };
}

async function resizeCases(): Promise<ResizeCase[]> {
  const photo = await decoded("photo.png", 3);
  const text = await decoded("text-and-lines.png", 3);
  const logo = await decoded("logo-alpha.png", 4);
  const logoWhite: Raw = {
    pixels: compositeOnWhite(logo.pixels, logo.width, logo.height),
    width: logo.width,
    height: logo.height,
    channels: 3,
  };
  const cases: [string, Raw, number, number][] = [
    ["photo 384x256 -> 112x84", photo, 112, 84],
    ["photo 384x256 -> 200x133", photo, 200, 133],
    ["photo 384x256 -> 420x280 (up)", photo, 420, 280],
    ["photo 384x256 -> 384x140 (height only)", photo, 384, 140],
    ["photo 384x256 -> 97x256 (width only)", photo, 97, 256],
    ["text-and-lines 512x384 -> 112x84", text, 112, 84],
    ["text-and-lines 512x384 -> 504x392 (down x, up y)", text, 504, 392],
    ["logo-alpha RGBA 320x200 -> 112x84", logo, 112, 84],
    ["logo-alpha RGBA 320x200 -> 336x196 (up x, down y)", logo, 336, 196],
    ["logo-alpha on white 320x200 -> 308x196", logoWhite, 308, 196],
    ["noise RGB 120x160 -> 112x168", noiseRaw(120, 160, 3, 1), 112, 168],
    ["noise RGBA 120x160 -> 112x168", noiseRaw(120, 160, 4, 2), 112, 168],
    ["noise RGB 10x10 -> 56x56", noiseRaw(10, 10, 3, 3), 56, 56],
    ["noise RGBA 10x10 -> 56x56", noiseRaw(10, 10, 4, 4), 56, 56],
    ["noise RGB 37x91 -> 200x13", noiseRaw(37, 91, 3, 5), 200, 13],
    ["noise RGBA 1x1 -> 28x28", noiseRaw(1, 1, 4, 6), 28, 28],
    ["noise RGB 500x3 -> 28x28", noiseRaw(500, 3, 3, 7), 28, 28],
    ["noise RGB 2000x1500 -> 112x84 (wide kernels)", noiseRaw(2000, 1500, 3, 8), 112, 84],
    ["checkerboard 64x64 -> 100x100", checkerboard(64), 100, 100],
    ["checkerboard 64x64 -> 45x45", checkerboard(64), 45, 45],
  ];
  return cases.map(([name, source, newWidth, newHeight]) => ({
    name,
    source,
    newWidth,
    newHeight,
  }));
}

interface ViewCase {
  name: string;
  /** The encoded file, as Pillow and decode() both read it. */
  bytes: Buffer;
  model: "qwen2.5-vl" | "qwen3-vl";
}

async function viewCases(): Promise<ViewCase[]> {
  const issue = issueRgba();
  const issuePng = await sharp(issue.pixels, { raw: { width: 120, height: 160, channels: 4 } })
    .png()
    .toBuffer();
  // Grey + alpha: Pillow's mode "LA", which to_rgb converts without compositing.
  const greyAlpha = await sharp(noise(90, 70, 4, 9), {
    raw: { width: 90, height: 70, channels: 4 },
  })
    .toColourspace("b-w")
    .png()
    .toBuffer();
  return [
    { name: "issue 120x160 RGBA, qwen2.5-vl", bytes: issuePng, model: "qwen2.5-vl" },
    {
      name: "logo-alpha.png, qwen2.5-vl",
      bytes: readFileSync(fixture("logo-alpha.png")),
      model: "qwen2.5-vl",
    },
    {
      name: "logo-alpha.png, qwen3-vl",
      bytes: readFileSync(fixture("logo-alpha.png")),
      model: "qwen3-vl",
    },
    {
      name: "text-and-lines.png, qwen2.5-vl",
      bytes: readFileSync(fixture("text-and-lines.png")),
      model: "qwen2.5-vl",
    },
    {
      name: "photo.png, qwen3-vl (size kept)",
      bytes: readFileSync(fixture("photo.png")),
      model: "qwen3-vl",
    },
    { name: "grey+alpha PNG, qwen2.5-vl", bytes: greyAlpha, model: "qwen2.5-vl" },
  ];
}

interface Reference {
  resized: Map<string, Buffer>;
  composites: Map<string, Buffer>;
  views: Map<string, Buffer>;
}

let reference: Promise<Reference> | undefined;

/** Every Pillow result this file compares with, from one Python run. */
function pillow(): Promise<Reference> {
  reference ??= (async () => {
    const inputs: Uint8Array[] = [];
    const jobs: Record<string, unknown>[] = [];
    const lengths: number[] = [];
    let offset = 0;
    const add = (data: Uint8Array, job: Record<string, unknown>, outLength: number) => {
      jobs.push({ ...job, offset, length: data.length });
      inputs.push(data);
      lengths.push(outLength);
      offset += data.length;
    };
    const resizes = await resizeCases();
    for (const c of resizes) {
      const { pixels, width, height, channels } = c.source;
      const mode = channels === 4 ? "RGBA" : "RGB";
      const job = {
        op: "resize",
        mode,
        width,
        height,
        newWidth: c.newWidth,
        newHeight: c.newHeight,
      };
      add(pixels, job, c.newWidth * c.newHeight * channels);
    }
    const logo = readFileSync(fixture("logo-alpha.png"));
    add(logo, { op: "to_rgb" }, 320 * 200 * 3);
    const grid = await allAlphaPairsPng();
    add(grid, { op: "to_rgb" }, 256 * 256 * 3);
    const views = await viewCases();
    for (const v of views) {
      const image = await decode(v.bytes);
      const target = modelPlan(v.model, image.width, image.height).resized;
      const size = target ?? { width: image.width, height: image.height };
      const job = {
        op: "fetch",
        newWidth: target?.width ?? null,
        newHeight: target?.height ?? null,
      };
      add(v.bytes, job, size.width * size.height * 3);
    }
    const stdout = runPython(PILLOW_SCRIPT, [JSON.stringify(jobs)], Buffer.concat(inputs));
    assert.equal(
      stdout.length,
      lengths.reduce((a, b) => a + b, 0),
    );
    const outputs: Buffer[] = [];
    let at = 0;
    for (const length of lengths) {
      outputs.push(stdout.subarray(at, at + length));
      at += length;
    }
    return {
      resized: new Map(resizes.map((c, i) => [c.name, outputs[i] as Buffer])),
      composites: new Map([
        ["logo-alpha.png", outputs[resizes.length] as Buffer],
        ["all alpha pairs", outputs[resizes.length + 1] as Buffer],
      ]),
      views: new Map(views.map((v, i) => [v.name, outputs[resizes.length + 2 + i] as Buffer])),
    };
  })();
  return reference;
}

/** 256x256 RGBA: every stored value (x) under every alpha (y). */
function allAlphaPairs(): Uint8Array {
  const rgba = new Uint8Array(256 * 256 * 4);
  for (let a = 0; a < 256; a++) {
    for (let v = 0; v < 256; v++) rgba.set([v, 255 - v, v ^ 0x5a, a], (a * 256 + v) * 4);
  }
  return rgba;
}

function allAlphaPairsPng(): Promise<Buffer> {
  return sharp(allAlphaPairs(), { raw: { width: 256, height: 256, channels: 4 } })
    .png()
    .toBuffer();
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length, "lengths differ");
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const PILLOW = { skip: skipUnlessPython(["PIL", "numpy"]) };

describe("pillowResize", () => {
  test(
    "equals Pillow 9.4's resize(BICUBIC) bit for bit (max |diff| 0 in every case)",
    PILLOW,
    async () => {
      const { resized } = await pillow();
      const diffs: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const c of await resizeCases()) {
        const { pixels, width, height, channels } = c.source;
        const ours = pillowResize(pixels, width, height, channels, c.newWidth, c.newHeight);
        diffs[c.name] = maxDiff(ours, resized.get(c.name) as Buffer);
        expected[c.name] = 0;
      }
      assert.deepEqual(diffs, expected);
    },
  );

  test("an unchanged size is a copy, as Image.resize returns self.copy()", () => {
    const source = noise(7, 5, 4, 11);
    const out = pillowResize(source, 7, 5, 4, 7, 5);
    assert.deepEqual(out, new Uint8Array(source));
    assert.notEqual(out.buffer, source.buffer);
  });

  test("rejects sizes and buffers that do not match", () => {
    assert.throws(() => pillowResize(new Uint8Array(12), 2, 2, 3, 0, 4), RangeError);
    assert.throws(() => pillowResize(new Uint8Array(12), 2, 2, 3, 2.5, 4), RangeError);
    assert.throws(() => pillowResize(new Uint8Array(11), 2, 2, 3, 4, 4), RangeError);
  });
});

describe("compositeOnWhite", () => {
  test("equals qwen-vl-utils' paste on white for logo-alpha.png", PILLOW, async () => {
    const image = await decode(readFileSync(fixture("logo-alpha.png")));
    const ours = compositeOnWhite(image.rgba, image.width, image.height);
    assert.equal(maxDiff(ours, (await pillow()).composites.get("logo-alpha.png") as Buffer), 0);
  });

  test("equals Pillow's paste for every (value, alpha) pair", PILLOW, async () => {
    const ours = compositeOnWhite(allAlphaPairs(), 256, 256);
    assert.equal(maxDiff(ours, (await pillow()).composites.get("all alpha pairs") as Buffer), 0);
  });

  test("alpha 0 is white whatever is stored; alpha 255 is the stored colour", () => {
    const rgb = compositeOnWhite(Uint8Array.from([255, 0, 255, 0, 10, 20, 30, 255]), 2, 1);
    assert.deepEqual([...rgb], [255, 255, 255, 10, 20, 30]);
  });
});

describe("modelView", () => {
  test("equals qwen-vl-utils' fetch_image (to_rgb + resize) in every case", PILLOW, async () => {
    const { views } = await pillow();
    const diffs: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const v of await viewCases()) {
      const image = await decode(v.bytes);
      const view = modelView(image, modelPlan(v.model, image.width, image.height));
      diffs[v.name] = maxDiff(view.rgb, views.get(v.name) as Buffer);
      expected[v.name] = 0;
    }
    assert.deepEqual(diffs, expected);
  });

  test("120x160 RGBA under qwen2.5-vl: 112x168, transparent areas white", async () => {
    const issue = issueRgba();
    const png = await sharp(issue.pixels, { raw: { width: 120, height: 160, channels: 4 } })
      .png()
      .toBuffer();
    const image = await decode(png);
    assert.ok(opensAsRgba(image.info));
    const view = modelView(image, modelPlan("qwen2.5-vl", 120, 160));
    assert.equal(view.width, 112);
    assert.equal(view.height, 168);
    assert.equal(view.rgb.length, 112 * 168 * 3);
    // Corners and the band right of the disc are transparent magenta in the source.
    for (const [x, y] of [
      [0, 0],
      [111, 0],
      [0, 167],
      [111, 167],
      [108, 84],
    ] as const) {
      const i = (y * 112 + x) * 3;
      assert.deepEqual([...view.rgb.subarray(i, i + 3)], [255, 255, 255], `pixel ${x},${y}`);
    }
  });

  test("grey+alpha is not composited: Pillow opens it as LA and converts to RGB", async () => {
    const png = await sharp(noise(4, 4, 4, 12), { raw: { width: 4, height: 4, channels: 4 } })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    assert.equal(opensAsRgba((await decode(png)).info), false);
  });

  test("a refused plan or a plan for another size throws", async () => {
    const image = await decode(readFileSync(fixture("photo.png")));
    assert.throws(() => modelView(image, modelPlan("qwen2.5-vl", 384, 1)), /refuses/);
    assert.throws(() => modelView(image, modelPlan("qwen2.5-vl", 100, 100)), /plan is for/);
  });
});
