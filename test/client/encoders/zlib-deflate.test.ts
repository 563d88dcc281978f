import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  type DeflateOptions,
  Z_FILTERED,
  ZlibDeflate,
  zlibCompress,
} from "../../../src/client/encoders/zlib-deflate.js";
import { noise } from "../../helpers/images.js";
import { FIXTURES } from "../../helpers/pillow-inputs.js";
import { PythonSession, skipUnlessPython } from "../../helpers/python.js";

/** Debian's zlib through Python: compressobj fed `chunk` bytes per compress() call (0: all). */
const python = new PythonSession(`
import zlib

def deflate(data, level, mem_level, strategy, chunk):
    c = zlib.compressobj(level, zlib.DEFLATED, 15, mem_level, strategy)
    step = chunk or max(len(data), 1)
    out = b"".join(c.compress(data[i : i + step]) for i in range(0, len(data), step))
    return out + c.flush()

def compress(data):
    return zlib.compress(data)
`);
after(() => python.close());

const skip = skipUnlessPython(["zlib"]);

const INPUTS: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  "one byte": Buffer.from([7]),
  zeros: Buffer.alloc(70_000),
  // Incompressible: stored blocks.
  noise: noise(200, 120),
  repeats: Buffer.from("abcabcabcabcabdabcabcabcxyz".repeat(3000)),
  text: readFileSync(join(FIXTURES, "README.md")),
  // 240 KB: the window slides several times.
  "fixture files": Buffer.concat([
    readFileSync(join(FIXTURES, "photo.png")),
    readFileSync(join(FIXTURES, "grey.png")),
    Buffer.alloc(5000, 9),
    readFileSync(join(FIXTURES, "gradient.png")),
    readFileSync(join(FIXTURES, "README.md")),
  ]),
};

const SETTINGS: (Required<DeflateOptions> & { chunk: number })[] = [
  { level: 6, memLevel: 8, strategy: 0, chunk: 0 },
  { level: 6, memLevel: 9, strategy: Z_FILTERED, chunk: 0 },
  // Pillow's PNG rows: the input arrives a row at a time.
  { level: 6, memLevel: 9, strategy: Z_FILTERED, chunk: 97 },
  { level: 9, memLevel: 9, strategy: 0, chunk: 1000 },
  { level: 4, memLevel: 7, strategy: Z_FILTERED, chunk: 0 },
];

function ours(data: Buffer, { chunk, ...options }: (typeof SETTINGS)[number]): Buffer {
  const stream = new ZlibDeflate(options);
  const step = chunk || Math.max(data.length, 1);
  for (let at = 0; at < data.length; at += step) stream.write(data.subarray(at, at + step));
  return stream.finish();
}

describe("ZlibDeflate is byte-identical to Debian's zlib 1.2.13", () => {
  for (const [name, data] of Object.entries(INPUTS)) {
    for (const settings of SETTINGS) {
      const { level, memLevel, strategy, chunk } = settings;
      test(`${name}: level ${level} memLevel ${memLevel} strategy ${strategy} chunk ${chunk}`, {
        skip,
      }, async () => {
        const theirs = await python.call("deflate", [level, memLevel, strategy, chunk], data);
        assert.ok(ours(data, settings).equals(theirs));
      });
    }
  }

  test("zlibCompress is Python's zlib.compress", { skip }, async () => {
    const icc = readFileSync(join(FIXTURES, "adobe-rgb.jpg")).subarray(0, 2000);
    assert.ok(zlibCompress(icc).equals(await python.call("compress", [], icc)));
  });

  test("levels 1-3 (deflate_fast) are refused", () => {
    assert.throws(() => new ZlibDeflate({ level: 3 }), /level 3 is not supported/);
  });
});
