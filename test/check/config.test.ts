import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadConfig, parseConfig, settingsFor } from "../../src/check/config.js";
import { ImgencError } from "../../src/errors.js";

function rejects(raw: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(raw, "imgenc.config.json"),
    (e: unknown) => {
      assert.ok(e instanceof ImgencError);
      assert.equal(e.code, "config");
      assert.equal(e.input, "imgenc.config.json");
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe("config", () => {
  test("defaults and per-glob overrides, applied in order", () => {
    const config = parseConfig(
      {
        quality: 80,
        minPsnr: 30,
        maxMismatch: "1%",
        overrides: [
          { files: "screens/**", subsampling: "4:4:4", minPsnr: 35 },
          { files: ["screens/logo-*.png"], lossless: "original", maxMismatch: 10 },
        ],
      },
      "/repo/imgenc.config.json",
    );
    assert.deepEqual(settingsFor(config, "/repo/photos/cat.png"), {
      quality: 80,
      minPsnr: 30,
      maxMismatch: { share: 0.01 },
    });
    assert.deepEqual(settingsFor(config, "/repo/screens/logo-dark.png"), {
      quality: 80,
      minPsnr: 35,
      subsampling: "4:4:4",
      lossless: "original",
      maxMismatch: { count: 10 },
    });
  });

  test("errors name the key and what was expected", () => {
    rejects(
      { quality: "high" },
      /^expected a whole number from 1 to 100 for quality but received "high"$/,
    );
    rejects({ qualty: 80 }, /^expected a known key \(quality, .*\) but received "qualty"$/);
    rejects(
      { overrides: [{ files: "x/**", minSsim: 2 }] },
      /^expected a number from 0 to 1 for overrides\[0\]\.minSsim but received 2$/,
    );
    rejects(
      { overrides: [{ minPsnr: 3 }] },
      /^expected a glob or a list of globs for overrides\[0\]\.files but received/,
    );
    rejects({ overrides: {} }, /^expected an array for overrides but received \{\}$/);
    rejects({ model: "gpt-5" }, /^expected one of .* for model but received "gpt-5"$/);
    rejects([], /^expected an object but received \[\]$/);
  });

  test("found from the working directory upwards: imgenc.config.json or package.json", () => {
    const root = mkdtempSync(join(tmpdir(), "imgenc-config-"));
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ name: "x", imgenc: { minSsim: 0.9 } }),
    );
    assert.deepEqual(loadConfig(undefined, join(root, "a", "b")).defaults, { minSsim: 0.9 });
    writeFileSync(join(root, "a", "imgenc.config.json"), JSON.stringify({ minPsnr: 31 }));
    const found = loadConfig(undefined, join(root, "a", "b"));
    assert.deepEqual(found.defaults, { minPsnr: 31 });
    assert.match(found.file ?? "", /imgenc\.config\.json$/);
    writeFileSync(join(root, "a", "imgenc.config.json"), "{ not json");
    assert.throws(() => loadConfig(undefined, join(root, "a", "b")), /not valid JSON/);
  });

  test("--config names the file; a missing one is an error", () => {
    const root = mkdtempSync(join(tmpdir(), "imgenc-config-"));
    const file = join(root, "ci.json");
    writeFileSync(file, JSON.stringify({ quality: 90 }));
    assert.deepEqual(loadConfig(file).defaults, { quality: 90 });
    assert.throws(() => loadConfig(join(root, "missing.json")), /no such file/);
  });

  test('"__proto__", "constructor" and other inherited names are unknown keys, as parsed JSON', () => {
    for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      // JSON.parse makes "__proto__" an own key, as it does in a config file.
      const raw = JSON.parse(`{"${key}": {"minPsnr": 99}}`);
      rejects(raw, new RegExp(`^expected a known key \\(.*\\) but received "${key}"$`));
      rejects(
        { overrides: [{ files: "**", ...raw }] },
        new RegExp(`^expected a known key \\(.*\\) for overrides\\[0\\] but received "${key}"$`),
      );
    }
    assert.equal(({} as { minPsnr?: number }).minPsnr, undefined, "Object.prototype untouched");
  });

  test("a config path that is a folder is an error, named or found", () => {
    const root = mkdtempSync(join(tmpdir(), "imgenc-config-"));
    assert.throws(
      () => loadConfig(root),
      (e: unknown) => {
        assert.ok(e instanceof ImgencError);
        assert.equal(e.code, "config");
        assert.equal(e.toString(), `${root}: is a directory, not a config file`);
        return true;
      },
    );
    // Found while searching upwards: an error too, not skipped for a config further up.
    mkdirSync(join(root, "imgenc.config.json"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ imgenc: { minPsnr: 20 } }));
    assert.throws(
      () => loadConfig(undefined, root),
      (e: unknown) => {
        assert.ok(e instanceof ImgencError);
        assert.equal(e.toString(), "imgenc.config.json: is a directory, not a config file");
        return true;
      },
    );
  });
});
