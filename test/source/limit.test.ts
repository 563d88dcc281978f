import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { ImgencError } from "../../src/errors.js";
import { formatBytes, readCapped } from "../../src/source/limit.js";

function isCode(code: string) {
  return (error: unknown) => error instanceof ImgencError && error.code === code;
}

describe("formatBytes", () => {
  it("uses B, kB and MB with at most one decimal", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(812), "812 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1024), "1 kB");
    assert.equal(formatBytes(1536), "1.5 kB");
    assert.equal(formatBytes(50 * 1024 * 1024), "50 MB");
    assert.equal(formatBytes(3 * 1024 ** 3), "3 GB");
  });
});

describe("readCapped", () => {
  it("concatenates chunks, including string chunks", async () => {
    const bytes = await readCapped(
      Readable.from([Buffer.from("ab"), new Uint8Array([0x63]), "dé"]),
      100,
      "x",
    );
    assert.equal(bytes.toString("utf8"), "abcdé");
  });

  it("accepts exactly maxBytes", async () => {
    const bytes = await readCapped(Readable.from([Buffer.alloc(6), Buffer.alloc(4)]), 10, "x");
    assert.equal(bytes.length, 10);
  });

  it("returns an empty buffer for an empty stream", async () => {
    assert.equal((await readCapped(Readable.from([]), 10, "x")).length, 0);
  });

  it("throws too-large with the input and stops reading an endless stream", async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced++;
        this.push(Buffer.alloc(1024));
      },
    });
    await assert.rejects(readCapped(endless, 10_000, "big.png"), (error) => {
      assert.ok(isCode("too-large")(error));
      assert.equal((error as ImgencError).input, "big.png");
      return true;
    });
    assert.ok(endless.destroyed, "the stream was not destroyed");
    assert.ok(produced < 64, `kept reading (${produced} chunks)`);
  });

  it("stops pulling from a plain async iterable once over the cap", async () => {
    let pulled = 0;
    async function* forever() {
      for (;;) {
        pulled++;
        yield new Uint8Array(100);
      }
    }
    await assert.rejects(readCapped(forever(), 250, "x"), isCode("too-large"));
    assert.equal(pulled, 3);
  });

  it("passes stream errors through", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("disk on fire"));
      },
    });
    await assert.rejects(readCapped(failing, 10, "x"), /disk on fire/);
  });
});
