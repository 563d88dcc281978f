import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { pythonGuessType } from "../../src/client/python-mimetypes.js";
import { raw } from "../../src/client/raw.js";
import { decode } from "../../src/image/decode.js";
import { type ClientCase, fixtureCases, stressCases } from "../helpers/client-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * Older LangChain's `image_to_data_url` (langchain-ai/langchain@5241716
 * libs/core/langchain_core/utils/image.py) on a real file of that name, with Python's built-in
 * mimetypes tables (`MimeTypes()`); the module-level `mimetypes.guess_type` it calls also reads
 * the host's /etc/mime.types, which `guess` reports beside them. `mime` is what Pillow says
 * the bytes are.
 */
const python = new PythonSession(`
import base64, json, mimetypes, os, tempfile
from PIL import Image

BUILT_IN = mimetypes.MimeTypes()

def image_to_data_url(data, name):
    directory = tempfile.mkdtemp()
    image_path = os.path.join(directory, name)
    with open(image_path, "wb") as f:
        f.write(data)
    with open(image_path, "rb") as image_file:
        encoding = base64.b64encode(image_file.read()).decode("utf-8")
    mime_type = BUILT_IN.guess_type(image_path)[0]
    os.remove(image_path)
    os.rmdir(directory)
    return f"data:{mime_type};base64,{encoding}".encode()

def guess(data):
    names = json.loads(data)
    return json.dumps([[BUILT_IN.guess_type(n)[0], mimetypes.guess_type(n)[0]] for n in names]).encode()

def extensions(data):
    return json.dumps(sorted(BUILT_IN.types_map[True])).encode()

def mime(data):
    import io
    return Image.open(io.BytesIO(data)).get_format_mimetype().encode()
`);
after(() => python.close());

const skip = skipUnlessPython(["PIL"]);
const STRESS = await stressCases();

async function checkFile({ name, bytes }: ClientCase): Promise<void> {
  const image = await decode(bytes);
  const payload = await raw.encode({ image, bytes, name });
  assert.ok(payload.bytes.equals(bytes), "the bytes are the file's");
  const theirs = (await python.call("image_to_data_url", [name], bytes)).toString();
  assert.equal(payload.sentPrefix + payload.bytes.toString("base64"), theirs);
  assert.equal(payload.mime, (await python.call("mime", [], bytes)).toString(), "the bytes' type");
}

describe("raw: the file's bytes behind LangChain's guessed MIME, as Python writes them", () => {
  for (const input of [...fixtureCases(), ...STRESS]) {
    test(input.name, { skip }, () => checkFile(input));
  }
  const png = STRESS.find((c) => c.name === "rgba-hidden-colour.png") as ClientCase;
  const webp = STRESS.find((c) => c.name === "photo-420.webp") as ClientCase;
  const renamed: [string, ClientCase][] = [
    ["photo.jpg", png],
    ["PHOTO.PNG", png],
    ["photo", png],
    ["photo.heic", png],
    ["photo.png.gz", png],
    ["photo.PNG.GZ", png],
    [".png", png],
    ["photo.webp", webp],
    ["photo.WebP", webp],
  ];
  for (const [name, input] of renamed) {
    test(`${input.name} saved as ${name}`, { skip }, () => checkFile({ name, bytes: input.bytes }));
  }
});

