import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { gradio, gradioArray } from "../../src/client/gradio.js";
import { decode } from "../../src/image/decode.js";
import { applyOrientation } from "../../src/image/orientation.js";
import {
  type ClientCase,
  fixtureCases,
  orientedCase,
  stressCases,
  uprightCrop,
} from "../helpers/client-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * Gradio 6.25.0's own calls for `gr.Image()` with its defaults, transcribed from
 * gradio-app/gradio@a535e77 (Gradio itself is not installed here): image_utils.preprocess_image
 * on an upload named `name` (type "numpy", image_mode "RGB"), then postprocess_image of the
 * array -> processing_utils.save_img_array_to_cache -> encode_pil_to_bytes(pil_image, "webp").
 * Returns u32 BE width, height and WebP length, the WebP, then the array's pixels as RGB.
 */
const python = new PythonSession(`
import io, struct
from pathlib import Path
import numpy as np
from PIL import Image, ImageOps

def gradio(data, name):
    if name:
        suffix = Path(name).suffix.replace(".", "")
        if suffix in ["jpg", "jpeg"]:
            suffix = "jpeg"
    else:
        suffix = "webp"
    im = Image.open(io.BytesIO(data))
    exif = im.getexif()
    if exif.get(274, 1) != 1 and hasattr(ImageOps, "exif_transpose"):
        im = ImageOps.exif_transpose(im)
    if suffix.lower() != "gif" and im is not None:
        im = im.convert("RGB")
    arr = np.array(im)
    # processing_utils._convert(arr, np.uint8) returns a uint8 array as it is.
    pil_image = Image.fromarray(arr)
    exif = pil_image.info.get("exif")
    params = {"exif": exif} if exif else {}
    buf = io.BytesIO()
    pil_image.save(buf, "webp", **params)
    webp = buf.getvalue()
    rgb = pil_image.convert("RGB")
    return struct.pack(">III", rgb.width, rgb.height, len(webp)) + webp + rgb.tobytes()

def exif_transpose(data):
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    return struct.pack(">II", im.width, im.height) + im.tobytes()
`);
after(() => python.close());

interface Reference {
  width: number;
  height: number;
  webp: Buffer;
  rgb: Buffer;
}

async function gradioReference({ name, bytes }: ClientCase): Promise<Reference> {
  const out = await python.call("gradio", [name], bytes);
  const end = 12 + out.readUInt32BE(8);
  return {
    width: out.readUInt32BE(0),
    height: out.readUInt32BE(4),
    webp: out.subarray(12, end),
    rgb: out.subarray(end),
  };
}

function rgbOf(rgba: Buffer): Buffer {
  const rgb = Buffer.alloc((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) rgba.copy(rgb, o, i, i + 3);
  return rgb;
}

function firstDifference(a: Buffer, b: Buffer): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `first differing sample ${i}: ${a[i]} vs ${b[i]}`;
  }
  return "none";
}

/**
 * The array matches Pillow's exactly, and the WebP is Pillow's byte for byte: the bound
 * pillow-webp holds (0 differing bytes, hence 0 differing samples) holds here too.
 */
async function checkAgainstGradio(input: ClientCase): Promise<void> {
  const image = await decode(input.bytes);
  const reference = await gradioReference(input);
  const { pixels } = gradioArray({ image, bytes: input.bytes, name: input.name });
  assert.deepEqual([pixels.width, pixels.height], [reference.width, reference.height], "size");
  const ours = rgbOf(pixels.rgba);
  assert.ok(ours.equals(reference.rgb), `array differs: ${firstDifference(ours, reference.rgb)}`);
  const payload = await gradio.encode({ image, bytes: input.bytes, name: input.name });
  assert.ok(
    payload.bytes.equals(reference.webp),
    `WebP differs from Gradio's (${payload.bytes.length} vs ${reference.webp.length} bytes)`,
  );
  assert.deepEqual([payload.width, payload.height], [reference.width, reference.height]);
}

