import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { fixture, runMain } from "../helpers/cli.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-inspect-"));

interface Report {
  schemaVersion: number;
  input: string;
  kind: string;
  container: string | null;
  mime: string | null;
  dataUri?: { length: number; declaredMime: string; mimeMatches: boolean; base64: boolean };
  url?: { finalUrl: string; contentType: string | null };
  image: {
    format: string;
    width: number;
    height: number;
    channels: number;
    bitDepth: number;
    colourSpace: string;
    iccProfile: { description: string; colourSpace: string } | null;
    orientation: number | null;
    alpha: { channel: boolean; translucentPixels: number | null };
    frames: number;
    progressive: boolean;
  } | null;
  jpeg?: { subsampling: string | null; quality: number | null; standardTables: boolean };
  sizes: { bytes: number; base64Length: number; dataUriLength: number } | null;
  findings: { code: string; severity: string; message: string }[];
  passed: boolean;
}

async function inspectJson(spec: string, input?: string | Buffer) {
  const result = await runMain(["inspect", spec, "--json"], input === undefined ? {} : { input });
  assert.equal(result.stderr, "");
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

function write(name: string, bytes: Buffer): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

const codes = (r: Report) => r.findings.map((f) => f.code);
/** The logo's transparency is its own finding; these tests are about the data URI. */
const lintCodes = (r: Report) => codes(r).filter((code) => code !== "alpha-dropped");

describe("imgenc inspect: files", () => {
  test("a JPEG: container, geometry, subsampling, estimated quality and sizes", async () => {
    const { code, report } = await inspectJson(fixture("photo.jpg"));
    assert.equal(code, 0);
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.container, "jpeg");
    assert.equal(report.mime, "image/jpeg");
    assert.deepEqual([report.image?.width, report.image?.height], [384, 256]);
    assert.deepEqual(report.jpeg, {
      subsampling: "4:4:4",
      greyscale: false,
      quality: 90,
      standardTables: true,
      arithmetic: false,
    });
    const bytes = readFileSync(fixture("photo.jpg")).length;
    assert.deepEqual(report.sizes, {
      bytes,
      base64Length: Buffer.alloc(bytes).toString("base64").length,
      dataUriLength: `data:image/jpeg;base64,${Buffer.alloc(bytes).toString("base64")}`.length,
    });
    // A JPEG source is a second generation on the Pillow path; nothing else is wrong with it.
    assert.deepEqual(codes(report), ["second-jpeg-generation"]);
  });

  test("alpha: counts the pixels that are not fully opaque", async () => {
    const path = fixture("logo-alpha.png");
    const raw = await sharp(path).ensureAlpha().raw().toBuffer();
    let expected = 0;
    for (let i = 3; i < raw.length; i += 4) if ((raw[i] as number) < 255) expected++;
    const { report } = await inspectJson(path);
    assert.equal(report.image?.alpha.channel, true);
    assert.equal(report.image?.alpha.translucentPixels, expected);
    const opaque = write(
      "opaque-rgba.png",
      await sharp(fixture("photo.png")).ensureAlpha().png().toBuffer(),
    );
    const { report: opaqueReport } = await inspectJson(opaque);
    assert.equal(opaqueReport.image?.alpha.channel, true);
    assert.equal(opaqueReport.image?.alpha.translucentPixels, 0);
  });

  test("ICC profile description, EXIF orientation, 16-bit depth, progressive", async () => {
    const { report: p3 } = await inspectJson(fixture("photo-p3.png"));
    assert.equal(p3.image?.iccProfile?.colourSpace, "RGB");
    assert.ok((p3.image?.iccProfile?.description ?? "").length > 0);
    const { report: plain } = await inspectJson(fixture("photo.png"));
    assert.equal(plain.image?.iccProfile, null);
    assert.equal(plain.image?.orientation, null);

    const rotated = write(
      "rotated.jpg",
      await sharp(fixture("photo.png")).withMetadata({ orientation: 6 }).jpeg().toBuffer(),
    );
    assert.equal((await inspectJson(rotated)).report.image?.orientation, 6);

    const samples = Uint16Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 997) % 65536);
    const deep = write(
      "deep.png",
      await sharp(samples, { raw: { width: 16, height: 16, channels: 3 } })
        .toColourspace("rgb16")
        .png()
        .toBuffer(),
    );
    assert.equal((await inspectJson(deep)).report.image?.bitDepth, 16);

    const progressive = write(
      "progressive.jpg",
      await sharp(fixture("photo.png")).jpeg({ progressive: true }).toBuffer(),
    );
    assert.equal((await inspectJson(progressive)).report.image?.progressive, true);
  });

  test("Pillow-written JPEGs: quality and subsampling as saved; animated GIF frames", {
    skip: skipUnlessPython(["PIL"]),
  }, async () => {
    const script = `
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im.save(sys.argv[2] + "/q63-422.jpg", quality=63, subsampling=1)
im.save(sys.argv[2] + "/q97-444.jpg", quality=97, subsampling=0)
frames = [im.resize((64, 48)), im.rotate(90).resize((64, 48)), im.rotate(180).resize((64, 48))]
frames[0].save(sys.argv[2] + "/anim.gif", save_all=True, append_images=frames[1:], duration=100)
`;
    runPython(script, [fixture("photo.png"), work]);
    const q63 = (await inspectJson(join(work, "q63-422.jpg"))).report;
    assert.equal(q63.jpeg?.quality, 63);
    assert.equal(q63.jpeg?.subsampling, "4:2:2");
    const q97 = (await inspectJson(join(work, "q97-444.jpg"))).report;
    assert.equal(q97.jpeg?.quality, 97);
    assert.equal(q97.jpeg?.subsampling, "4:4:4");
    assert.equal((await inspectJson(join(work, "anim.gif"))).report.image?.frames, 3);
  });

  test("a valid image with the wrong extension is what its bytes say", async () => {
    const path = write("really-a-jpeg.png", readFileSync(fixture("photo.jpg")));
    const { code, report } = await inspectJson(path);
    assert.equal(code, 0);
    assert.equal(report.container, "jpeg");
  });

  test("a file that is not an image cannot be read: exit 2, one line", async () => {
    const path = write("error-page.png", Buffer.from("<!DOCTYPE html><title>404</title>"));
    const result = await runMain(["inspect", path]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^imgenc: .*error-page\.png: .*HTML.*\n$/);
  });
});

