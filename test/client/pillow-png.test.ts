import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { pillowPngPath } from "../../src/client/pillow-png.js";
import { decode } from "../../src/image/decode.js";
import { FIXTURE_INPUTS, type NamedInput, STRESS_INPUTS } from "../helpers/pillow-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * The call the path reproduces, run by Debian's Pillow 9.4: `save` is exactly it; `save_keyless`
 * is the same save after deleting the integer transparency Pillow 9.4 cannot write for mode
 * "1" and "I" sources (the upstream call raises TypeError there).
 */
const pillow = new PythonSession(`
import io
from PIL import Image

def save(data):
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "PNG")
    return buf.getvalue()

def save_keyless(data):
    im = Image.open(io.BytesIO(data)).convert("RGB")
    del im.info["transparency"]
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()
`);
after(() => pillow.close());

const skip = skipUnlessPython(["PIL"]);

/** Pillow 9.4 raises on these: mode "1" and "I" keep an integer transparency after convert. */
const UNSAVEABLE = new Set(["grey-1bit-trns.png", "grey-16bit-trns.png"]);

function firstDifference(a: Buffer, b: Buffer): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `${a.length} vs ${b.length} bytes, first difference at byte ${i}`;
}

/** IDAT data lengths in file order. */
function idatLengths(png: Buffer): number[] {
  const lengths: number[] = [];
  for (let pos = 8; pos + 8 <= png.length; ) {
    const length = png.readUInt32BE(pos);
    if (png.toString("latin1", pos + 4, pos + 8) === "IDAT") lengths.push(length);
    pos += 12 + length;
  }
  return lengths;
}

async function ours(bytes: Buffer) {
  return pillowPngPath.encode({ image: await decode(bytes), bytes });
}

async function checkIdentical({ name, make }: NamedInput): Promise<void> {
  const bytes = await make();
  const payload = await ours(bytes);
  if (UNSAVEABLE.has(name)) {
    await assert.rejects(pillow.call("save", [], bytes), /cannot unpack non-iterable int object/);
    const keyless = await pillow.call("save_keyless", [], bytes);
    assert.ok(payload.bytes.equals(keyless), firstDifference(payload.bytes, keyless));
    assert.match(payload.steps.notes.join("\n"), /Pillow 9.4 fails on this save/);
    return;
  }
  const theirs = await pillow.call("save", [], bytes);
  assert.ok(payload.bytes.equals(theirs), firstDifference(payload.bytes, theirs));
}

describe("pillow-png is byte-identical to Pillow 9.4's convert('RGB').save(buf, 'PNG')", () => {
  for (const input of [...FIXTURE_INPUTS, ...STRESS_INPUTS]) {
    test(input.name, { skip }, () => checkIdentical(input));
  }
});

describe("pillow-png says what the save did", () => {
  const find = (name: string) => {
    const input = [...FIXTURE_INPUTS, ...STRESS_INPUTS].find((i) => i.name === name);
    if (input === undefined) throw new Error(`no input ${name}`);
    return input.make();
  };

  test("an ICC profile is kept as iCCP; EXIF orientation is lost", async () => {
    const adobe = await ours(await find("adobe-rgb.jpg"));
    assert.equal(adobe.steps.icc, "kept");
    assert.ok(adobe.bytes.includes(Buffer.from("iCCPICC Profile\0\0", "latin1")));
    const rotated = await ours(await find("rotated-exif6.jpg"));
    assert.equal(rotated.steps.orientation, "lost");
    assert.equal(rotated.steps.icc, "none");
  });

  test("alpha is dropped with the stored colour, or kept as a tRNS colour key", async () => {
    const logo = await ours(await find("logo-alpha.png"));
    assert.equal(logo.steps.alpha, "stored-colour");
    const keyed = await ours(await find("palette-one-transparent.png"));
    assert.equal(keyed.steps.alpha, "kept");
    assert.match(keyed.steps.notes.join("\n"), /tRNS colour key \(40, 220, 90\)/);
    assert.equal((await ours(await find("photo.png"))).steps.alpha, "none");
  });

  test("16-bit grey clips, 16-bit colour keeps its high byte", async () => {
    assert.match((await ours(await find("grey16.png"))).steps.notes.join("\n"), /clips/);
    assert.match((await ours(await find("deep16.png"))).steps.notes.join("\n"), /high byte/);
  });

  test("a width over 16,384 px splits IDAT every width * 4 bytes", async () => {
    const wide = await ours(await find("noise-16500x2.png"));
    const lengths = idatLengths(wide.bytes);
    assert.equal(lengths[0], 66000);
    assert.ok(lengths.length >= 2);
    assert.deepEqual(idatLengths((await ours(await find("photo.png"))).bytes).slice(0, 1), [65536]);
  });

  test("sent as a PNG data URI", async () => {
    const payload = await ours(await find("1x1.png"));
    assert.equal(payload.sentPrefix, "data:image/png;base64,");
    assert.equal(payload.mime, "image/png");
    assert.equal(payload.client, "pillow-png");
  });
});
