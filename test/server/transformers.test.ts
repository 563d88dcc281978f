import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decode } from "../../src/image/decode.js";
import type { ModelName } from "../../src/models/plan.js";
import { torchvisionResize } from "../../src/models/torchvision-resize.js";
import { a2bBase64 } from "../../src/server/python-base64.js";
import { transformers, transformersSlow } from "../../src/server/transformers.js";
import type { ServerPixels } from "../../src/server/types.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";
import { type ServerCase, serverCases } from "../helpers/server-inputs.js";

/**
 * transformers itself is not installed here, so its pieces are restated from the source:
 * load_image's decode (Pillow open, exif_transpose, convert("RGB")), the PIL backend's resize,
 * image_processing_qwen2_vl.py's smart_resize, and base64.decodebytes.
 */
const REFERENCE = `
import base64, io, json, math, struct
from PIL import Image, ImageOps

def _pack(im):
    return struct.pack("<II", *im.size) + im.tobytes()

def _load(data):
    return ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")

def load_image(data):
    return _pack(_load(data))

def pil_resize(data, width, height):
    return _pack(_load(data).resize((width, height), Image.BICUBIC))

def _smart_resize(height, width, factor, min_pixels, max_pixels):
    if max(height, width) / min(height, width) > 200:
        raise ValueError(
            f"absolute aspect ratio must be smaller than 200, got {max(height, width) / min(height, width)}"
        )
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar

def smart_resize(data):
    out = []
    for height, width, factor, min_pixels, max_pixels in json.loads(data):
        try:
            h, w = _smart_resize(height, width, factor, min_pixels, max_pixels)
            out.append({"height": h, "width": w})
        except ValueError as e:
            out.append({"error": str(e)})
    return json.dumps(out).encode()

def decodebytes(data):
    out = []
    for text in json.loads(data):
        try:
            out.append({"hex": base64.decodebytes(text.encode()).hex()})
        except Exception as e:
            out.append({"error": str(e)})
    return json.dumps(out).encode()
`;

function unpack(reply: Buffer): ServerPixels {
  return { width: reply.readUInt32LE(0), height: reply.readUInt32LE(4), rgb: reply.subarray(8) };
}

async function read(c: ServerCase): Promise<ServerPixels> {
  const pixels = await transformers.read({ bytes: c.bytes, image: await decode(c.bytes) });
  assert.ok(!("error" in pixels), `${c.name}: ${"error" in pixels ? pixels.error : ""}`);
  return pixels;
}

