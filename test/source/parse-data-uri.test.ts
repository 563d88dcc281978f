import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImgencError } from "../../src/errors.js";
import { dataUriInput, parseDataUri } from "../../src/source/parse-data-uri.js";

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ImgencError, `expected ImgencError, got ${String(error)}`);
    assert.equal(error.code, code, `message was: ${error.message}`);
    return true;
  };
}

// Bytes whose base64 uses "+" and "/" (and so "-" and "_" in the URL-safe alphabet).
const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x10, 0x83, 0x89, 0x50, 0x4e, 0x47, 0x0d]);
const b64 = bytes.toString("base64");

describe("parseDataUri", () => {
  it("decodes standard base64 and describes the header", () => {
    const text = `data:image/png;base64,${b64}`;
    const { bytes: out, info } = parseDataUri(text, "x");
    assert.ok(out.equals(bytes));
    assert.deepEqual(info, {
      mediaType: "image/png",
      header: "image/png;base64",
      base64: true,
      length: text.length,
      text,
    });
  });

  it("is case-insensitive for data: and ;base64 and lower-cases the media type", () => {
    const { bytes: out, info } = parseDataUri(`DATA:Image/PNG;BASE64,${b64}`, "x");
    assert.ok(out.equals(bytes));
    assert.equal(info.mediaType, "image/png");
    assert.equal(info.base64, true);
  });

  it("ignores line breaks as openssl base64 wraps them at 64 columns", () => {
    const big = Buffer.alloc(500);
    for (let i = 0; i < big.length; i++) big[i] = (i * 37) & 0xff;
    const wrapped = big.toString("base64").replace(/.{64}/g, "$&\n");
    assert.ok(wrapped.includes("\n"));
    const { bytes: out } = parseDataUri(`data:image/png;base64,${wrapped}\r\n`, "x");
    assert.ok(out.equals(big));
  });

  it("accepts the URL-safe alphabet without padding", () => {
    const urlSafe = bytes.toString("base64url");
    assert.match(urlSafe, /[-_]/);
    assert.doesNotMatch(urlSafe, /=/);
    assert.ok(parseDataUri(`data:image/png;base64,${urlSafe}`, "x").bytes.equals(bytes));
  });

  it("accepts percent-encoded base64 characters", () => {
    const encoded = encodeURIComponent(b64);
    assert.match(encoded, /%2B|%2F|%3D/);
    assert.ok(parseDataUri(`data:image/png;base64,${encoded}`, "x").bytes.equals(bytes));
  });

  it("percent-decodes a non-base64 payload to bytes", () => {
    const { bytes: out, info } = parseDataUri("data:image/svg+xml,%3Csvg%2F%3E%ff%zz é", "x");
    assert.ok(
      out.equals(Buffer.concat([Buffer.from("<svg/>"), Buffer.from([0xff]), Buffer.from("%zz é")])),
    );
    assert.equal(info.base64, false);
    assert.equal(info.mediaType, "image/svg+xml");
  });

  it("keeps a media type without a subtype and reports none when absent", () => {
    assert.equal(parseDataUri(`data:image;base64,${b64}`, "x").info.mediaType, "image");
    assert.equal(parseDataUri(`data:;base64,${b64}`, "x").info.mediaType, "");
    assert.equal(parseDataUri("data:charset=utf-8,hi", "x").info.mediaType, "");
    assert.equal(parseDataUri("data:,hi", "x").info.mediaType, "");
  });

  it("rejects a missing comma", () => {
    assert.throws(() => parseDataUri(`data:image/png;base64${b64}`, "x"), isCode("bad-data-uri"));
  });

  it("rejects text that is not a data URI", () => {
    assert.throws(() => parseDataUri("image/png;base64,AAAA", "x"), isCode("bad-data-uri"));
  });

  it("names the first bad base64 character and its offset", () => {
    const text = "data:image/png;base64,AAAA!AAA*";
    assert.throws(
      () => parseDataUri(text, "shown"),
      (error) => {
        isCode("bad-data-uri")(error);
        const { message, input } = error as ImgencError;
        assert.equal(input, "shown");
        assert.match(message, /"!"/);
        assert.match(message, new RegExp(`offset ${text.indexOf("!")}\\b`));
        return true;
      },
    );
  });

  it("rejects padding in the middle rather than silently truncating", () => {
    assert.throws(
      () => parseDataUri("data:image/png;base64,QQ==QQ==", "x"),
      isCode("bad-data-uri"),
    );
  });

  it("rejects an empty payload", () => {
    assert.throws(() => parseDataUri("data:image/png;base64,", "x"), isCode("empty"));
    assert.throws(() => parseDataUri("data:image/png;base64,\n \n", "x"), isCode("empty"));
    assert.throws(() => parseDataUri("data:,", "x"), isCode("empty"));
  });

  it("decodes a large payload quickly", () => {
    const big = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const text = `data:image/png;base64,${big.toString("base64").replace(/.{64}/g, "$&\n")}`;
    const start = performance.now();
    const { bytes: out } = parseDataUri(text, "x");
    const elapsed = performance.now() - start;
    assert.ok(out.equals(big));
    // A quadratic decode of 22 MB would take hours; this catches that, not a slow machine.
    assert.ok(elapsed < 30_000, `took ${Math.round(elapsed)} ms`);
  });
});

describe("dataUriInput", () => {
  it("shortens long data URIs and keeps the total length", () => {
    const text = `data:image/png;base64,${"A".repeat(123_456)}`;
    const shown = dataUriInput(text);
    assert.ok(shown.startsWith("data:image/png;base64,AAAA"));
    assert.ok(shown.endsWith(`… (${text.length} chars)`));
    assert.ok(shown.length < 60);
  });

  it("leaves short ones alone and never shows line breaks", () => {
    assert.equal(dataUriInput("data:,hi"), "data:,hi");
    assert.doesNotMatch(dataUriInput(`data:image/png;base64,AA\nAA${"B".repeat(100)}`), /\n/);
  });
});