/** GIF's LZW without compression: one literal code per index, a clear code before the table grows. */
function lzwLiterals(indices: Uint8Array): Buffer {
  const clear = 256;
  const codes = [clear];
  indices.forEach((index, i) => {
    if (i > 0 && i % 254 === 0) codes.push(clear);
    codes.push(index);
  });
  codes.push(clear + 1);
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const code of codes) {
    buffer |= code << bits;
    bits += 9;
    while (bits >= 8) {
      out.push(buffer & 0xff);
      buffer >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push(buffer & 0xff);
  return Buffer.from(out);
}

interface GifSpec {
  screen: [number, number];
  frame: [x: number, y: number, width: number, height: number];
  transparency?: number;
  interlaced?: boolean;
  /** A grey ramp palette, which Pillow opens as mode "L" rather than "P". */
  greyPalette?: boolean;
}

/** A one-frame GIF with a 256-colour global palette and the frame's indices i * 37 mod 256. */
function gifFile(spec: GifSpec): Buffer {
  const [x, y, width, height] = spec.frame;
  const palette = Buffer.alloc(768);
  for (let i = 0; i < 256; i++) {
    palette[i * 3] = spec.greyPalette ? i : (i * 53) % 256;
    palette[i * 3 + 1] = spec.greyPalette ? i : (i * 97) % 256;
    palette[i * 3 + 2] = spec.greyPalette ? i : 255 - i;
  }
  const order: number[] = [];
  const passes = spec.interlaced
    ? [
        [0, 8],
        [4, 8],
        [2, 4],
        [1, 2],
      ]
    : [[0, 1]];
  for (const [start = 0, step = 1] of passes) {
    for (let row = start; row < height; row += step) order.push(row);
  }
  const indices = new Uint8Array(width * height);
  order.forEach((row, i) => {
    for (let c = 0; c < width; c++) indices[i * width + c] = ((row * width + c) * 37) % 256;
  });
  const data = lzwLiterals(indices);
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const part = data.subarray(at, at + 255);
    blocks.push(Buffer.from([part.length]), part);
  }
  const u16 = (v: number) => [v & 0xff, v >> 8];
  const gce = spec.transparency === undefined ? [] : [0x21, 0xf9, 4, 1, 0, 0, spec.transparency, 0];
  return Buffer.concat([
    Buffer.from("GIF89a", "latin1"),
    Buffer.from([...u16(spec.screen[0]), ...u16(spec.screen[1]), 0xf7, 0, 0]),
    palette,
    Buffer.from(gce),
    Buffer.from([
      0x2c,
      ...u16(x),
      ...u16(y),
      ...u16(width),
      ...u16(height),
      spec.interlaced ? 0x40 : 0,
    ]),
    Buffer.from([8]),
    ...blocks,
    Buffer.from([0, 0x3b]),
  ]);
}

const skip = skipUnlessPython(["PIL", "numpy"]);
const STRESS = await stressCases();

describe("gradio: gr.Image() defaults, against Gradio's Pillow calls", () => {
  for (const input of [...fixtureCases(), ...STRESS]) {
    test(`${input.name}: same array, identical WebP`, { skip }, () => checkAgainstGradio(input));
  }
  for (const format of ["jpeg", "png", "webp"] as const) {
    for (let orientation = 1; orientation <= 8; orientation++) {
      test(
        `${format}, EXIF orientation ${orientation}: transposed as Gradio does`,
        { skip },
        async () => checkAgainstGradio(await orientedCase(orientation, format)),
      );
    }
  }
  test("no name: Gradio assumes webp and converts", { skip }, async () => {
    const gif = STRESS.find((c) => c.name === "transparent.gif") as ClientCase;
    const image = await decode(gif.bytes);
    const reference = await gradioReference({ name: "", bytes: gif.bytes });
    const payload = await gradio.encode({ image, bytes: gif.bytes });
    assert.ok(payload.bytes.equals(reference.webp));
    assert.equal(gradioArray({ image, bytes: gif.bytes }).paletteIndices, false);
  });
});

