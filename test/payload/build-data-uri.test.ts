import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { base64Length, dataUriLength, toDataUri } from "../../src/payload/build-data-uri.js";

/** Deterministic bytes covering all 256 values, so every base64 symbol and padding case occurs. */
function bytesOf(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 167 + (i >> 8)) & 0xff;
  return b;
}

const SIZES = [...Array.from({ length: 21 }, (_, i) => i), 1023, 1024, 1025, 65_536, 1_000_001];
const MIMES = ["image/png", "image/jpeg", "image/svg+xml", ""];

describe("base64Length / dataUriLength", () => {
  for (const n of SIZES) {
    test(`n = ${n}`, () => {
      const bytes = bytesOf(n);
      const base64 = bytes.toString("base64");
      assert.equal(base64Length(n), base64.length);
      for (const mime of MIMES) {
        assert.equal(dataUriLength(mime, n), `data:${mime};base64,${base64}`.length);
        assert.equal(dataUriLength(mime, n), toDataUri(mime, bytes).length);
      }
    });
  }
});

describe("toDataUri", () => {
  test("round-trips through Buffer.from(base64)", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 65_537]) {
      const bytes = bytesOf(n);
      const uri = toDataUri("image/png", bytes);
      const match = /^data:image\/png;base64,([A-Za-z0-9+/]*={0,2})$/.exec(uri);
      assert.ok(match, `not a base64 data URI: ${uri.slice(0, 60)}`);
      assert.deepEqual(Buffer.from(match[1] ?? "", "base64"), bytes);
    }
  });

  test("encodes only the view, not the whole underlying ArrayBuffer", () => {
    const backing = bytesOf(64);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, 10);
    assert.equal(
      toDataUri("image/jpeg", view),
      `data:image/jpeg;base64,${backing.subarray(5, 15).toString("base64")}`,
    );
  });

  test("accepts a plain Uint8Array", () => {
    const plain = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]);
    assert.equal(toDataUri("image/jpeg", plain), "data:image/jpeg;base64,/9j/4A==");
  });
});