describe("imgenc inspect: data URIs", () => {
  const png = readFileSync(fixture("logo-alpha.png"));
  const clean = `data:image/png;base64,${png.toString("base64")}`;

  test("a correct data URI: no findings, exit 0, declared type matches", async () => {
    const { code, report } = await inspectJson(clean);
    assert.equal(code, 0);
    assert.equal(report.kind, "data-uri");
    assert.deepEqual(report.dataUri, {
      length: clean.length,
      declaredMime: "image/png",
      mimeMatches: true,
      base64: true,
    });
    assert.deepEqual(lintCodes(report), []);
  });

  test("from stdin, as Python's base64 module writes it", {
    skip: skipUnlessPython([]),
  }, async () => {
    const text = runPython(
      'import base64,sys; sys.stdout.write("data:image/png;base64," + base64.b64encode(open(sys.argv[1],"rb").read()).decode() + "\\n")',
      [fixture("logo-alpha.png")],
    ).toString();
    const { code, report } = await inspectJson("-", text);
    assert.equal(code, 0, JSON.stringify(report.findings));
    assert.equal(report.kind, "stdin");
    assert.equal(report.image?.width, 320);
  });

  test("openssl's line-wrapped base64 is an error a strict decoder would reject", async (t) => {
    const openssl = spawnSync("openssl", ["base64"], { input: png });
    if (openssl.error) {
      if (process.env.CI === "true") throw openssl.error;
      t.skip("openssl not installed");
      return;
    }
    const { code, report } = await inspectJson("-", `data:image/png;base64,${openssl.stdout}`);
    assert.equal(code, 1);
    assert.ok(codes(report).includes("whitespace-in-base64"));
    assert.equal(report.image?.width, 320, "still read, leniently");
  });

  test("missing subtype is a warning (exit 0); a mismatched type is an error (exit 1)", async () => {
    const noSubtype = await inspectJson(`data:image;base64,${png.toString("base64")}`);
    assert.equal(noSubtype.code, 0);
    assert.deepEqual(lintCodes(noSubtype.report), ["missing-subtype"]);
    const mismatch = await inspectJson(`data:image/jpeg;base64,${png.toString("base64")}`);
    assert.equal(mismatch.code, 1);
    assert.deepEqual(lintCodes(mismatch.report), ["media-type-mismatch"]);
    assert.equal(mismatch.report.dataUri?.mimeMatches, false);
  });

  test("a truncated payload is reported as a finding, not a crash", async () => {
    const cut = `data:image/png;base64,${png.subarray(0, 300).toString("base64")}`;
    const { code, report } = await inspectJson(cut);
    assert.equal(code, 1);
    assert.ok(codes(report).includes("corrupt-image"), codes(report).join());
  });

  test("a payload that is not an image, and an unparseable one, are findings (exit 1)", async () => {
    const html = await inspectJson(
      `data:image/png;base64,${Buffer.from("<html>oops</html>").toString("base64")}`,
    );
    assert.equal(html.code, 1);
    assert.ok(codes(html.report).includes("not-an-image"));
    assert.equal(html.report.image, null);
    const broken = await inspectJson("data:image/png;base64,iVBOR*w0K");
    assert.equal(broken.code, 1);
    assert.ok(codes(broken.report).includes("invalid-base64-character"));
  });

  test("the terminal report names each finding with its code", async () => {
    const result = await runMain(["inspect", `data:image;base64,${png.toString("base64")}`]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /findings\n.*\[missing-subtype\]/);
  });
});

