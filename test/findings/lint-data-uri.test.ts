import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import {
  DATA_URI_CODES,
  type DataUriLint,
  hasErrors,
  lintDataUri,
} from "../../src/findings/lint-data-uri.js";
import type { Finding } from "../../src/findings/types.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { rng } from "../helpers/random.js";

const codes = (lint: DataUriLint) => lint.findings.map((f) => f.code);

function only(lint: DataUriLint, code: string): Finding {
  const found = lint.findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(codes(lint))}`);
  return found[0] as Finding;
}

/** Skip when a command-line tool is missing, except in CI where that must fail. */
function skipUnlessTool(command: string, args: string[]): string | false {
  if (process.env.CI === "true") return false;
  return spawnSync(command, args).error === undefined ? false : `${command} not found`;
}

function run(command: string, args: string[], input: Buffer): string {
  const result = spawnSync(command, args, { input, maxBuffer: 1 << 30 });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout.toString("latin1");
}

let png: Buffer;
let noisy: Buffer;
let jpeg: Buffer;

before(async () => {
  const solid = () =>
    sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 30, b: 90 } } });
  png = await solid().png().toBuffer();
  jpeg = await solid().jpeg().toBuffer();
  // Big enough that wrapping encoders produce many lines.
  noisy = await sharp({
    create: {
      width: 24,
      height: 24,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
  assert.ok(noisy.length > 600);
});

describe("clean data URIs", () => {
  test("data:image/png;base64 made by Node has no findings", () => {
    const lint = lintDataUri(`data:image/png;base64,${png.toString("base64")}`);
    assert.deepEqual(lint.findings, []);
    assert.equal(lint.mediaType, "image/png");
    assert.equal(lint.base64, true);
    assert.equal(lint.sniffed, "png");
    assert.ok(lint.bytes?.equals(png));
    assert.equal(hasErrors(lint.findings), false);
  });

  test("JPEG declared as image/jpeg has no findings", () => {
    const lint = lintDataUri(`data:image/jpeg;base64,${jpeg.toString("base64")}`);
    assert.deepEqual(codes(lint), []);
    assert.equal(lint.sniffed, "jpeg");
  });
});

describe("data URIs made by other tools", () => {
  test("Python base64.b64encode", { skip: skipUnlessPython(["base64"]) }, () => {
    const script =
      "import sys, base64\n" +
      'sys.stdout.buffer.write(b"data:image/png;base64," + base64.b64encode(sys.stdin.buffer.read()))';
    const text = runPython(script, [], noisy).toString("latin1");
    const lint = lintDataUri(text);
    assert.deepEqual(codes(lint), []);
    assert.ok(lint.bytes?.equals(noisy));
  });

  test("Python base64.urlsafe_b64encode(...).rstrip(b'=')", {
    skip: skipUnlessPython(["base64"]),
  }, () => {
    // Align so the tail encodes to "////" and "++8" (URL-safe "____" and "--8", one "=" short).
    const align = Buffer.alloc((3 - (png.length % 3)) % 3);
    const data = Buffer.concat([png, align, Buffer.from([0xff, 0xff, 0xff, 0xfb, 0xef])]);
    const script =
      "import sys, base64\n" +
      'sys.stdout.buffer.write(b"data:image/png;base64," + base64.urlsafe_b64encode(sys.stdin.buffer.read()).rstrip(b"="))';
    const text = runPython(script, [], data).toString("latin1");
    const lint = lintDataUri(text);
    assert.deepEqual(codes(lint), ["url-safe-alphabet", "bad-padding"]);
    const urlSafe = only(lint, "url-safe-alphabet");
    assert.ok((urlSafe.data?.count as number) >= 6);
    assert.equal(text[urlSafe.data?.offset as number], "_");
    assert.deepEqual(only(lint, "bad-padding").data?.kind, "missing");
    assert.equal(only(lint, "bad-padding").data?.missing, 1);
    // The lenient reader still gets the bytes back.
    assert.ok(lint.bytes?.equals(data));
    assert.equal(lint.sniffed, "png");
  });

  test("openssl base64 wraps at 64 columns", {
    skip: skipUnlessTool("openssl", ["version"]),
  }, () => {
    const encoded = run("openssl", ["base64"], noisy);
    const lines = encoded.split("\n").length - 1;
    const lint = lintDataUri(`data:image/png;base64,${encoded}`);
    assert.deepEqual(codes(lint), ["whitespace-in-base64"]);
    const data = only(lint, "whitespace-in-base64").data;
    assert.equal(data?.wrapWidth, 64);
    assert.equal(data?.lineBreaks, lines);
    assert.equal(data?.count, lines);
    assert.equal(data?.offset, "data:image/png;base64,".length + 64);
    assert.ok(lint.bytes?.equals(noisy));
  });

  test("coreutils base64 wraps at 76 columns", {
    skip: skipUnlessTool("base64", ["--version"]),
  }, () => {
    const encoded = run("base64", [], noisy);
    const lint = lintDataUri(`data:image/png;base64,${encoded}`);
    assert.deepEqual(codes(lint), ["whitespace-in-base64"]);
    assert.equal(only(lint, "whitespace-in-base64").data?.wrapWidth, 76);
  });

  test("CRLF line breaks still count as 76-column wrapping", () => {
    const encoded = noisy.toString("base64").replace(/.{76}/g, "$&\r\n");
    const lint = lintDataUri(`data:image/png;base64,${encoded}`);
    const data = only(lint, "whitespace-in-base64").data;
    assert.equal(data?.wrapWidth, 76);
    assert.equal(data?.count, 2 * (data?.lineBreaks as number));
  });

  test("base64 -w0 is clean", { skip: skipUnlessTool("base64", ["--version"]) }, () => {
    const encoded = run("base64", ["-w0"], noisy);
    assert.deepEqual(codes(lintDataUri(`data:image/png;base64,${encoded}`)), []);
  });

  test("FileReader.readAsDataURL of a PNG file", () => {
    const text = `data:image/png;base64,${noisy.toString("base64")}`;
    assert.deepEqual(codes(lintDataUri(text)), []);
  });

  test("FileReader.readAsDataURL of a file with an unknown type", () => {
    const lint = lintDataUri(`data:application/octet-stream;base64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["non-image-media-type"]);
    const data = only(lint, "non-image-media-type").data;
    assert.equal(data?.declared, "application/octet-stream");
    assert.equal(data?.detected, "png");
    assert.equal(data?.suggested, "image/png");
    assert.equal(lint.mediaType, "application/octet-stream");
  });
});

