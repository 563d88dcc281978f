import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { pillowWebpPath } from "../../src/client/pillow-webp.js";
import { decode } from "../../src/image/decode.js";
import { type ClientCase, fixtureCases, stressCases } from "../helpers/client-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * The call being reproduced, on Debian's Pillow 9.4 (libwebp 1.2.4), and Pillow's decode of a
 * WebP for measuring a pixel difference. Pillow's file name plays no part in either.
 */
const python = new PythonSession(`
import io
from PIL import Image

def pillow_webp(data):
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "WEBP")
    return buf.getvalue()

def decode_rgb(data):
    return Image.open(io.BytesIO(data)).convert("RGB").tobytes()
`);
after(() => python.close());

/** The RIFF chunks of a WebP file, in order: "VP8 " alone for a simple lossy file. */
function riffChunks(webp: Buffer): string[] {
  assert.equal(webp.toString("latin1", 0, 4), "RIFF");
  assert.equal(webp.readUInt32LE(4) + 8, webp.length, "RIFF size");
  assert.equal(webp.toString("latin1", 8, 12), "WEBP");
  const chunks: string[] = [];
  for (let at = 12; at < webp.length; ) {
    chunks.push(webp.toString("latin1", at, at + 4));
    at += 8 + webp.readUInt32LE(at + 4) + (webp.readUInt32LE(at + 4) & 1);
  }
  return chunks;
}

/** Largest per-sample difference and the count of differing samples of two RGB decodes. */
async function pixelDifference(ours: Buffer, theirs: Buffer): Promise<string> {
  const [a, b] = await Promise.all([
    python.call("decode_rgb", [], ours),
    python.call("decode_rgb", [], theirs),
  ]);
  if (a.length !== b.length) return `decoded sizes differ (${a.length} vs ${b.length} samples)`;
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return `decoded: ${count} of ${a.length} samples differ, max difference ${max}`;
}

/**
 * Byte identity held on every input tried (sharp 0.35.5 with libwebp 1.6.0 against Pillow 9.4
 * with libwebp 1.2.4), so the bound asserted is exact: the same bytes, hence the same pixels.
 */
async function checkAgainstPillow({ name, bytes }: ClientCase): Promise<void> {
  const image = await decode(bytes);
  const payload = await pillowWebpPath.encode({ image, bytes, name });
  const theirs = await python.call("pillow_webp", [], bytes);
  assert.deepEqual(riffChunks(theirs), ["VP8 "], "Pillow writes a simple lossy WebP");
  assert.ok(
    payload.bytes.equals(theirs),
    `WebP differs from Pillow's (${payload.bytes.length} vs ${theirs.length} bytes); ${await pixelDifference(payload.bytes, theirs)}`,
  );
  assert.equal(payload.mime, "image/webp");
  assert.deepEqual([payload.width, payload.height], [image.width, image.height]);
}

const skip = skipUnlessPython(["PIL"]);
const STRESS = await stressCases();

describe("pillow-webp: Pillow's convert('RGB').save(buf, 'WEBP'), byte for byte", () => {
  for (const input of [...fixtureCases(), ...STRESS]) {
    test(`${input.name}: identical bytes`, { skip }, () => checkAgainstPillow(input));
  }
});

describe("pillow-webp: what the path reports", () => {
  test("alpha dropped (stored colour), orientation and ICC lost, q80", async () => {
    const steps = async (name: string) => {
      const { bytes } = STRESS.find((c) => c.name === name) as ClientCase;
      return (await pillowWebpPath.encode({ image: await decode(bytes), bytes, name })).steps;
    };
    assert.equal((await steps("adobe-rgb-crop.jpg")).icc, "dropped");
    assert.equal((await steps("exif-6.jpg")).orientation, "lost");
    const rgbaSteps = await steps("rgba-hidden-colour.png");
    assert.equal(rgbaSteps.alpha, "stored-colour");
    assert.equal(rgbaSteps.quality, 80);
    assert.equal(rgbaSteps.format, "webp");
  });
});
