import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pillow } from "../../src/client/pillow.js";
import { compare } from "../../src/compare.js";
import { decode } from "../../src/image/decode.js";
import { STRESS_INPUTS } from "../helpers/pillow-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

// The byte-for-byte checks on every fixture live in test/payload/pillow-jpeg.test.ts; this file
// covers what the path adds: what Pillow carries over from the opened file.
const python = new PythonSession(`
import io
from PIL import Image

def save(_, path):
    buf = io.BytesIO()
    Image.open(path).convert("RGB").save(buf, "JPEG")
    return buf.getvalue()
`);
after(() => python.close());

const work = mkdtempSync(join(tmpdir(), "imgenc-pillow-"));
after(() => rmSync(work, { recursive: true, force: true }));

const WITH_COMMENTS = STRESS_INPUTS.filter((i) => /comment/.test(i.name));

describe("pillow: what Image.open keeps and save() writes", () => {
  test("there are inputs with comments to check", () => {
    assert.deepEqual(WITH_COMMENTS.map((i) => i.name).sort(), [
      "gif-comment.gif",
      "jpeg-comment.jpg",
    ]);
  });

  for (const input of WITH_COMMENTS) {
    test(`${input.name}: the source's comment becomes a COM segment, byte for byte`, {
      skip: skipUnlessPython(["PIL"]),
    }, async () => {
      const bytes = await input.make();
      const path = join(work, input.name);
      writeFileSync(path, bytes);
      const payload = await pillow.encode({ image: await decode(bytes), bytes });
      const theirs = await python.call("save", [path]);
      assert.ok(payload.bytes.includes(Buffer.from([0xff, 0xfe])), "no COM segment");
      assert.ok(payload.bytes.equals(theirs), `${payload.bytes.length} vs ${theirs.length} bytes`);
      // compare's default lossy payload is this path's.
      const { artifacts } = await compare(path);
      assert.ok(artifacts.payloads[1].bytes.equals(theirs));
    });
  }
});
