import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import sharp from "sharp";
import { identifyClient } from "../src/client/identify.js";
import { ImgencError } from "../src/errors.js";
import { lintDataUri } from "../src/findings/lint-data-uri.js";
import { decode, readInfo } from "../src/image/decode.js";
import { sniffFormat } from "../src/image/format.js";
import { readIcc } from "../src/image/icc.js";
import { readJpegHeader } from "../src/image/jpeg.js";
import { parseDataUri } from "../src/source/parse-data-uri.js";
import { fixture } from "./helpers/cli.js";

// Fixed seed: a failure in CI is replayed exactly by running the file again.
const SEED = 20_240_611;
const params = (numRuns: number) => ({ seed: SEED, numRuns });

/** Only a result or an ImgencError: anything else thrown is a bug a user would see as a crash. */
function onlyImgencErrors(error: unknown): void {
  if (error instanceof ImgencError) return;
  throw new Error(`not an ImgencError: ${error instanceof Error ? error.stack : String(error)}`);
}

function expectResultOrImgencError<T>(work: () => T): void {
  try {
    work();
  } catch (error) {
    onlyImgencErrors(error);
  }
}

async function expectResultOrImgencErrorAsync<T>(work: () => Promise<T>): Promise<void> {
  try {
    await work();
  } catch (error) {
    onlyImgencErrors(error);
  }
}

type Edit =
  | { kind: "set"; at: number; byte: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number }
  | { kind: "truncate"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Applies a few edits at positions taken modulo the length, so each lands inside the data. */
function mutate(original: Uint8Array, edits: readonly Edit[]): Buffer {
  let bytes = Buffer.from(original);
  for (const e of edits) {
    const at = bytes.length === 0 ? 0 : e.at % bytes.length;
    switch (e.kind) {
      case "set":
        if (bytes.length > 0) bytes[at] = e.byte;
        break;
      case "insert":
        bytes = Buffer.concat([bytes.subarray(0, at), e.bytes, bytes.subarray(at)]);
        break;
      case "delete":
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length)]);
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
    }
  }
  return bytes;
}

/** Mutations of one of the given seeds: mostly-valid input reaches deeper than random bytes. */
function mutationsOf(seeds: readonly Uint8Array[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => mutate(seed, edits));
}

const small = sharp({ create: { width: 16, height: 12, channels: 3, background: "#2a6" } });
const SEED_IMAGES: Buffer[] = [
  await small.clone().png().toBuffer(),
  await small.clone().ensureAlpha(0.5).png().toBuffer(),
  await small.clone().jpeg().toBuffer(),
  await small.clone().jpeg({ progressive: true, chromaSubsampling: "4:4:4" }).toBuffer(),
  await small.clone().toColourspace("cmyk").jpeg().toBuffer(),
  await small.clone().gif().toBuffer(),
  await small.clone().webp().toBuffer(),
  await small.clone().webp({ lossless: true }).toBuffer(),
  await small.clone().tiff().toBuffer(),
  readFileSync(fixture("deep16.png")),
];
const JPEG_SEEDS = [readFileSync(fixture("adobe-rgb.jpg")), ...SEED_IMAGES.slice(2, 5)];
const ICC = (await sharp(readFileSync(fixture("adobe-rgb.jpg"))).metadata()).icc as Buffer;

const dataUri = (bytes: Buffer, mime = "image/png") =>
  `data:${mime};base64,${bytes.toString("base64")}`;
const DATA_URIS = [
  dataUri(SEED_IMAGES[0] as Buffer),
  dataUri(SEED_IMAGES[2] as Buffer, "image/jpeg"),
  "data:image/svg+xml,%3Csvg%2F%3E",
  "data:;base64,AAAA",
  "data:image/png;charset=utf-8;base64,iVBORw0K%2B%2F%3D",
];

