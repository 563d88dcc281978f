import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { colorLevel } from "../../src/cli/io.js";
import { parseArgument } from "../../src/cli/options.js";
import { MAX_TIMEOUT_SECONDS, SETTINGS } from "../../src/settings.js";

const byteSize = parseArgument(SETTINGS.maxInputBytes);
const mismatchLimit = parseArgument(SETTINGS.maxMismatch);

test("a number setting accepts its range and rejects the rest with one message shape", () => {
  const quality = parseArgument(SETTINGS.quality);
  assert.equal(quality("1"), 1);
  assert.equal(quality("100"), 100);
  for (const bad of ["0", "101", "7.5", "", " ", "abc", "NaN", "Infinity"]) {
    assert.throws(
      () => quality(bad),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.match(
          e.message,
          /^expected a whole number from 1 to 100 for -q, --quality but received '.*'$/,
        );
        return true;
      },
    );
  }
  assert.equal(parseArgument(SETTINGS.threshold)("0.25"), 0.25);
});

test("byteSize reads plain bytes and binary k/M/G suffixes", () => {
  assert.equal(byteSize("1000"), 1000);
  assert.equal(byteSize("512k"), 512 * 1024);
  assert.equal(byteSize("50MB"), 50 * 1024 * 1024);
  assert.equal(byteSize("1.5 m"), 1.5 * 1024 * 1024);
  assert.equal(byteSize("2G"), 2 * 1024 ** 3);
  for (const bad of ["", "0", "-1", "10 parsecs", "MB"]) assert.throws(() => byteSize(bad));
});

test("mismatchLimit reads counts and percentages", () => {
  assert.deepEqual(mismatchLimit("250"), { count: 250 });
  assert.deepEqual(mismatchLimit("0"), { count: 0 });
  assert.deepEqual(mismatchLimit("0.5%"), { share: 0.005 });
  assert.deepEqual(mismatchLimit("100%"), { share: 1 });
  for (const bad of ["101%", "1.5", "-3", "lots", "%"]) assert.throws(() => mismatchLimit(bad));
});

test("colour: NO_COLOR wins, FORCE_COLOR forces, otherwise only on a TTY", () => {
  assert.equal(colorLevel({ isTTY: true }, {}), 1);
  assert.equal(colorLevel({ isTTY: false }, {}), 0);
  assert.equal(colorLevel({}, {}), 0);
  assert.equal(colorLevel({ isTTY: true }, { NO_COLOR: "1" }), 0);
  assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: "1" }), 1);
  assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: "3" }), 3);
  assert.equal(colorLevel({ isTTY: true }, { FORCE_COLOR: "0" }), 0);
  assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" }), 0);
  assert.equal(colorLevel({ isTTY: true }, { NO_COLOR: "" }), 1);
});

test("--timeout takes seconds up to Node's timer limit, and gives the core milliseconds", () => {
  const seconds = parseArgument(SETTINGS.timeoutMs);
  assert.equal(MAX_TIMEOUT_SECONDS * 1000, 2 ** 31 - 1);
  assert.equal(seconds("0.5"), 500);
  assert.equal(seconds("2147483.647"), 2 ** 31 - 1);
  for (const bad of ["3000000", "2147483.648", "0", "-1", "Infinity"]) {
    assert.throws(() => seconds(bad), InvalidArgumentError, bad);
  }
});