describe("gradio: a .gif upload is not converted: palette indices as grey", () => {
  const gifs: [string, GifSpec][] = [
    ["full frame", { screen: [40, 30], frame: [0, 0, 40, 30] }],
    ["offset frame, rest 0", { screen: [40, 30], frame: [5, 7, 21, 13] }],
    [
      "offset frame, rest transparent",
      { screen: [40, 30], frame: [5, 7, 21, 13], transparency: 200 },
    ],
    ["interlaced", { screen: [23, 19], frame: [0, 0, 23, 19], interlaced: true }],
    ["frame past the screen", { screen: [20, 10], frame: [8, 4, 19, 11] }],
    ["grey palette (mode L)", { screen: [31, 9], frame: [0, 0, 31, 9], greyPalette: true }],
  ];
  for (const [label, spec] of gifs) {
    test(label, { skip }, async () => {
      const bytes = gifFile(spec);
      const input = { name: "upload.gif", bytes };
      await checkAgainstGradio(input);
      const image = await decode(bytes);
      assert.equal(gradioArray({ ...input, image }).paletteIndices, true);
      const payload = await gradio.encode({ ...input, image });
      assert.ok(payload.steps.notes.some((n) => n.includes("palette indices")));
    });
  }
  test("upper-case .GIF too; a GIF under another name is converted", { skip }, async () => {
    const bytes = gifFile({ screen: [12, 12], frame: [0, 0, 12, 12] });
    await checkAgainstGradio({ name: "UPLOAD.GIF", bytes });
    await checkAgainstGradio({ name: "upload.png", bytes });
    await checkAgainstGradio({ name: ".gif", bytes });
  });
  test("RGB content under a .gif name: converting changes nothing, and the note says so", {
    skip,
  }, async () => {
    const bytes = await uprightCrop().png().toBuffer();
    await checkAgainstGradio({ name: "photo.gif", bytes });
    const payload = await gradio.encode({ image: await decode(bytes), bytes, name: "photo.gif" });
    assert.ok(payload.steps.notes.some((n) => n.startsWith("not exact")));
  });
});

describe("applyOrientation: Pillow's ImageOps.exif_transpose, all 8 orientations", () => {
  for (const format of ["jpeg", "png", "webp"] as const) {
    test(format, { skip }, async () => {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const { bytes } = await orientedCase(orientation, format);
        const image = await decode(bytes);
        assert.equal(image.info.orientation, orientation);
        const out = await python.call("exif_transpose", [], bytes);
        const upright = applyOrientation(
          image.pillowRgba,
          image.width,
          image.height,
          4,
          image.info.orientation,
        );
        assert.deepEqual(
          [upright.width, upright.height],
          [out.readUInt32BE(0), out.readUInt32BE(4)],
        );
        assert.ok(rgbOf(upright.data).equals(out.subarray(8)), `orientation ${orientation}`);
      }
    });
  }
});

describe("gradio: what the path reports", () => {
  test("orientation applied, alpha dropped, ICC dropped, WebP q80", async () => {
    const steps = async (c: ClientCase) =>
      (await gradio.encode({ image: await decode(c.bytes), bytes: c.bytes, name: c.name })).steps;
    const byName = (name: string) => STRESS.find((c) => c.name === name) as ClientCase;
    assert.equal((await steps(byName("exif-6.jpg"))).orientation, "applied");
    assert.equal((await steps(byName("rgba-hidden-colour.png"))).alpha, "stored-colour");
    assert.equal((await steps(byName("adobe-rgb-crop.jpg"))).icc, "dropped");
    const plain = await steps(byName("odd-101x7.png"));
    assert.deepEqual([plain.format, plain.quality, plain.orientation], ["webp", 80, "none"]);
  });
});
