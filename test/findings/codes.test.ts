import assert from "node:assert/strict";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { compare } from "../../src/compare.js";
import { FINDING_CODES, type FindingCodeInfo } from "../../src/findings/codes.js";
import { lintDataUri } from "../../src/findings/lint-data-uri.js";
import type { Finding } from "../../src/findings/types.js";
import { inspect } from "../../src/inspect.js";
import { fixture, ROOT } from "../helpers/cli.js";

/**
 * The linter only sniffs the payload's head, so fixed bytes stand in for an image: a PNG
 * signature and IHDR tag, then bytes whose base64 holds "+" and "/", then filler; 100 bytes,
 * so the base64 ends in "==".
 */
const PNG_HEAD = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
const png = Buffer.concat([
  PNG_HEAD,
  Buffer.from([0xfb, 0xef, 0xff, 0xfe, 0x3e, 0x3f]),
  Buffer.alloc(78, 7),
]);
const b64 = png.toString("base64");
const jpeg = Buffer.from("ffd8ffe000104a46494600010100000100010000ffdb", "hex");
const html = Buffer.from("<!DOCTYPE html><html><body>Sign in</body></html>");

/**
 * One data URI per message variant, with the code and message imgenc reported for it before
 * messages were rendered from code and data; the wording must not drift.
 */
