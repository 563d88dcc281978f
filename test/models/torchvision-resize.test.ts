import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { torchvisionResize } from "../../src/models/torchvision-resize.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";
import { type ResizeCase, resizeCases } from "../helpers/resize-cases.js";

interface Golden {
  name: string;
  input: string;
  width: number;
  height: number;
  channels: number;
  sha256: string;
}

const GOLDEN: Golden[] = JSON.parse(
  readFileSync(
    new URL("../../../test/golden/torchvision-resize/outputs.json", import.meta.url),
    "utf8",
  ),
);

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const resize = (c: ResizeCase) =>
  torchvisionResize(c.pixels, c.width, c.height, c.channels, c.outWidth, c.outHeight);

let cases: ResizeCase[] = [];
before(async () => {
  cases = await resizeCases();
});

describe("torchvisionResize against current torch's kernel (golden outputs)", () => {
  test("every case matches the kernel's output byte for byte", () => {
    assert.equal(cases.length, GOLDEN.length);
    for (const [i, c] of cases.entries()) {
      const golden = GOLDEN[i] as Golden;
      assert.equal(c.name, golden.name);
      assert.equal(
        sha256(c.pixels),
        golden.input,
        `${c.name}: the input changed, not the resampler`,
      );
      assert.deepEqual(
        [c.outWidth, c.outHeight, c.channels],
        [golden.width, golden.height, golden.channels],
      );
      assert.equal(sha256(resize(c)), golden.sha256, c.name);
    }
  });

  test("an unchanged size is a copy, and bad sizes throw", () => {
    const pixels = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const out = torchvisionResize(pixels, 2, 1, 3, 2, 1);
    assert.deepEqual(out, pixels);
    assert.notEqual(out, pixels);
    assert.throws(() => torchvisionResize(pixels, 2, 1, 3, 0, 1), RangeError);
    assert.throws(() => torchvisionResize(pixels, 3, 1, 3, 2, 1), RangeError);
  });
});

/**
 * Debian's torch 1.13 / torchvision 0.14 (functional_tensor.resize: uint8 -> float32,
 * interpolate with antialias, clamp, round half to even, uint8) and Pillow 9.4's BICUBIC, each
 * returning max |diff| and the number of differing pixels against the pixels sent back.
 */
const REFERENCE = `
import struct
import numpy as np
import torch
from PIL import Image
from torchvision.transforms import functional as F, InterpolationMode

torch.set_num_threads(1)

def _unpack(data):
    w, h, c, ow, oh = struct.unpack("<5I", data[:20])
    src = np.frombuffer(data[20:20 + w * h * c], np.uint8).reshape(h, w, c)
    ours = np.frombuffer(data[20 + w * h * c:], np.uint8).reshape(oh, ow, c).astype(int)
    return src, ours, ow, oh

def _stats(theirs, ours):
    d = np.abs(theirs.astype(int) - ours)
    return struct.pack("<II", int(d.max()), int(np.count_nonzero(d.max(axis=2))))

def torch_resize(data):
    src, ours, ow, oh = _unpack(data)
    t = torch.from_numpy(src.copy()).permute(2, 0, 1)
    out = F.resize(t, [oh, ow], InterpolationMode.BICUBIC, antialias=True)
    return _stats(out.permute(1, 2, 0).numpy(), ours)

def pillow_resize(data):
    src, ours, ow, oh = _unpack(data)
    return _stats(np.asarray(Image.fromarray(src, "RGB").resize((ow, oh), Image.BICUBIC)), ours)
`;

function request(c: ResizeCase, out: Uint8Array): Buffer {
  const header = Buffer.alloc(20);
  [c.width, c.height, c.channels, c.outWidth, c.outHeight].forEach((v, k) => {
    header.writeUInt32LE(v, k * 4);
  });
  return Buffer.concat([header, c.pixels, out]);
}

interface Diff {
  max: number;
  share: number;
}

async function compare(
  session: PythonSession,
  fn: string,
  c: ResizeCase,
  out: Uint8Array,
): Promise<Diff> {
  const reply = await session.call(fn, [], request(c, out));
  return { max: reply.readUInt32LE(0), share: reply.readUInt32LE(4) / (c.outWidth * c.outHeight) };
}

/** Cases where only one axis changes: no intermediate, so only the weights' rounding differs. */
const oneAxis = (c: ResizeCase) => c.outWidth === c.width || c.outHeight === c.height;

describe("torchvisionResize against Debian's torch 1.13.1 and Pillow 9.4 (measured bounds)", {
  skip: skipUnlessPython(["torch", "torchvision", "PIL", "numpy"]),
}, () => {
  let session: PythonSession;
  before(() => {
    session = new PythonSession(REFERENCE);
  });
  after(() => session.close());

  test("torch 1.13's float path: at most 1 level on one axis, at most 28 where it keeps a float intermediate", async () => {
    let worst = 0;
    for (const c of cases) {
      const { max, share } = await compare(session, "torch_resize", c, resize(c));
      worst = Math.max(worst, max);
      if (oneAxis(c)) assert.ok(max <= 1, `${c.name}: max |diff| ${max}`);
      assert.ok(max <= 28, `${c.name}: max |diff| ${max}`);
      assert.ok(share <= 0.64, `${c.name}: ${(100 * share).toFixed(1)}% of pixels differ`);
    }
    // Identity would mean the golden outputs are 1.13's: they are not (it has no uint8 kernel).
    assert.ok(worst > 0);
  });

  test("Pillow's BICUBIC (22-bit weights): at most 2 levels", async () => {
    for (const c of cases.filter((c) => c.channels === 3)) {
      const { max, share } = await compare(session, "pillow_resize", c, resize(c));
      assert.ok(max <= 2, `${c.name}: max |diff| ${max}`);
      // Hard 1-px edges are where the two roundings part most often.
      assert.ok(
        share <= (c.name.startsWith("checkerboard 64x64") ? 0.48 : 0.03),
        `${c.name}: ${share}`,
      );
    }
  });
});
