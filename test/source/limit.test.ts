import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { ImgencError } from "../../src/errors.js";
import { formatBytes, readCapped, SNIFF_AFTER_BYTES } from "../../src/source/limit.js";

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

  it("stops an endless stream of zeros after its first bytes, far below maxBytes", async () => {
    let produced = 0;
    const zeros = new Readable({
      read() {
        produced++;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    await assert.rejects(readCapped(zeros, 5 * 1024 ** 3, "/dev/zero"), (error) => {
      assert.ok(error instanceof ImgencError);
      assert.equal(error.code, "not-image");
      assert.equal(error.message, "not an image in a supported format");
      assert.equal(error.input, "/dev/zero");
      return true;
    });
    assert.ok(zeros.destroyed, "the stream was not destroyed");
    assert.ok(produced * 16 * 1024 <= 2 * SNIFF_AFTER_BYTES, `read ${produced} chunks`);
  });

  it("refuses a long HTML page early, in the words decoding would use", async () => {
    const page = Buffer.concat([Buffer.from("<!doctype html><p>"), Buffer.alloc(200_000, "a")]);
    await assert.rejects(readCapped(Readable.from([page]), 10 ** 9, "x"), (error) => {
      assert.ok(isCode("not-image")(error));
      assert.equal((error as ImgencError).message, "an HTML page, not an image");
      return true;
    });
  });

  it("reads on when the first bytes can start an image, or when sniffing is off", async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(300_000),
    ]);
    assert.equal((await readCapped(Readable.from([png]), 10 ** 9, "x")).length, png.length);
    const zeros = Buffer.alloc(300_000);
    const raw = await readCapped(Readable.from([zeros]), 10 ** 9, "x", { sniff: false });
    assert.equal(raw.length, zeros.length);
    // Short streams are not sniffed: whoever decodes them says what they are.
    assert.equal(
      (await readCapped(Readable.from([Buffer.alloc(4096)]), 10 ** 9, "x")).length,
      4096,
    );
  });

  it("gives up on a stream that does not end within timeoutMs, saying what it waited for", async () => {
    const silent = new Readable({ read() {} });
    await assert.rejects(
      readCapped(silent, 1000, "-", { timeoutMs: 50, what: "stdin" }),
      (error) => {
        assert.ok(isCode("timeout")(error));
        assert.equal(
          (error as ImgencError).message,
          "timed out after 0.05 s: stdin sent nothing and did not end (raise --timeout)",
        );
        return true;
      },
    );
    assert.ok(silent.destroyed, "the stream was not destroyed");
    const dribble = new Readable({ read() {} });
    dribble.push(Buffer.from("abc"));
    await assert.rejects(
      readCapped(dribble, 1000, "p", { timeoutMs: 50, what: "the pipe" }),
      /the pipe did not end \(3 B read; raise --timeout\)/,
    );
  });

  it("takes a deadline beyond Node's timer range as none, without a warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const bytes = await readCapped(Readable.from([Buffer.from("ab")]), 10, "x", {
      timeoutMs: 3_000_000_000,
    });
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    assert.equal(bytes.toString(), "ab");
    assert.deepEqual(warnings, []);
  });
});
