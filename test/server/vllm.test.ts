import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decode } from "../../src/image/decode.js";
import { torchvisionResize } from "../../src/models/torchvision-resize.js";
import { a2bBase64 } from "../../src/server/python-base64.js";
import type { ServerPixels } from "../../src/server/types.js";
import { vllm } from "../../src/server/vllm.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";
import { serverCases } from "../helpers/server-inputs.js";

/**
 * vLLM's ImageMediaIO.load_bytes with PR #44974, restated on Debian's Pillow:
 * `ImageOps.exif_transpose` after open; an image not already RGB that has transparency (RGBA,
 * LA, PA, or "transparency" in its info) becomes RGBA pasted onto white with its alpha as the
 * mask; anything else goes through convert("RGB"). And CPython's strict base64.
 */
const REFERENCE = `
import base64, io, json, struct
from PIL import Image, ImageOps

def load_bytes(data):
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode != "RGB" and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.split()[3])
    else:
        image = image.convert("RGB")
    return struct.pack("<II", *image.size) + image.tobytes()

def strict(data):
    out = []
    for text in json.loads(data):
        try:
            out.append({"hex": base64.b64decode(text, validate=True).hex()})
        except Exception as e:
            out.append({"error": str(e)})
    return json.dumps(out).encode()
`;

describe("vllm path against Pillow and CPython", { skip: skipUnlessPython(["PIL"]) }, () => {
  let session: PythonSession;
  before(() => {
    session = new PythonSession(REFERENCE);
  });
  after(() => session.close());

  test("read() is load_bytes: EXIF applied, transparency pasted onto white, on every input", async () => {
    for (const c of await serverCases()) {
      const ours = await vllm.read({ bytes: c.bytes, image: await decode(c.bytes) });
      assert.ok(!("error" in ours), c.name);
      const reply = await session.call("load_bytes", [], c.bytes);
      const theirs = { width: reply.readUInt32LE(0), height: reply.readUInt32LE(4) };
      assert.deepEqual([ours.width, ours.height], [theirs.width, theirs.height], c.name);
      assert.ok(Buffer.from(ours.rgb).equals(reply.subarray(8)), c.name);
    }
  });

  test("strict base64 agrees with base64.b64decode(validate=True)", async () => {
    const texts = [
      "iVBORw0KGgo=",
      "iVBORw0KGgo=\n",
      "iVBORw0K\nGgo=",
      "iVBO Rw0KGgo=",
      "iVBORw0KGgo",
      "iVBORw0KGg",
      "QUJD-_==",
      "QQ==QUJD",
      "QUI==",
      "=QUJD",
      "QUJDRA=a",
      "Q",
      "",
    ];
    const reply = await session.call("strict", [], Buffer.from(JSON.stringify(texts)));
    const expected: ({ hex: string } | { error: string })[] = JSON.parse(reply.toString());
    for (const [i, text] of texts.entries()) {
      const ours = a2bBase64(Buffer.from(text, "latin1"), true);
      const theirs = expected[i] as { hex: string } | { error: string };
      if ("hex" in theirs) {
        assert.equal("bytes" in ours ? ours.bytes.toString("hex") : ours.error, theirs.hex, text);
      } else {
        assert.equal("error" in ours ? ours.error : "decoded", theirs.error, text);
      }
    }
  });
});

describe("vllm plan and view", () => {
  test("the checkpoints' limits and transformers' rounding", () => {
    assert.deepEqual(vllm.plan("qwen2.5-vl", 199, 1).resized, { width: 812, height: 28 });
    const qwen3 = vllm.plan("qwen3-vl", 100, 100);
    assert.deepEqual(qwen3.resized, { width: 256, height: 256 });
    assert.equal(qwen3.tokens, 64);
    assert.match(vllm.plan("qwen2-vl", 1, 250).error ?? "", /absolute aspect ratio/);
    assert.deepEqual(vllm.models, ["qwen2.5-vl", "qwen2-vl", "qwen3-vl"]);
  });

  test("the view is the fast processor's torchvision resize", () => {
    const pixels: ServerPixels = {
      width: 5,
      height: 3,
      rgb: Uint8Array.from({ length: 45 }, (_, i) => (i * 37) % 256),
    };
    const plan = vllm.plan("qwen2.5-vl", 5, 3);
    assert.deepEqual(plan.resized, { width: 84, height: 56 });
    assert.deepEqual(vllm.view(pixels, plan).rgb, torchvisionResize(pixels.rgb, 5, 3, 3, 84, 56));
    assert.throws(() => vllm.view(pixels, vllm.plan("qwen2.5-vl", 6, 3)), RangeError);
  });
});

describe("vllm accepts(): connector.py's rules", () => {
  const png =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  const rows: [string, boolean, RegExp | null][] = [
    [`data:image/png;base64,${png}`, true, null],
    [`DATA:image/png;base64,${png}`, true, null],
    [`data:image/png;charset=utf-8;base64,${png}`, true, null],
    [`data:;base64,${png}`, true, null],
    [`data:text/plain;base64,${png}`, true, null],
    [`data:image/png;BASE64,${png}`, false, /^Only base64 data URLs are supported for now\.$/],
    [`data:image/png; base64,${png}`, false, /^Only base64 data URLs/],
    [`data:image/png,${png}`, false, /^Only base64 data URLs/],
    [`data:base64,${png}`, false, /^Only base64 data URLs/],
    [
      `data:image/png;base64${png}`,
      false,
      /^Invalid data URL 'data:image\/png;base64iVBORw0KGgo': missing ',' separator\.$/,
    ],
    [
      `data:image/png;base64,${png}\n`,
      false,
      /^binascii\.Error: Excess data after padding; a newline/,
    ],
    [
      `data:image/png;base64,${png.slice(0, 40)}\n${png.slice(40)}`,
      false,
      /Only base64 data is allowed; a newline at offset 40/,
    ],
    [
      `data:image/png;base64,${png.slice(0, 20)}-${png.slice(21)}`,
      false,
      /Only base64 data is allowed; "-"/,
    ],
    [`data:image/png;base64,${png.slice(0, -2)}`, false, /Incorrect padding/],
    ["data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", false, /cannot identify image file/],
    ["https://example.com/a.png", true, null],
    ["HTTP://example.com/a.png", true, null],
    ["file:///tmp/a.png", false, /--allowed-local-media-path/],
    ["ftp://example.com/a.png", false, /^The URL must be either a HTTP, data or file URL\.$/],
    [png, false, /^The URL must be either/],
  ];
  for (const [reference, accepted, reason] of rows) {
    test(`${accepted ? "accepts" : "rejects"} ${JSON.stringify(reference.slice(0, 44))}`, () => {
      const verdict = vllm.accepts(reference);
      assert.equal(verdict.accepted, accepted, verdict.reason ?? verdict.rule);
      if (reason === null) assert.equal(verdict.reason, null);
      else assert.match(verdict.reason ?? "", reason);
      assert.match(verdict.rule, /connector\.py/);
    });
  }
});