describe("media types", () => {
  test("data:image;base64 is missing a subtype", () => {
    const lint = lintDataUri(`data:image;base64,${jpeg.toString("base64")}`);
    assert.deepEqual(codes(lint), ["missing-subtype"]);
    assert.equal(only(lint, "missing-subtype").severity, "warning");
    assert.equal(only(lint, "missing-subtype").data?.suggested, "image/jpeg");
    assert.equal(lint.mediaType, "image");
  });

  test("data:;base64 has no media type", () => {
    const lint = lintDataUri(`data:;base64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["missing-media-type"]);
    assert.equal(lint.mediaType, "");
  });

  test("image/png declared for JPEG bytes", () => {
    const lint = lintDataUri(`data:image/png;base64,${jpeg.toString("base64")}`);
    assert.deepEqual(codes(lint), ["media-type-mismatch"]);
    const data = only(lint, "media-type-mismatch").data;
    assert.equal(data?.declared, "image/png");
    assert.equal(data?.detected, "jpeg");
    assert.equal(data?.suggested, "image/jpeg");
  });

  test("image/jpg is a warning-level alias of image/jpeg", () => {
    const lint = lintDataUri(`data:image/jpg;base64,${jpeg.toString("base64")}`);
    assert.deepEqual(codes(lint), ["nonstandard-media-type"]);
    assert.equal(only(lint, "nonstandard-media-type").data?.suggested, "image/jpeg");
    assert.equal(hasErrors(lint.findings), false);
  });

  test("image/jpg for PNG bytes is a mismatch", () => {
    const lint = lintDataUri(`data:image/jpg;base64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["media-type-mismatch"]);
  });

  test("upper-case type and marker", () => {
    const lint = lintDataUri(`data:IMAGE/PNG;BASE64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["nonstandard-media-type", "nonstandard-base64-marker"]);
    assert.equal(lint.mediaType, "image/png");
    assert.equal(lint.base64, true);
  });

  test("parameters before ;base64", () => {
    const lint = lintDataUri(`data:image/png;charset=utf-8;base64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["media-type-parameters"]);
    assert.equal(only(lint, "media-type-parameters").data?.parameters, "charset=utf-8");
    assert.equal(lint.mediaType, "image/png");
  });

  test("a parameter where the type belongs", () => {
    const lint = lintDataUri(`data:charset=utf-8;base64,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["missing-media-type", "media-type-parameters"]);
    assert.equal(only(lint, "media-type-parameters").data?.parameters, "charset=utf-8");
    assert.equal(only(lint, "media-type-parameters").data?.count, 1);
    assert.equal(lint.mediaType, "");
  });

  test("text/plain with an HTML page inside", () => {
    const html = Buffer.from("<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>");
    const lint = lintDataUri(`data:text/plain;base64,${html.toString("base64")}`);
    assert.deepEqual(codes(lint), ["non-image-media-type", "not-an-image"]);
    assert.equal(only(lint, "non-image-media-type").data?.detected, "html");
    assert.equal(only(lint, "not-an-image").data?.detected, "html");
    assert.equal(lint.sniffed, "html");
  });

  test("bytes of no known format", () => {
    const lint = lintDataUri(
      `data:image/png;base64,${Buffer.from("hello world").toString("base64")}`,
    );
    assert.deepEqual(codes(lint), ["not-an-image"]);
    assert.equal(only(lint, "not-an-image").data?.detected, "unknown");
  });

  test("a data URI encoded twice", () => {
    const inner = `data:image/png;base64,${png.toString("base64")}`;
    const lint = lintDataUri(`data:image/png;base64,${Buffer.from(inner).toString("base64")}`);
    assert.deepEqual(codes(lint), ["not-an-image"]);
    assert.equal(only(lint, "not-an-image").data?.encodedTwice, true);
  });
});

describe("encoding", () => {
  test("percent-encoded payload is not base64", () => {
    const percent = [...png].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
    const lint = lintDataUri(`data:image/png,${percent}`);
    assert.deepEqual(codes(lint), ["not-base64"]);
    assert.equal(lint.base64, false);
    assert.equal(lint.sniffed, "png");
    assert.ok(lint.bytes?.equals(png));
  });

  test("base64 payload without the ;base64 marker", () => {
    const lint = lintDataUri(`data:image/png,${png.toString("base64")}`);
    assert.deepEqual(codes(lint), ["not-base64"]);
    assert.equal(only(lint, "not-base64").data?.base64WithoutMarker, true);
  });

  test("empty payload", () => {
    const lint = lintDataUri("data:image/png;base64,");
    assert.deepEqual(codes(lint), ["empty-payload"]);
    assert.equal(lint.bytes, undefined);
    assert.deepEqual(codes(lintDataUri("data:image/png;base64,==\n")), ["empty-payload"]);
  });

  test("trailing newline", () => {
    const lint = lintDataUri(`data:image/png;base64,${png.toString("base64")}\r\n`);
    assert.deepEqual(codes(lint), ["trailing-whitespace"]);
    assert.equal(only(lint, "trailing-whitespace").data?.count, 2);
    assert.equal(hasErrors(lint.findings), false);
  });

  for (const [name, bad, char] of [
    ["*", "*", '"*"'],
    ["!", "!", '"!"'],
    ["é", "é", "U+00E9"],
    ["an emoji", "😀", "U+1F600"],
    ["a NUL", "\0", "U+0000"],
  ] as const) {
    test(`invalid character ${name}`, () => {
      const b64 = png.toString("base64");
      const text = `data:image/png;base64,${b64.slice(0, 20)}${bad}${b64.slice(20)}${bad}`;
      const lint = lintDataUri(text);
      assert.deepEqual(codes(lint), ["invalid-base64-character"]);
      const data = only(lint, "invalid-base64-character").data;
      assert.equal(data?.char, char);
      assert.equal(data?.offset, "data:image/png;base64,".length + 20);
      assert.equal(data?.count, 2);
      assert.equal(lint.bytes, undefined);
    });
  }

  test("URL-encoded base64 (%2B, %2F, %3D)", () => {
    const b64 = Buffer.from([0xfb, 0xef, ...png]).toString("base64");
    const text = `data:image/png;base64,${encodeURIComponent(b64)}`;
    const data = only(lintDataUri(text), "invalid-base64-character").data;
    assert.equal(data?.char, '"%"');
    assert.equal(data?.percentEncoded, true);
  });

  test('"=" in the middle', () => {
    const first = png.subarray(0, 31).toString("base64");
    assert.ok(first.endsWith("="));
    const text = `data:image/png;base64,${first}${png.subarray(31).toString("base64")}`;
    const lint = lintDataUri(text);
    assert.deepEqual(codes(lint), ["bad-padding"]);
    const data = only(lint, "bad-padding").data;
    assert.equal(data?.kind, "misplaced");
    assert.equal(data?.offset, text.indexOf("="));
  });

  test("too much padding and an impossible length", () => {
    const b64 = png.subarray(0, 30).toString("base64");
    const excess = lintDataUri(`data:image/png;base64,${b64}==`);
    assert.equal(only(excess, "bad-padding").data?.kind, "excess");
    const stray = lintDataUri(`data:image/png;base64,${b64}A`);
    assert.equal(only(stray, "bad-padding").data?.kind, "impossible-length");
  });
});

describe("not a data URI", () => {
  test("missing comma", () => {
    const lint = lintDataUri("data:image/png;base64");
    assert.deepEqual(codes(lint), ["not-data-uri"]);
    assert.equal(only(lint, "not-data-uri").data?.reason, "no-comma");
  });

  test("bare base64 without data:", () => {
    const lint = lintDataUri(png.toString("base64"));
    assert.deepEqual(codes(lint), ["not-data-uri"]);
    assert.equal(only(lint, "not-data-uri").data?.reason, "bare-base64");
    assert.equal(only(lint, "not-data-uri").data?.detected, "png");
  });

  test("a path, an empty string and a quoted data URI", () => {
    assert.equal(only(lintDataUri("photo.png"), "not-data-uri").data?.reason, "no-scheme");
    assert.equal(only(lintDataUri(""), "not-data-uri").data?.reason, "empty");
    const quoted = lintDataUri(`"data:image/png;base64,${png.toString("base64")}"`);
    assert.equal(only(quoted, "not-data-uri").data?.reason, "text-before-scheme");
  });

  test("case-insensitive scheme", () => {
    assert.deepEqual(codes(lintDataUri(`DATA:image/png;base64,${png.toString("base64")}`)), []);
  });
});

// These guard against a pass that is quadratic in the text's length, which on 20 MB would take
// hours: the ceiling catches that, not a slow machine.
const NOT_QUADRATIC_MS = 30_000;

describe("size", () => {
  // A PNG signature followed by ~15 MB of bytes: valid to every check here, 20 MB of text.
  const big = () => {
    const bytes = Buffer.alloc(15_000_000);
    png.copy(bytes);
    for (let i = png.length; i < bytes.length; i += 7) bytes[i] = i & 0xff;
    return bytes;
  };

  test("a 20 MB data URI is linted quickly", () => {
    const text = `data:image/png;base64,${big().toString("base64")}`;
    assert.ok(text.length >= 20_000_000);
    const started = performance.now();
    const lint = lintDataUri(text);
    const ms = performance.now() - started;
    assert.deepEqual(codes(lint), []);
    assert.equal(lint.bytes?.length, 15_000_000);
    assert.ok(ms < NOT_QUADRATIC_MS, `took ${ms.toFixed(0)} ms`);
  });

  test("a 20 MB garbage header is linted quickly", () => {
    const text = `data:image/png;${"a;".repeat(10_000_000)}base64,${png.toString("base64")}`;
    const started = performance.now();
    const lint = lintDataUri(text);
    const ms = performance.now() - started;
    assert.deepEqual(codes(lint), ["media-type-parameters"]);
    assert.equal(only(lint, "media-type-parameters").data?.count, 10_000_000);
    assert.ok(ms < NOT_QUADRATIC_MS, `took ${ms.toFixed(0)} ms`);
  });

  test("a 20 MB wrapped data URI (slow path) is linted quickly", () => {
    const text = `data:image/png;base64,${big().toString("base64").replace(/.{76}/g, "$&\n")}`;
    const started = performance.now();
    const lint = lintDataUri(text);
    const ms = performance.now() - started;
    assert.deepEqual(codes(lint), ["whitespace-in-base64"]);
    assert.equal(only(lint, "whitespace-in-base64").data?.wrapWidth, 76);
    assert.ok(ms < NOT_QUADRATIC_MS, `took ${ms.toFixed(0)} ms`);
  });
});

describe("never throws (property-style)", () => {
  const pieces = [
    ..."AZaz09+/=-_%,;: \t\r\n\f*!\"'é😀\0",
    "\uD800",
    "\uDC00",
    "data:",
    "DATA:",
    "image/png",
    "image",
    "image/jpg",
    "text/plain",
    ";base64",
    ";BASE64",
    ";charset=utf-8",
    ",",
    "%2B",
    "%89PNG",
    "iVBORw0KGgo",
    "/9j/",
    "R0lGODlh",
    "PCFET0NUWVBFIGh0bWw+",
    "==",
  ];
  const known = new Map<string, string>(DATA_URI_CODES.map((c) => [c.code, c.severity]));

  function check(text: string): void {
    let lint: DataUriLint;
    try {
      lint = lintDataUri(text);
    } catch (error) {
      assert.fail(`threw on ${JSON.stringify(text)}: ${String(error)}`);
    }
    for (const f of lint.findings) {
      assert.equal(known.get(f.code), f.severity, `${f.code} on ${JSON.stringify(text)}`);
      assert.ok(f.message.length > 0 && !/[\n\r]/.test(f.message), f.message);
      for (const value of Object.values(f.data ?? {})) {
        assert.ok(value === null || ["string", "number", "boolean"].includes(typeof value));
      }
    }
    const order = lint.findings.map((f) => DATA_URI_CODES.findIndex((c) => c.code === f.code));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `report order on ${JSON.stringify(text)}`,
    );
    assert.equal(lint.sniffed === undefined, lint.bytes === undefined);
    // Without errors the reader must accept the text and find an image in it.
    if (!hasErrors(lint.findings)) {
      assert.ok(lint.bytes !== undefined, `no errors but undecodable: ${JSON.stringify(text)}`);
      assert.ok(!["unknown", "html"].includes(lint.sniffed as string), JSON.stringify(text));
    }
  }

  test("2000 random data-URI-ish strings", () => {
    const random = rng(0x1abe11ed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    for (let n = 0; n < 2000; n++) {
      let text = random() < 0.6 ? "data:" : "";
      const count = Math.floor(random() * 40);
      for (let i = 0; i < count; i++) text += pick(pieces);
      check(text);
    }
  });

  test("1000 random mutations of a valid data URI", () => {
    const random = rng(42);
    const valid = `data:image/png;base64,${png.toString("base64")}`;
    for (let n = 0; n < 1000; n++) {
      let text = valid;
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (text.length + 1));
        const piece = pieces[Math.floor(random() * pieces.length)] as string;
        const op = random();
        if (op < 0.4) text = text.slice(0, at) + piece + text.slice(at);
        else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
        else text = text.slice(0, at) + piece + text.slice(at + piece.length);
      }
      check(text);
    }
  });
});

describe("DATA_URI_CODES", () => {
  test("codes are unique kebab-case with a severity", () => {
    const seen = new Set<string>();
    for (const { code, severity, summary } of DATA_URI_CODES) {
      assert.match(code, /^[a-z]+(?:-[a-z0-9]+)*$/);
      assert.ok(["error", "warning", "info"].includes(severity));
      assert.ok(summary.length > 0);
      assert.ok(!seen.has(code), code);
      seen.add(code);
    }
  });
});