/** Text edits on a valid data URI: stray characters, lost bytes, truncation, odd code points. */
const textEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat(8),
  insert: fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "binary", maxLength: 4 }),
    fc.constantFrom("=", "%", "%2", ",", ";", " ", "\n", "\u0000", "\uFEFF", "-_", "\uD800"),
  ),
});
const mutatedDataUri = fc
  .tuple(fc.constantFrom(...DATA_URIS), fc.array(textEdit, { minLength: 1, maxLength: 4 }))
  .map(([uri, edits]) => {
    let text = uri;
    for (const e of edits) {
      const at = e.at % (text.length + 1);
      text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
    }
    return text;
  });

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string().map((s) => `data:${s}`),
  fc.string({ unit: "binary" }).map((s) => `data:image/png;base64,${s}`),
);

describe("fuzz: data URIs", () => {
  test("parseDataUri: arbitrary text gives a result or an ImgencError", () => {
    fc.assert(
      fc.property(anyText, (text) => expectResultOrImgencError(() => parseDataUri(text, "x"))),
      params(10_000),
    );
  });

  test("parseDataUri: mutated valid data URIs", () => {
    fc.assert(
      fc.property(mutatedDataUri, (text) =>
        expectResultOrImgencError(() => parseDataUri(text, "x")),
      ),
      params(10_000),
    );
  });

  test("lintDataUri never throws and its messages stay one line", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutatedDataUri), (text) => {
        const lint = lintDataUri(text);
        for (const finding of lint.findings) assert.doesNotMatch(finding.message, /[\n\r]/);
      }),
      params(10_000),
    );
  });
});

describe("fuzz: byte readers", () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    mutationsOf(SEED_IMAGES.map((image) => image.subarray(0, 2048))),
  );

  test("sniffFormat never throws", () => {
    fc.assert(
      fc.property(bytes, (input) => {
        assert.equal(typeof sniffFormat(input), "string");
      }),
      params(20_000),
    );
  });

  test("readJpegHeader never throws, on arbitrary and on mutated JPEGs", () => {
    const jpegs = fc.oneof(
      fc
        .uint8Array({ maxLength: 1024 })
        .map((tail) => Buffer.concat([Buffer.from([0xff, 0xd8]), tail])),
      mutationsOf(JPEG_SEEDS),
    );
    fc.assert(
      fc.property(jpegs, (input) => {
        readJpegHeader(input);
      }),
      params(10_000),
    );
  });

  test("identifyClient never throws, on mutated JPEGs, PNGs and WebPs", () => {
    fc.assert(
      fc.property(bytes, (input) => {
        identifyClient(input);
      }),
      params(5_000),
    );
  });

  test("readIcc never throws, on arbitrary bytes, forged headers and a mutated real profile", () => {
    const forged = fc
      .tuple(
        fc.uint8Array({ minLength: 144, maxLength: 600 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
      )
      .map(([raw, count, offset, size]) => {
        const bytes = Buffer.from(raw);
        bytes.write("acsp", 36, "latin1");
        bytes.writeUInt32BE(count % 40, 128);
        bytes.write("desc", 132, "latin1");
        bytes.writeUInt32BE(offset % (bytes.length + 16), 136);
        bytes.writeUInt32BE(size, 140);
        return bytes;
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), forged, mutationsOf([ICC])),
        (input) => {
          readIcc(input);
        },
      ),
      params(10_000),
    );
  });
});

describe("fuzz: readInfo and decode (sharp)", () => {
  // A mutated header can declare any size; a low limit keeps a run from decoding megapixels.
  const options = { maxInputPixels: 1_000_000 };

  test("arbitrary bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (input) => {
        const bytes = Buffer.from(input);
        await expectResultOrImgencErrorAsync(() => readInfo(bytes));
        await expectResultOrImgencErrorAsync(() => decode(bytes, options));
      }),
      params(1000),
    );
  });

  test("mutated valid images", async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(SEED_IMAGES), async (bytes) => {
        await expectResultOrImgencErrorAsync(() => readInfo(bytes));
        await expectResultOrImgencErrorAsync(() => decode(bytes, options));
      }),
      params(2000),
    );
  });
});
