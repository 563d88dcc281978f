import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import { serverPaths } from "../../src/server/index.js";
import type { ServerName } from "../../src/server/types.js";
import { serverVerdict } from "../../src/server/verdict.js";
import { fixture } from "../helpers/cli.js";

/** A real PNG whose base64 ends in one "=" and holds both "+" and "/". */
const PNG = readFileSync(fixture("logo-alpha.png"));
const P = PNG.toString("base64");
const GIF = (await sharp(PNG).resize(16, 10).gif().toBuffer()).toString("base64");
const WEBP = (await sharp(PNG).resize(16, 10).webp().toBuffer()).toString("base64");

type Expect = Record<ServerName, boolean>;
/** Every server in SERVER_NAMES order: the transformers paths share load_image. */
function row(
  q: 0 | 1,
  t: 0 | 1,
  v: 0 | 1,
  o: 0 | 1,
  og: 0 | 1,
  l: 0 | 1,
  oa: 0 | 1,
  a: 0 | 1,
): Expect {
  return {
    "qwen-vl-utils": q === 1,
    transformers: t === 1,
    "transformers-slow": t === 1,
    vllm: v === 1,
    ollama: o === 1,
    "ollama-go": og === 1,
    "llama.cpp": l === 1,
    openai: oa === 1,
    anthropic: a === 1,
  };
}

/**
 * Each URI, why each server decides as it does, and the verdicts in the order
 * qwen-vl-utils, transformers(-slow), vllm, ollama, ollama-go, llama.cpp, openai, anthropic.
 * Rules: qwen-vl-utils vision_process.py fetch_image (case-sensitive "data:image", split at
 * "base64,", lenient b64decode); transformers image_utils.py load_image (split(",")[1] after
 * "data:image/", else the whole string, then lenient base64.decodebytes); vLLM connector.py
 * _load_data_url @02ba96d7 (case-insensitive "data:", rpartition(";") == "base64", strict
 * b64decode); Ollama openai.go decodeImageURL @f63eea3/fb30760 (exact prefixes, StdEncoding,
 * CR/LF skipped, no URLs); llama.cpp server-common.cpp handle_media @006639c ("data:image/"
 * header ending "base64", base64_decode stops at the first other character); OpenAI and
 * Anthropic: their published types, 5 MB of base64 for Anthropic, media_type checked.
 */