const DATA_URIS: Array<[string, string, Array<[string, string]>]> = [
  [
    "empty text",
    "",
    [["not-data-uri", 'empty text; pass a data URI such as "data:image/png;base64,…"']],
  ],
  [
    "a quote before data:",
    ` "data:image/png;base64,${b64}`,
    [["not-data-uri", '2 characters (whitespace, a quote or a BOM?) before "data:"; remove them']],
  ],
  [
    "bare base64",
    b64,
    [
      [
        "not-data-uri",
        'bare base64 of PNG bytes without a header; prepend "data:image/png;base64,"',
      ],
    ],
  ],
  [
    "a file name",
    "hello.png",
    [
      [
        "not-data-uri",
        'does not start with "data:"; a data URI looks like "data:image/png;base64,<base64>"',
      ],
    ],
  ],
  [
    "no comma",
    "data:image/png;base64",
    [["not-data-uri", 'no comma after the header; write "data:image/png;base64,<base64>"']],
  ],
  [
    "no media type",
    `data:;base64,${b64}`,
    [
      [
        "missing-media-type",
        'no media type declared; OpenAI and Anthropic need one and qwen-vl-utils needs "data:image"; declare image/png',
      ],
    ],
  ],
  [
    "no subtype",
    `data:image;base64,${b64}`,
    [
      [
        "missing-subtype",
        'media type "image" has no subtype: accepted by vLLM and qwen-vl-utils, rejected by stricter APIs (OpenAI, Anthropic); declare image/png',
      ],
    ],
  ],
  [
    "text/plain holding a PNG",
    `data:text/plain;base64,${b64}`,
    [
      [
        "non-image-media-type",
        'declared "text/plain" is not an image type (qwen-vl-utils and the APIs reject it); the bytes are PNG; declare image/png',
      ],
    ],
  ],
  [
    "text/html holding HTML",
    `data:text/html;base64,${html.toString("base64")}`,
    [
      [
        "non-image-media-type",
        'declared "text/html" is not an image type (qwen-vl-utils and the APIs reject it); the bytes are an HTML page, not an image; encode the image file itself',
      ],
      [
        "not-an-image",
        "the payload is an HTML page (an error or login page?), not an image; encode the image file itself",
      ],
    ],
  ],
  [
    "octet-stream holding unknown bytes",
    `data:application/octet-stream;base64,AAECAwQFBgcICQ==`,
    [
      [
        "non-image-media-type",
        'declared "application/octet-stream" is not an image type (qwen-vl-utils and the APIs reject it); the bytes are not a known image either; encode the image file itself',
      ],
      [
        "not-an-image",
        "the bytes are no known image format (first bytes 0001020304050607); encode a PNG, JPEG, GIF or WebP file",
      ],
    ],
  ],
  [
    "JPEG declared, PNG sent",
    `data:image/jpeg;base64,${b64}`,
    [
      [
        "media-type-mismatch",
        "declared image/jpeg but the bytes are PNG; Anthropic rejects the mismatch and vLLM ignores the declared type; declare image/png",
      ],
    ],
  ],
  [
    "image/jpg",
    `data:image/jpg;base64,${jpeg.toString("base64")}`,
    [
      [
        "nonstandard-media-type",
        '"image/jpg" is not the registered spelling; APIs that check the type exactly may reject it; use image/jpeg',
      ],
    ],
  ],
  [
    "IMAGE/PNG",
    `data:IMAGE/PNG;base64,${b64}`,
    [
      [
        "nonstandard-media-type",
        '"IMAGE/PNG" is not the registered spelling; APIs that check the type exactly may reject it; use image/png',
      ],
    ],
  ],
  [
    "a charset parameter",
    `data:image/png;charset=utf-8;base64,${b64}`,
    [
      [
        "media-type-parameters",
        'header parameters ";charset=utf-8": Ollama and older vLLM releases reject them (current vLLM strips them); remove them',
      ],
    ],
  ],
  [
    ";BASE64",
    `data:image/png;BASE64,${b64}`,
    [
      [
        "nonstandard-base64-marker",
        'marker ";BASE64" is not exactly ";base64"; vLLM compares it exactly and qwen-vl-utils looks for lower-case "base64,"; write ";base64"',
      ],
    ],
  ],
  [
    "base64 without ;base64",
    `data:image/png,${b64}`,
    [
      [
        "not-base64",
        'the payload is base64 of PNG bytes but the header lacks a final ";base64" marker; write "data:image/png;base64,"',
      ],
    ],
  ],
  [
    "percent-encoded bytes",
    "data:image/png,%89PNG%0D%0A",
    [
      [
        "not-base64",
        'payload is percent-encoded, not base64; vLLM and OpenAI accept only base64; encode the file with base64 and write "data:image/png;base64,"',
      ],
      [
        "not-an-image",
        "the bytes are no known image format (first bytes 89504e470d0a); encode a PNG, JPEG, GIF or WebP file",
      ],
    ],
  ],
  [
    "nothing after the comma",
    "data:image/png;base64,",
    [
      [
        "empty-payload",
        "no data after the comma; the encoded file is missing (was it empty, or was the text cut off?)",
      ],
    ],
  ],
  [
    "wrapped at 64 columns",
    `data:image/png;base64,${b64.slice(0, 64)}\n${b64.slice(64, 128)}\n${b64.slice(128)}\n`,
    [
      [
        "whitespace-in-base64",
        "3 whitespace characters inside the base64 (wrapped at 64 columns, as openssl base64 does); strict decoders such as vLLM's (validate=True) reject it; remove line breaks (base64 -w0, openssl base64 -A)",
      ],
    ],
  ],
  [
    "a trailing CRLF",
    `data:image/png;base64,${b64}\r\n`,
    [
      [
        "trailing-whitespace",
        "2 whitespace characters after the payload (read from a file or stdin?); imgenc strips it but strict decoders such as vLLM's reject it; strip it before sending",
      ],
    ],
  ],
  [
    "URL-safe alphabet",
    `data:image/png;base64,${b64.replaceAll("+", "-").replaceAll("/", "_")}`,
    [
      [
        "url-safe-alphabet",
        '3 URL-safe base64 characters ("-" or "_", first at offset 46); vLLM\'s strict decoder rejects them; replace - with + and _ with / (use base64.b64encode, not urlsafe_b64encode)',
      ],
    ],
  ],
  [
    "URL-encoded base64",
    `data:image/png;base64,${b64.replaceAll("+", "%2B").replaceAll("/", "%2F")}`,
    [
      [
        "invalid-base64-character",
        'invalid base64 character "%" at offset 46 (3 characters outside the alphabet); the base64 was URL-encoded (%2B, %2F, %3D); URL-decode it before use',
      ],
    ],
  ],
  [
    "a stray !",
    `data:image/png;base64,${b64.slice(0, 12)}!${b64.slice(12)}`,
    [
      [
        "invalid-base64-character",
        'invalid base64 character "!" at offset 34 (1 character outside the alphabet); the text was corrupted or other text got mixed in; re-encode the file',
      ],
    ],
  ],
  [
    "padding missing",
    `data:image/png;base64,${b64.replace(/=+$/, "")}`,
    [
      [
        "bad-padding",
        'base64 padding is missing (length is not a multiple of 4); Python\'s b64decode and vLLM reject it; append "=="',
      ],
    ],
  ],
  [
    "padding doubled",
    `data:image/png;base64,${b64}==`,
    [["bad-padding", 'too much base64 padding: 4 "=" where 2 belong; remove 2']],
  ],
  [
    "two encodings joined",
    `data:image/png;base64,${b64}${b64}`,
    [
      [
        "bad-padding",
        '"=" padding at offset 156 in the middle of the base64 (two encodings joined?); decoders stop there or fail; encode the whole file once',
      ],
    ],
  ],
  [
    "one character too many",
    `data:image/png;base64,${b64.replace(/=+$/, "")}AAA`,
    [
      [
        "bad-padding",
        "137 base64 characters leave one stray character (length % 4 = 1): the text is truncated or has an extra character; re-encode the file",
      ],
    ],
  ],
  [
    "an HTML page declared PNG",
    `data:image/png;base64,${html.toString("base64")}`,
    [
      [
        "not-an-image",
        "the payload is an HTML page (an error or login page?), not an image; encode the image file itself",
      ],
    ],
  ],
  [
    "a data URI inside a data URI",
    `data:image/png;base64,${Buffer.from(`data:image/png;base64,${b64}`).toString("base64")}`,
    [
      [
        "not-an-image",
        "the payload is itself a data URI (encoded twice); encode the image bytes, not the data URI",
      ],
    ],
  ],
  [
    "base64 of base64",
    `data:image/png;base64,${Buffer.from(b64).toString("base64")}`,
    [
      [
        "not-an-image",
        "the payload is base64 of base64 (encoded twice; inside is PNG); encode the image bytes once",
      ],
    ],
  ],
  [
    "unknown bytes declared PNG",
    "data:image/png;base64,AAECAwQFBgcICQ==",
    [
      [
        "not-an-image",
        "the bytes are no known image format (first bytes 0001020304050607); encode a PNG, JPEG, GIF or WebP file",
      ],
    ],
  ],
];

