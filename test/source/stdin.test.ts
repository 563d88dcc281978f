import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { ImgencError } from "../../src/errors.js";
import { SNIFF_AFTER_BYTES } from "../../src/source/limit.js";
import { readStdin } from "../../src/source/stdin.js";
import { noisePng } from "../helpers/images.js";

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ImgencError, `expected ImgencError, got ${String(error)}`);
    assert.equal(error.code, code, `message was: ${error.message}`);
    return true;
  };
}

const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe("readStdin", () => {
  it("returns image bytes as they are", async () => {
    const result = await readStdin(Readable.from([image.subarray(0, 5), image.subarray(5)]));
    assert.ok(result.bytes.equals(image));
    assert.equal(result.dataUri, undefined);
  });

  it("parses data-URI text with surrounding whitespace and a trailing newline", async () => {
    const text = `data:image/png;base64,${image.toString("base64")}`;
    const result = await readStdin(
      Readable.from([Buffer.from(`  \n${text.slice(0, 10)}`), Buffer.from(`${text.slice(10)}\n`)]),
    );
    assert.ok(result.bytes.equals(image));
    assert.equal(result.dataUri?.mediaType, "image/png");
    assert.equal(result.dataUri?.length, text.length);
  });

  it("recognises DATA: case-insensitively, after a UTF-8 BOM", async () => {
    const text = `\ufeffDATA:image/png;BASE64,${image.toString("base64")}\r\n`;
    const result = await readStdin(Readable.from([Buffer.from(text, "utf8")]));
    assert.ok(result.bytes.equals(image));
  });

  it("reports empty stdin as empty with input -", async () => {
    await assert.rejects(readStdin(Readable.from([])), (error) => {
      isCode("empty")(error);
      assert.equal((error as ImgencError).input, "-");
      return true;
    });
    await assert.rejects(readStdin(Readable.from([Buffer.from(" \n")])), isCode("empty"));
  });

  it("reports a broken data URI with input -", async () => {
    await assert.rejects(
      readStdin(Readable.from([Buffer.from("data:image/png;base64\n")])),
      (e) => {
        isCode("bad-data-uri")(e);
        assert.equal((e as ImgencError).input, "-");
        return true;
      },
    );
  });

  it("caps what it reads", async () => {
    await assert.rejects(
      readStdin(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxInputBytes: 1000 }),
      isCode("too-large"),
    );
  });

  it("reads a data URI longer than the sniffing window whole", async () => {
    const png = await noisePng(200, 200);
    const text = `\n\n  data:image/png;base64,${png.toString("base64")}\n`;
    assert.ok(text.length > 2 * SNIFF_AFTER_BYTES);
    const chunks = [];
    for (let i = 0; i < text.length; i += 16 * 1024)
      chunks.push(Buffer.from(text.slice(i, i + 16 * 1024)));
    const result = await readStdin(Readable.from(chunks));
    assert.ok(result.bytes.equals(png));
  });

  it("ends stdin that never closes at timeoutMs, naming -", async () => {
    const open = new Readable({ read() {} });
    await assert.rejects(readStdin(open, { timeoutMs: 50 }), (error) => {
      isCode("timeout")(error);
      assert.equal((error as ImgencError).input, "-");
      assert.match((error as ImgencError).message, /^timed out after 0\.05 s: stdin sent nothing/);
      return true;
    });
  });
});