describe("imgenc inspect: which client made this", () => {
  interface Identified {
    candidates: { client: string; path: boolean; label: string; why: string }[];
    closest: { client: string; differs: { fact: string }[] }[];
    evidence: { format: string; quality?: number | null };
  }
  const identification = (r: Report) =>
    (r as Report & { identification?: Identified }).identification;

  test("a data URI from the seed's Pillow code: pillow or vllm-legacy, said plainly", {
    skip: skipUnlessPython(["PIL"]),
  }, async () => {
    // The snippet the README opens with, writing the data URI it sends.
    const uri = runPython(
      `import base64, io, sys
from PIL import Image
buf = io.BytesIO()
Image.open(sys.argv[1]).convert("RGB").save(buf, format="JPEG")
sys.stdout.write("data:image;base64," + base64.b64encode(buf.getvalue()).decode())`,
      [fixture("logo-alpha.png")],
    ).toString();
    const { report } = await inspectJson(uri);
    const id = identification(report);
    assert.ok(id);
    assert.deepEqual(
      id.candidates.filter((c) => c.path).map((c) => c.client),
      ["pillow", "vllm-legacy", "raw"],
    );
    assert.equal(id.evidence.quality, 75);
    const text = (await runMain(["inspect", uri])).stdout;
    assert.match(
      text,
      /which client made this\n {2}the bytes {2}q75 4:2:0 with libjpeg's standard tables/,
    );
    assert.match(text, /fit {8}pillow {7}Pillow: img\.convert\("RGB"\)\.save\(buf, "JPEG"\)\n/);
    assert.match(text, /\n {13}vllm-legacy {2}vLLM's older encode_image_base64/);
    assert.match(text, /libjpeg at quality 75 with its other defaults/);
    assert.match(text, /\n {2}3 fit: nothing in these bytes tells them apart\n/);
  });

  test("nothing known fits: the closest paths and what differs", async () => {
    // libjpeg's tables and quality 75 but no JFIF segment: Pillow would have written one.
    const path = write(
      "no-jfif.jpg",
      await sharp(fixture("photo.png")).jpeg({ quality: 75, optimiseCoding: false }).toBuffer(),
    );
    const id = identification((await inspectJson(path)).report);
    assert.deepEqual(
      id?.candidates.map((c) => c.client),
      ["raw"],
    );
    assert.deepEqual(id?.closest.map((c) => [c.client, c.differs.map((d) => d.fact)])[0], [
      "pillow",
      ["jfif"],
    ]);
    const text = (await runMain(["inspect", path])).stdout;
    assert.match(
      text,
      /no known client writes these bytes\n {2}closest: Pillow: .*\(jfif none, not 1\.01, no unit, 1:1\)/,
    );
  });

  test("only JPEG, PNG and WebP are identified", async () => {
    const { report } = await inspectJson(fixture("animated.gif"));
    assert.equal(identification(report), undefined);
    const webp = write("photo.webp", await sharp(fixture("photo.png")).webp().toBuffer());
    assert.ok(identification((await inspectJson(webp)).report)?.candidates.length);
  });
});

describe("imgenc inspect: URLs", () => {
  let server: Server;
  let base = "";
  before(async () => {
    const jpeg = readFileSync(fixture("photo.jpg"));
    server = createServer((req, res) => {
      const type = req.url === "/mislabelled" ? "image/png" : "image/jpeg";
      res.writeHead(200, { "content-type": type }).end(jpeg);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test("reports the final URL and content type; a wrong Content-Type is a warning", async () => {
    const ok = await inspectJson(`${base}/photo.jpg`);
    assert.equal(ok.code, 0);
    assert.deepEqual(ok.report.url, { finalUrl: `${base}/photo.jpg`, contentType: "image/jpeg" });
    assert.deepEqual(codes(ok.report), ["second-jpeg-generation"]);
    const wrong = await inspectJson(`${base}/mislabelled`);
    assert.equal(wrong.code, 0);
    assert.deepEqual(codes(wrong.report), ["content-type-mismatch", "second-jpeg-generation"]);
  });
});