describe("raw: what the path reports", () => {
  const png = STRESS.find((c) => c.name === "rgba-hidden-colour.png") as ClientCase;
  const encode = async (name: string | undefined, c = png) =>
    raw.encode({ image: await decode(c.bytes), bytes: c.bytes, name });

  test("a lying extension: the MIME it writes, the MIME the bytes have, a note", async () => {
    const payload = await encode("photo.jpg");
    assert.equal(payload.sentPrefix, "data:image/jpeg;base64,");
    assert.equal(payload.mime, "image/png");
    assert.deepEqual(payload.steps.notes, ["the name says image/jpeg, the bytes are image/png"]);
    assert.equal(payload.steps.format, "original");
    assert.equal(payload.steps.alpha, "kept");
  });
  test("no name and an unknown extension: data:None", async () => {
    assert.equal((await encode(undefined)).sentPrefix, "data:None;base64,");
    assert.equal((await encode("photo.jfif")).sentPrefix, "data:None;base64,");
    assert.equal((await encode("photo.png")).steps.notes.length, 0);
  });
  test("orientation and ICC are kept with the bytes", async () => {
    const steps = async (name: string) =>
      (await encode(name, STRESS.find((c) => c.name === name) as ClientCase)).steps;
    assert.equal((await steps("exif-6.jpg")).orientation, "kept");
    assert.equal((await steps("adobe-rgb-crop.jpg")).icc, "kept");
  });
});

/** Names the way they reach mimetypes: file names, paths, URLs with queries, data URLs. */
const NAMES = [
  "a.png",
  "a.PNG",
  "a.Png",
  "a.jpg",
  "a.JPG",
  "a.jpeg",
  "a.JPEG",
  "a.jpe",
  "a.jfif",
  "a.webp",
  "a.WEBP",
  "a.gif",
  "a.GIF",
  "a.heic",
  "a.HEIC",
  "a.heif",
  "a.avif",
  "a.bmp",
  "a.tif",
  "a.tiff",
  "a.ico",
  "a.svg",
  "a.svgz",
  "a.SVGZ",
  "a.jxl",
  "a.apng",
  "a.psd",
  "a.jp2",
  "a.tga",
  "a.ppm",
  "a",
  "",
  ".png",
  "..png",
  "a..png",
  "a.png.",
  "a.",
  "dir.d/a",
  "dir.d/a.png",
  "/abs/path/a.jpeg",
  "a.png.gz",
  "a.png.Z",
  "a.png.z",
  "a.PNG.GZ",
  "a.png.bz2",
  "a.png.br",
  "a.tgz",
  "a.tar.gz",
  "a.txt",
  "a.pdf",
  "a.json",
  "a.html",
  "a.mp4",
  "C:\\Users\\me\\a.png",
  "C:\\dir.v2\\a",
  "https://host/a.png",
  "https://host/a.png?w=100",
  "https://host/a.png#top",
  "/img/a.webp?x=1",
  "a.png?x=1",
  "mailto:a.png",
  "ftp://h/a.gif",
  "data:image/png;base64,AAAA",
  "data:image/webp,xyz",
  "data:,abc",
  "data:text;x=1,abc",
  "data:image/png",
  "DATA:image/gif;base64,R0",
  "ünïcödé.PNG",
  "photo.İNG",
];

describe("pythonGuessType: Python 3.11's built-in mimetypes tables", () => {
  test("every name above", { skip }, async (t) => {
    const answers = JSON.parse(
      (await python.call("guess", [], Buffer.from(JSON.stringify(NAMES)))).toString(),
    ) as [string | null, string | null][];
    const differs: string[] = [];
    NAMES.forEach((name, i) => {
      const [builtIn, host] = answers[i] as [string | null, string | null];
      assert.equal(pythonGuessType(name) ?? null, builtIn, JSON.stringify(name));
      if (builtIn !== host) differs.push(`${name}: ${builtIn} -> ${host}`);
    });
    // What the module-level call answers on this host instead (its /etc/mime.types).
    if (differs.length > 0) t.diagnostic(`this host's mime.types changes: ${differs.join(", ")}`);
  });
  test("every extension in the table, in lower and upper case", { skip }, async () => {
    const extensions = JSON.parse((await python.call("extensions")).toString()) as string[];
    assert.ok(extensions.length > 100);
    const names = extensions.flatMap((e) => [`x${e}`, `x${e.toUpperCase()}`]);
    const answers = JSON.parse(
      (await python.call("guess", [], Buffer.from(JSON.stringify(names)))).toString(),
    ) as [string | null, string | null][];
    names.forEach((name, i) => {
      assert.equal(pythonGuessType(name) ?? null, answers[i]?.[0], name);
    });
  });
});