const TABLE: [string, string, Expect][] = [
  ["the canonical form", `data:image/png;base64,${P}`, row(1, 1, 1, 1, 1, 1, 1, 1)],
  [
    "PNG labelled JPEG: only Anthropic checks the type against the bytes",
    `data:image/jpeg;base64,${P}`,
    row(1, 1, 1, 1, 1, 1, 1, 0),
  ],
  [
    "image/jpg: Ollama lists it; not a registered type for the APIs",
    `data:image/jpg;base64,${P}`,
    row(1, 1, 1, 1, 1, 1, 0, 0),
  ],
  [
    "no subtype: qwen-vl-utils' prefix and vLLM take it",
    `data:image;base64,${P}`,
    row(1, 0, 1, 0, 0, 0, 0, 0),
  ],
  [
    "no media type: vLLM and Ollama's exact data:;base64,",
    `data:;base64,${P}`,
    row(0, 0, 1, 1, 1, 0, 0, 0),
  ],
  ["text/plain: vLLM ignores the type", `data:text/plain;base64,${P}`, row(0, 0, 1, 0, 0, 0, 0, 0)],
  [
    "a parameter: current vLLM strips it, Ollama's prefixes have none",
    `data:image/png;charset=utf-8;base64,${P}`,
    row(1, 1, 1, 0, 0, 1, 1, 1),
  ],
  [
    ';BASE64: vLLM and llama.cpp compare case-sensitively, qwen-vl-utils looks for "base64,"',
    `data:image/png;BASE64,${P}`,
    row(0, 1, 0, 0, 0, 0, 1, 1),
  ],
  [
    '"; base64": contains "base64," and ends in "base64"',
    `data:image/png; base64,${P}`,
    row(1, 1, 0, 0, 0, 1, 0, 0),
  ],
  [
    "no base64 marker: transformers decodes after the comma anyway",
    `data:image/png,${P}`,
    row(0, 1, 0, 0, 0, 0, 0, 0),
  ],
  [
    "DATA: in capitals: only vLLM (and the APIs) read schemes case-insensitively",
    `DATA:image/png;base64,${P}`,
    row(0, 0, 1, 0, 0, 0, 1, 1),
  ],
  [
    "IMAGE/PNG: case-sensitive prefixes and Anthropic's media_type enum refuse it",
    `data:IMAGE/PNG;base64,${P}`,
    row(0, 0, 1, 0, 0, 0, 1, 0),
  ],
  [
    "a trailing newline: strict base64 refuses it, Go skips it",
    `data:image/png;base64,${P}\n`,
    row(1, 1, 0, 1, 1, 1, 1, 1),
  ],
  [
    "wrapped at 76 with LF: llama.cpp stops at the first newline",
    `data:image/png;base64,${P.replace(/(.{76})/g, "$1\n")}`,
    row(1, 1, 0, 1, 1, 0, 1, 1),
  ],
  [
    "wrapped at 76 with CRLF",
    `data:image/png;base64,${P.replace(/(.{76})/g, "$1\r\n")}`,
    row(1, 1, 0, 1, 1, 0, 1, 1),
  ],
  [
    "a space inside: only lenient decoders skip it",
    `data:image/png;base64,${P.slice(0, 100)} ${P.slice(100)}`,
    row(1, 1, 0, 0, 0, 0, 1, 1),
  ],
  [
    "padding missing: Python and Go require it, llama.cpp does not",
    `data:image/png;base64,${P.replace(/=+$/, "")}`,
    row(0, 0, 0, 0, 0, 1, 1, 1),
  ],
  [
    "data after the padding: lenient Python stops there, strict refuses",
    `data:image/png;base64,${P}AAAA`,
    row(1, 1, 0, 0, 0, 1, 1, 1),
  ],
  [
    "URL-safe alphabet: nobody's standard decoder takes - and _",
    `data:image/png;base64,${P.replaceAll("+", "-").replaceAll("/", "_")}`,
    row(0, 0, 0, 0, 0, 0, 1, 1),
  ],
  [
    "a GIF: Ollama lists no image/gif prefix",
    `data:image/gif;base64,${GIF}`,
    row(1, 1, 1, 0, 0, 1, 1, 1),
  ],
  [
    "a WebP: stb_image has no WebP decoder; Ollama converts it to PNG first",
    `data:image/webp;base64,${WEBP}`,
    row(1, 1, 1, 1, 1, 0, 1, 1),
  ],
  [
    "over 5 MB of base64: Anthropic's per-image limit",
    `data:image/png;base64,${P}${"A".repeat(5 * 1024 * 1024)}`,
    row(1, 1, 0, 0, 0, 1, 1, 0),
  ],
  [
    "https URL: fetched, except by Ollama",
    "https://example.com/cat.png",
    row(1, 1, 1, 0, 0, 1, 1, 1),
  ],
  ["http URL", "http://example.com/cat.png", row(1, 1, 1, 0, 0, 1, 1, 1)],
  [
    "file:// URL: only qwen-vl-utils opens it unasked",
    "file:///srv/images/cat.png",
    row(1, 0, 0, 0, 0, 0, 0, 0),
  ],
  ["a bare path", "/srv/images/cat.png", row(0, 0, 0, 0, 0, 0, 0, 0)],
];

test("each server's verdict on 26 data URIs and URLs, as its source decides", async () => {
  assert.ok(TABLE.length >= 25);
  const images = new Map<string, Awaited<ReturnType<typeof decode>>>();
  const differ: string[] = [];
  for (const [why, uri, expected] of TABLE) {
    // The bytes as sent, where they are an image: the server's own decoder has the last word.
    const base64 = uri.startsWith("data:") ? uri.slice(uri.indexOf(",") + 1) : undefined;
    const bytes = base64 && base64.length < 1e6 ? Buffer.from(base64, "base64") : undefined;
    for (const server of serverPaths()) {
      let pixels: Awaited<ReturnType<typeof server.read>> | undefined;
      if (bytes !== undefined && server.accepts(uri).accepted) {
        const key = bytes.toString("base64");
        if (!images.has(key)) images.set(key, await decode(bytes));
        pixels = await server.read({ bytes, image: images.get(key) as never });
      }
      const verdict = serverVerdict(server, uri, pixels);
      if (verdict.accepted !== expected[server.name]) {
        differ.push(
          `${why}: ${server.name} ${verdict.accepted ? "accepts" : `rejects (${verdict.reason})`}`,
        );
      }
      assert.match(verdict.rule, /\S/);
      if (!verdict.accepted) assert.match(verdict.reason ?? "", /\S/, `${why} ${server.name}`);
    }
  }
  assert.deepEqual(differ, []);
});