describe("transformers paths", { skip: skipUnlessPython(["PIL"]) }, () => {
  let session: PythonSession;
  let cases: ServerCase[];
  before(async () => {
    session = new PythonSession(REFERENCE);
    cases = await serverCases();
  });
  after(() => session.close());

  test("read() is load_image's Pillow decode: EXIF applied, alpha dropped, on every input", async () => {
    for (const c of cases) {
      const ours = await read(c);
      const theirs = unpack(await session.call("load_image", [], c.bytes));
      assert.deepEqual([ours.width, ours.height], [theirs.width, theirs.height], c.name);
      assert.ok(Buffer.from(ours.rgb).equals(theirs.rgb), c.name);
    }
  });

  test("transformers-slow's view is Pillow's BICUBIC to the planned size, byte for byte", async () => {
    for (const c of cases.filter((c) => !c.name.startsWith("noise-16500"))) {
      const pixels = await read(c);
      for (const model of ["qwen2.5-vl", "qwen3-vl"] as const) {
        const plan = transformersSlow.plan(model, pixels.width, pixels.height);
        if (plan.error !== null || plan.resized === null) continue;
        const view = transformersSlow.view(pixels, plan);
        const { width, height } = plan.resized;
        const theirs = unpack(await session.call("pil_resize", [width, height], c.bytes));
        assert.ok(Buffer.from(view.rgb).equals(theirs.rgb), `${c.name} ${model}`);
      }
    }
  });

  test("transformers' view is the torchvision resize (checked against torch's kernel elsewhere)", async () => {
    const c = cases.find((c) => c.name === "photo.png") as ServerCase;
    const pixels = await read(c);
    const plan = transformers.plan("qwen2.5-vl", pixels.width, pixels.height);
    assert.deepEqual(plan.resized, { width: 392, height: 252 });
    assert.equal(plan.tokens, 14 * 9);
    const view = transformers.view(pixels, plan);
    assert.deepEqual(view.rgb, torchvisionResize(pixels.rgb, 384, 256, 3, 392, 252));
  });

  test("smart_resize edge cases agree with transformers' smart_resize", async () => {
    const limits: Record<string, [number, number, number]> = {
      "qwen2.5-vl": [28, 3136, 12845056],
      "qwen3-vl": [32, 65536, 16777216],
    };
    const sides: [number, number][] = [
      [1, 199],
      [199, 1],
      [1, 200],
      [1, 201],
      [28, 5628],
      [1, 1],
      [2, 3],
      [13, 14],
      [14, 42],
      [16, 48],
      [256, 384],
      [1080, 1920],
      [300, 60000],
      [60000, 300],
      [20000, 20000],
      [4000, 3000],
      [9000, 100],
    ];
    const cases = Object.entries(limits).flatMap(([model, [factor, min, max]]) =>
      sides.map(([h, w]) => ({ model: model as ModelName, h, w, args: [h, w, factor, min, max] })),
    );
    const reply = await session.call(
      "smart_resize",
      [],
      Buffer.from(JSON.stringify(cases.map((c) => c.args))),
    );
    const expected: ({ height: number; width: number } | { error: string })[] = JSON.parse(
      reply.toString(),
    );
    for (const [i, c] of cases.entries()) {
      const plan = transformers.plan(c.model, c.w, c.h);
      const want = expected[i];
      const label = `${c.model} ${c.w}x${c.h}`;
      if (want !== undefined && "error" in want) {
        assert.equal(plan.error, want.error, label);
      } else {
        const size = plan.resized ?? plan.input;
        assert.deepEqual({ height: size.height, width: size.width }, want, label);
        const factor = limits[c.model]?.[0] as number;
        assert.equal(plan.tokens, (size.width / factor) * (size.height / factor), label);
      }
    }
    // The worked example: no max(factor, ...) floor, so 199x1 grows through min_pixels.
    assert.deepEqual(transformers.plan("qwen2.5-vl", 199, 1).resized, { width: 812, height: 28 });
    assert.deepEqual(transformers.plan("qwen3-vl", 100, 100).resized, { width: 256, height: 256 });
    assert.throws(
      () => transformers.plan("gpt-4o", 10, 10),
      /serves qwen2\.5-vl, qwen2-vl, qwen3-vl/,
    );
  });

  test("lenient base64 agrees with base64.decodebytes", async () => {
    const texts = [
      "iVBORw0KGgo=",
      "iVBORw0K\nGgo=\n",
      "iVBO Rw0K Ggo=",
      "iVBORw0KGgo",
      "iVBORw0KGg",
      "QQ==QUJD",
      "QUJD=",
      "=QUJD",
      "QUJD-_A=",
      "Q",
      "QUJDRA=a",
      "é QUJD",
      "",
    ];
    const reply = await session.call("decodebytes", [], Buffer.from(JSON.stringify(texts)));
    const expected: ({ hex: string } | { error: string })[] = JSON.parse(reply.toString());
    for (const [i, text] of texts.entries()) {
      const ours = a2bBase64(Buffer.from(text, "utf8"), false);
      const theirs = expected[i] as { hex: string } | { error: string };
      if ("hex" in theirs)
        assert.equal("bytes" in ours ? ours.bytes.toString("hex") : ours.error, theirs.hex, text);
      else assert.equal("error" in ours ? ours.error : "decoded", theirs.error, text);
    }
  });
});

describe("transformers accepts(): load_image's rules for a string", () => {
  const png =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  const rows: [string, boolean, RegExp | null][] = [
    ["https://example.com/a.png", true, null],
    ["http://example.com/a.png", true, null],
    [`data:image/png;base64,${png}`, true, null],
    // The marker is never read: only the text after the first comma.
    [`data:image/png,${png}`, true, null],
    [`data:image/png;charset=utf-8;base64,${png}`, true, null],
    [`data:image/jpeg;base64,${png}`, true, null],
    // Lenient: whitespace and newlines are skipped.
    [`data:image/png;base64,${png.slice(0, 20)}\n${png.slice(20)}\n`, true, null],
    [png, true, null],
    // Case-sensitive prefix: the whole string is then decoded as base64, garbage included.
    [`DATA:image/png;base64,${png}`, false, /^Incorrect image source/],
    [`data:text/plain;base64,${png}`, false, /^Incorrect image source/],
    ["data:image/png;base64", false, /^IndexError/],
    [`data:image/png;base64,${png.slice(0, -2)}`, false, /Incorrect padding/],
    ["data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", false, /cannot identify image file/],
    ["ftp://example.com/a.png", false, /^Incorrect image source/],
    ["HTTPS://example.com/a.png", false, /^Incorrect image source/],
  ];
  for (const [reference, accepted, reason] of rows) {
    test(`${accepted ? "accepts" : "rejects"} ${reference.slice(0, 40)}`, () => {
      for (const path of [transformers, transformersSlow]) {
        const verdict = path.accepts(reference);
        assert.equal(verdict.accepted, accepted, verdict.reason ?? verdict.rule);
        if (reason === null) assert.equal(verdict.reason, null);
        else assert.match(verdict.reason ?? "", reason);
        assert.match(verdict.rule, /load_image/);
      }
    });
  }
});