describe("data-URI findings are rendered as before", () => {
  for (const [name, text, expected] of DATA_URIS) {
    test(name, () => {
      const found = lintDataUri(text).findings.map((f) => [f.code, f.message]);
      assert.deepEqual(found, expected);
    });
  }
});

describe("FINDING_CODES", () => {
  test("codes are unique kebab-case; meaning and fix are one line each", () => {
    const seen = new Set<string>();
    for (const info of FINDING_CODES as readonly FindingCodeInfo[]) {
      assert.match(info.code, /^[a-z]+(?:-[a-z0-9]+)*$/);
      assert.ok(!seen.has(info.code), info.code);
      seen.add(info.code);
      for (const text of [info.meaning, info.fix, info.reports ?? "x"]) {
        assert.match(text, /^\S[^\n|]*$/, `${info.code}: ${text}`);
      }
    }
  });
});

describe("every code in the table is reported, and nothing outside it", () => {
  const found: Finding[] = [];
  let server: ReturnType<typeof createServer>;
  let base = "";

  before(async () => {
    // The photo labelled as a PNG by its server.
    const photo = readFileSync(fixture("photo.jpg"));
    server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "image/png" }).end(photo),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test("the data-URI lint", () => {
    for (const [, text] of DATA_URIS) found.push(...lintDataUri(text).findings);
  });

  test("inspect on every fixture, compare on the one whose JPEG payload is worse", async () => {
    const fixtures = readdirSync(join(ROOT, "fixtures")).filter((n) => /\.(png|jpg|gif)$/.test(n));
    for (const name of fixtures) found.push(...(await inspect(fixture(name))).findings);
    found.push(...(await compare(fixture("text-and-lines.png"))).report.findings);
  });

  test("compare through a server that refuses the client's data URI", async () => {
    const { report } = await compare(fixture("photo.png"), undefined, {
      client: "pillow",
      server: "ollama-go",
    });
    const refusal = report.findings.filter((f) => f.code === "server-rejects-data-uri");
    assert.deepEqual(
      refusal.map((f) => f.message),
      [
        "pillow: ollama-go refuses this data URI (invalid image input): the model never sees the image",
      ],
    );
    assert.equal(report.passed, false);
    found.push(...refusal);
  });

  test("compare of two sizes names both", async () => {
    const { findings } = (await compare(fixture("photo.png"), fixture("text-and-lines.png")))
      .report;
    assert.deepEqual(
      findings.map((f) => [f.code, f.message]),
      [
        [
          "dimensions-differ",
          "A is 384x256 but B is 512x384: pixel metrics need equal sizes (was one resized?)",
        ],
      ],
    );
    found.push(...findings);
  });

  test("compare of two data URIs says which source a lint finding is about", async () => {
    const image = await sharp({
      create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 30, b: 90 } },
    })
      .png()
      .toBuffer();
    const a = `data:image/png;base64,${image.toString("base64")}`;
    const b = `data:image;base64,${image.toString("base64")}`;
    const { findings } = (await compare(a, b)).report;
    assert.deepEqual(
      findings.map((f) => [f.code, f.message, f.data?.source]),
      [
        [
          "missing-subtype",
          'B: media type "image" has no subtype: accepted by vLLM and qwen-vl-utils, rejected by stricter APIs (OpenAI, Anthropic); declare image/png',
          "B",
        ],
      ],
    );
    found.push(...findings);
  });

  test("inspect of a data URI cut short", async () => {
    const noisy = await sharp({
      create: {
        width: 32,
        height: 32,
        channels: 3,
        background: "#808080",
        noise: { type: "gaussian", mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    const cut = `data:image/png;base64,${noisy.subarray(0, noisy.length >> 1).toString("base64")}`;
    const { findings } = await inspect(cut);
    const corrupt = findings.find((f) => f.code === "corrupt-image");
    // The middle is the decoder's own words, which vary with libvips.
    assert.match(
      corrupt?.message ?? "",
      /^the payload cannot be decoded: .+; was the data URI cut short\?$/,
    );
    found.push(...findings);
  });

  test("inspect of a URL whose server mislabels it", async () => {
    const { findings } = await inspect(`${base}/photo`);
    const mismatch = findings.find((f) => f.code === "content-type-mismatch");
    assert.equal(
      mismatch?.message,
      "the server says image/png but the bytes are image/jpeg; clients that trust the header will mislabel the image",
    );
    found.push(...findings);
  });

  test("the codes reported are exactly the table's, each at the table's severity", () => {
    const severity = new Map<string, string>(FINDING_CODES.map((c) => [c.code, c.severity]));
    for (const f of found) assert.equal(f.severity, severity.get(f.code), f.code);
    const reported = [...new Set(found.map((f) => f.code))].sort();
    assert.deepEqual(reported, FINDING_CODES.map((c) => c.code).sort());
  });
});
