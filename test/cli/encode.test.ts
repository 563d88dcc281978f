import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { BIN, fixture, ROOT, runMain } from "../helpers/cli.js";
import { noisePng } from "../helpers/images.js";

const PHOTO = fixture("photo.png");
const work = mkdtempSync(join(tmpdir(), "imgenc-encode-"));

function dataUri(stdout: string): { mime: string; bytes: Buffer } {
  const match = /^data:(image\/[a-z+]+);base64,([A-Za-z0-9+/]+=*)\n$/.exec(stdout);
  assert.ok(match, `not one newline-terminated data URI: ${stdout.slice(0, 60)}`);
  return { mime: match[1] as string, bytes: Buffer.from(match[2] as string, "base64") };
}

async function pixels(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).removeAlpha().raw().toBuffer();
}

describe("imgenc encode", () => {
  test("default: one PNG data URI holding exactly the source pixels, nothing on stderr", async () => {
    const result = await runMain(["encode", PHOTO]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
    const { mime, bytes } = dataUri(result.stdout);
    assert.equal(mime, "image/png");
    assert.ok((await pixels(bytes)).equals(await pixels(readFileSync(PHOTO))));
  });

  test("--lossy is the Pillow-default JPEG that compare measures", async () => {
    const encoded = await runMain(["encode", PHOTO, "--lossy"]);
    const emitted = await runMain(["compare", PHOTO, "--emit", "lossy"]);
    assert.equal(dataUri(encoded.stdout).mime, "image/jpeg");
    assert.equal(encoded.stdout, emitted.stdout);
  });

  test("--format and --quality choose other encodings", async () => {
    const webp = dataUri((await runMain(["encode", PHOTO, "--format", "webp", "-q", "50"])).stdout);
    assert.equal(webp.mime, "image/webp");
    assert.equal((await sharp(webp.bytes).metadata()).format, "webp");
    const q90 = dataUri((await runMain(["encode", PHOTO, "--format", "jpeg", "-q", "90"])).stdout);
    const q75 = dataUri((await runMain(["encode", PHOTO, "--lossy"])).stdout);
    assert.ok(q90.bytes.length > q75.bytes.length);
  });

  test("--lossless original keeps API formats byte for byte and refuses others", async () => {
    const jpeg = fixture("photo.jpg");
    const kept = dataUri((await runMain(["encode", jpeg, "--lossless", "original"])).stdout);
    assert.equal(kept.mime, "image/jpeg");
    assert.ok(kept.bytes.equals(readFileSync(jpeg)));
    const tiff = join(work, "photo.tiff");
    writeFileSync(tiff, await sharp(PHOTO).tiff().toBuffer());
    const refused = await runMain(["encode", tiff, "--lossless", "original"]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /photo\.tiff: .*TIFF.*PNG, JPEG, WebP, GIF/);
  });

  test("--base64 prints bare base64", async () => {
    const result = await runMain(["encode", PHOTO, "--base64"]);
    assert.match(result.stdout, /^[A-Za-z0-9+/]+=*\n$/);
    const uri = await runMain(["encode", PHOTO]);
    assert.equal(`data:image/png;base64,${result.stdout}`, uri.stdout);
  });

  test("--request prints the content part each API expects", async () => {
    const openai = JSON.parse((await runMain(["encode", PHOTO, "--request", "openai"])).stdout);
    assert.deepEqual(Object.keys(openai), ["type", "image_url"]);
    assert.equal(openai.type, "image_url");
    assert.match(openai.image_url.url, /^data:image\/png;base64,iVBOR/);
    const anthropic = JSON.parse(
      (await runMain(["encode", PHOTO, "--lossy", "--request", "anthropic"])).stdout,
    );
    assert.equal(anthropic.type, "image");
    assert.deepEqual(Object.keys(anthropic.source), ["type", "media_type", "data"]);
    assert.equal(anthropic.source.type, "base64");
    assert.equal(anthropic.source.media_type, "image/jpeg");
    assert.equal(
      Buffer.from(anthropic.source.data, "base64").subarray(0, 2).toString("hex"),
      "ffd8",
    );
  });

  test("-o writes the same text to a file and never onto the input", async () => {
    const out = join(work, "uri.txt");
    const result = await runMain(["encode", PHOTO, "-o", out]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "");
    assert.equal(readFileSync(out, "utf8"), (await runMain(["encode", PHOTO])).stdout);
    const input = join(work, "input.png");
    writeFileSync(input, readFileSync(PHOTO));
    const onto = await runMain(["encode", input, "-o", input]);
    assert.equal(onto.code, 2);
    assert.ok(readFileSync(input).equals(readFileSync(PHOTO)));
  });

  test("conflicting options are usage errors", async () => {
    for (const args of [
      ["--lossy", "--format", "png"],
      ["--lossless", "original", "--lossy"],
      ["--base64", "--request", "openai"],
      ["--request", "gemini"],
    ]) {
      const result = await runMain(["encode", PHOTO, ...args]);
      assert.equal(result.code, 2, args.join(" "));
      assert.equal(result.stdout, "");
    }
  });
});

describe("imgenc encode budgets", () => {
  test("--max-side shrinks the long side and says so; never enlarges", async () => {
    const result = await runMain(["encode", PHOTO, "--max-side", "100"]);
    assert.equal(result.code, 0);
    const meta = await sharp(dataUri(result.stdout).bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [100, 67]);
    assert.match(result.stderr, /resized 384x256 to 100x67/);
    const larger = await runMain(["encode", PHOTO, "--max-side", "1000"]);
    assert.equal(larger.stderr, "");
    const same = await sharp(dataUri(larger.stdout).bytes).metadata();
    assert.deepEqual([same.width, same.height], [384, 256]);
  });

  test("--max-bytes lowers a JPEG's quality before shrinking it", async () => {
    const full = dataUri((await runMain(["encode", PHOTO, "--lossy"])).stdout);
    const limit = Math.floor(full.bytes.length * 0.8);
    const result = await runMain(["encode", PHOTO, "--lossy", "--max-bytes", String(limit)]);
    assert.equal(result.code, 0, result.stderr);
    const fitted = dataUri(result.stdout);
    assert.ok(fitted.bytes.length <= limit, `${fitted.bytes.length} > ${limit}`);
    const meta = await sharp(fitted.bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [384, 256], "quality alone was enough");
    assert.match(result.stderr, /lowered quality 75 to \d+/);
  });

  test("--max-bytes shrinks a PNG until it fits", async () => {
    const result = await runMain(["encode", PHOTO, "--max-bytes", "20000"]);
    assert.equal(result.code, 0, result.stderr);
    const fitted = dataUri(result.stdout);
    assert.ok(fitted.bytes.length <= 20000);
    const meta = await sharp(fitted.bytes).metadata();
    assert.ok((meta.width ?? 0) < 384 && meta.format === "png");
    assert.match(result.stderr, /resized 384x256 to \d+x\d+/);
  });

  test("a budget that cannot be met is exit 2 with a clear line", async () => {
    const result = await runMain(["encode", PHOTO, "--lossy", "--max-bytes", "100"]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^imgenc: .*photo\.png: cannot fit in 100 bytes/);
    const original = await runMain(["encode", PHOTO, "--lossless", "original", "--max-side", "10"]);
    assert.equal(original.code, 2);
    assert.match(original.stderr, /drop --lossless original/);
  });
});

describe("imgenc encode --request: the API's own limits by default", () => {
  // 1200x1200 noise: a 4.3 MB PNG file, whose base64 (5.8 MB) is over Anthropic's 5 MB.
  let noisy = "";
  let wide = "";
  before(async () => {
    noisy = join(work, "noise-4mb.png");
    writeFileSync(noisy, await noisePng(1200, 1200));
    wide = join(work, "wide.png");
    writeFileSync(wide, await noisePng(8100, 4));
  });
  const part = (stdout: string) => JSON.parse(stdout);

  test("anthropic: the base64 text is kept under 5 MB, though the file already was", async () => {
    assert.ok(statSync(noisy).size < 5 * 1024 ** 2);
    const result = await runMain(["encode", noisy, "--request", "anthropic"]);
    assert.equal(result.code, 0, result.stderr);
    const { data } = part(result.stdout).source;
    assert.ok(data.length <= 5 * 1024 ** 2, `${data.length} base64 bytes`);
    assert.ok(data.length > 4 * 1024 ** 2, "shrunk no more than it had to");
    assert.match(result.stderr, /resized 1200x1200 to \d+x\d+/);
    // OpenAI's 20 MB leaves it alone; a typed limit wins over the API's.
    const openai = await runMain(["encode", noisy, "--request", "openai"]);
    assert.equal(openai.stderr, "");
    const typed = await runMain([
      "encode",
      noisy,
      "--request",
      "anthropic",
      "--max-base64-bytes",
      "8MB",
    ]);
    assert.equal(typed.stderr, "");
  });

  test("anthropic: the original bytes over its limit are exit 2, naming the base64 size", async () => {
    const result = await runMain([
      "encode",
      noisy,
      "--lossless",
      "original",
      "--request",
      "anthropic",
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /the original bytes are 5,7\d\d,\d{3} bytes as base64, over --max-base64-bytes 5,242,880; drop --lossless original/,
    );
  });

  test("anthropic: over 8000 px is shrunk to 8000", async () => {
    const result = await runMain(["encode", wide, "--request", "anthropic"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /resized 8100x4 to 8000x4/);
    const meta = await sharp(Buffer.from(part(result.stdout).source.data, "base64")).metadata();
    assert.deepEqual([meta.width, meta.height], [8000, 4]);
  });

  test("--max-base64-bytes without --request counts the base64 text", async () => {
    const result = await runMain(["encode", PHOTO, "--max-base64-bytes", "20000", "--base64"]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.trimEnd().length <= 20000);
    const small = await runMain(["encode", PHOTO, "--lossy", "--max-base64-bytes", "100"]);
    assert.match(small.stderr, /cannot fit in 100 bytes of base64 \(75 bytes\)/);
  });
});

describe("imgenc encode into a closed pipe", () => {
  let big = "";
  before(async () => {
    big = join(work, "noise.png");
    writeFileSync(big, await noisePng(1200, 1200));
  });

  test("a reader that stops after 100 bytes ends imgenc quietly with exit 0", async () => {
    const child = spawn(process.execPath, [BIN, "encode", big], { cwd: ROOT });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    let received = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      received += chunk.length;
      // Like `head -c 100`: take what we need, then close our end of the pipe.
      if (received >= 100) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.ok(received >= 100);
    assert.equal(Buffer.concat(stderr).toString(), "");
    assert.equal(code, 0);
  });

  test("the same through a shell pipe into head", async () => {
    const script = `"${process.execPath}" "${BIN}" encode "${big}" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const child = spawn("bash", ["-c", script], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    await new Promise((resolve) => child.on("close", resolve));
    assert.equal(err, "");
    assert.equal(out.trim(), "0");
  });
});
