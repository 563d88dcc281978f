import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { type Command, Help, InvalidArgumentError } from "commander";
import { parseConfig } from "../src/check/config.js";
import { check } from "../src/check/index.js";
import { flagName, parseArgument } from "../src/cli/options.js";
import { buildProgram } from "../src/cli/program.js";
import { CLIENT_NAMES } from "../src/client/types.js";
import { compare } from "../src/compare.js";
import { encode } from "../src/encode.js";
import { ImgencError } from "../src/errors.js";
import { DEFAULT_MAX_INPUT_PIXELS } from "../src/image/decode.js";
import { inspect } from "../src/inspect.js";
import { DEFAULT_THRESHOLD } from "../src/metrics/measure.js";
import { mismatch } from "../src/metrics/mismatch.js";
import { MODELS } from "../src/models/registry.js";
import { PILLOW_DEFAULT_JPEG } from "../src/payload/types.js";
import {
  CONFIG_KEYS,
  type CommandName,
  SETTINGS,
  type Setting,
  type SettingName,
} from "../src/settings.js";
import {
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
} from "../src/source/types.js";
import { fixture } from "./helpers/cli.js";

const KEYS = Object.keys(SETTINGS) as SettingName[];
const setting = (key: SettingName): Setting<unknown> => SETTINGS[key];

/** What a command line could hold, valid or not for some setting. */
const TEXTS = [
  ...["", " ", "abc", "NaN", "Infinity", "-Infinity", "0x10", "1e3", " 75 ", "1/2"],
  ...["-1", "0", "0.05", "0.1", "0.5", "1", "1.5", "7.5", "75", "100", "101", "255", "256"],
  ...["1000", "1001", "1000000", "1099511627776", "1099511627777"],
  ...["0%", "0.5%", "1%", "100%", "101%", "%", "-3%", "250", "12 px"],
  ...["4:2:0", "4:4:4", "4:1:1", "png", "PNG", "original", "jpeg", "webp", "gif"],
  ...MODELS,
  "Qwen2.5-VL",
  ...CLIENT_NAMES,
  `${CLIENT_NAMES.join(",")}`,
  "pillow,pillow",
  "pillow,",
];

/** The JSON a user would write in a config for what they would type on the command line. */
function asJson(text: string): unknown {
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

function program(): Command {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
  };
  return buildProgram(io, () => {});
}

describe("the settings table", () => {
  test("each config key's command-line and config parsers agree on every value", () => {
    assert.deepEqual(CONFIG_KEYS, [
      "quality",
      "subsampling",
      "lossless",
      "client",
      "threshold",
      "model",
      "server",
      "minPixels",
      "maxPixels",
      "minPsnr",
      "minSsim",
      "maxMismatch",
    ]);
    for (const key of CONFIG_KEYS) {
      const s = setting(key);
      assert.ok(s.fromJson, key);
      let valid = 0;
      for (const text of TEXTS) {
        const fromText = s.fromText(text);
        const fromJson = s.fromJson(asJson(text));
        assert.deepEqual(fromText, fromJson, `${key}: ${JSON.stringify(text)}`);
        if (fromText !== undefined) {
          valid++;
          // What both read is a valid library value, unchanged by the core's own check.
          assert.deepEqual(s.check(fromText), fromText, `${key}: ${JSON.stringify(text)}`);
        }
      }
      assert.ok(valid > 0 && valid < TEXTS.length, `${key}: the texts test both sides`);
    }
  });

  test("the ranges are the documented ones, on the command line and in the config", () => {
    const q = setting("quality");
    assert.deepEqual(["1", "100", "0", "101", "7.5"].map(q.fromText), [
      1,
      100,
      undefined,
      undefined,
      undefined,
    ]);
    assert.deepEqual(
      [1, 100, 0, 101, 7.5, "80"].map((v) => q.fromJson?.(v)),
      [1, 100, undefined, undefined, undefined, undefined],
    );
    assert.equal(setting("threshold").fromText("1.01"), undefined);
    assert.equal(setting("minSsim").fromJson?.(1.01), undefined);
    assert.equal(setting("minPsnr").fromText("1000.5"), undefined);
    assert.deepEqual(setting("maxMismatch").fromJson?.("100%"), { share: 1 });
    assert.equal(setting("maxMismatch").fromJson?.("250"), undefined, "a count is a JSON number");
    assert.equal(setting("model").fromJson?.("gpt-5"), undefined);
  });

  test("every default is a valid value, and it is the one the core uses", () => {
    for (const key of KEYS) {
      const s = setting(key);
      if (s.default !== undefined) assert.deepEqual(s.check(s.default), s.default, key);
    }
    assert.deepEqual(PILLOW_DEFAULT_JPEG, {
      quality: SETTINGS.quality.default,
      subsampling: SETTINGS.subsampling.default,
    });
    assert.equal(DEFAULT_THRESHOLD, SETTINGS.threshold.default);
    assert.equal(DEFAULT_TIMEOUT_MS, SETTINGS.timeoutMs.default);
    assert.equal(DEFAULT_RETRIES, SETTINGS.retries.default);
    assert.equal(DEFAULT_MAX_INPUT_BYTES, SETTINGS.maxInputBytes.default);
    assert.equal(DEFAULT_MAX_INPUT_PIXELS, SETTINGS.maxInputPixels.default);
    // Pillow's default save and pixelmatch's default threshold, as the README states them.
    assert.equal(SETTINGS.quality.default, 75);
    assert.equal(SETTINGS.subsampling.default, "4:2:0");
    assert.equal(SETTINGS.threshold.default, 0.1);
  });

  test("compare with every setting omitted is compare with the table's defaults", async () => {
    const omitted = await compare(fixture("gradient.png"));
    const given = await compare(fixture("gradient.png"), undefined, {
      lossless: SETTINGS.lossless.default,
      jpeg: { quality: SETTINGS.quality.default, subsampling: SETTINGS.subsampling.default },
      threshold: SETTINGS.threshold.default,
      timeoutMs: SETTINGS.timeoutMs.default,
      retries: SETTINGS.retries.default,
      maxInputBytes: SETTINGS.maxInputBytes.default,
      maxInputPixels: SETTINGS.maxInputPixels.default,
    });
    assert.deepEqual(omitted.report, given.report);
    assert.equal(omitted.report.metrics?.threshold, SETTINGS.threshold.default);
    assert.deepEqual(omitted.report.payloads[1].jpeg, PILLOW_DEFAULT_JPEG);
    assert.equal(omitted.report.payloads[0].label, "PNG (sharp)");
  });

  test("the program's options are the table's, each on the commands the table names", () => {
    const commands = program().commands;
    for (const command of commands) {
      const name = command.name() as CommandName;
      const flags = command.options.map((o) => o.flags);
      for (const key of KEYS) {
        const s = setting(key);
        assert.equal(flags.includes(s.flags), s.commands.includes(name), `${name} ${s.flags}`);
      }
    }
    assert.deepEqual(commands.map((c) => c.name()).sort(), [
      "ask",
      "check",
      "compare",
      "completion",
      "encode",
      "inspect",
      "proxy",
    ]);
  });

  test("--help states each default once, in commander's words", () => {
    const help = new Help();
    for (const command of program().commands) {
      const text = command.helpInformation();
      assert.doesNotMatch(text, /\(default [^:]/, `${command.name()}: a hand-written default`);
      for (const option of command.options) {
        const description = help.optionDescription(option);
        const key = KEYS.find((k) => setting(k).flags === option.flags);
        const s = key === undefined ? undefined : setting(key);
        const stated = description.match(/default:/g)?.length ?? 0;
        if (s?.default === undefined && s?.defaultText === undefined) {
          assert.equal(stated, 0, `${command.name()} ${option.flags}: ${description}`);
          continue;
        }
        assert.equal(stated, 1, `${command.name()} ${option.flags}: ${description}`);
        const shown = s.defaultText ?? JSON.stringify(s.default);
        assert.ok(description.endsWith(`default: ${shown})`), `${command.name()}: ${description}`);
      }
    }
  });

  test("an invalid command-line value names the flag in the one voice", () => {
    // Free text (a prompt, a model name, a pattern, a file name) and switches take "%bad%".
    const freeText = KEYS.filter((key) => setting(key).fromText("%bad%") !== undefined);
    assert.deepEqual(freeText, [
      "askModel",
      "prompt",
      "system",
      "expect",
      "expectRegex",
      "cacheDir",
      "request",
      "allowRemote",
      "log",
      "saveImages",
      "quiet",
      "verbose",
      "output",
    ]);
    for (const key of KEYS.filter((k) => !freeText.includes(k))) {
      const s = setting(key);
      assert.throws(
        () => parseArgument(s)("%bad%"),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentError);
          assert.equal(
            e.message,
            `expected ${s.textExpected ?? s.expected} for ${flagName(s)} but received '%bad%'`,
          );
          return true;
        },
        key,
      );
    }
    assert.equal(flagName(SETTINGS.quality), "-q, --quality");
    assert.equal(flagName(SETTINGS.timeoutMs), "--timeout");
  });

  test("an invalid config value names the key in the same voice", () => {
    for (const key of CONFIG_KEYS) {
      const s = setting(key);
      assert.throws(
        () => parseConfig({ [key]: "%bad%" }, "imgenc.config.json"),
        (e: unknown) => {
          assert.ok(e instanceof ImgencError);
          assert.equal(e.code, "config");
          assert.equal(e.message, `expected ${s.expected} for ${key} but received "%bad%"`);
          return true;
        },
        key,
      );
    }
  });
});

describe("the library names its own options", () => {
  const usage = (message: string) => (e: unknown) => {
    assert.ok(e instanceof ImgencError);
    assert.equal(e.code, "usage");
    assert.equal(e.message, message);
    return true;
  };
  const photo = fixture("photo.png");

  test("compare: jpeg.quality, threshold, gates and source limits", async () => {
    await assert.rejects(
      compare(photo, undefined, { jpeg: { quality: 0, subsampling: "4:2:0" } }),
      usage("expected a whole number from 1 to 100 for jpeg.quality but received 0"),
    );
    await assert.rejects(
      compare(photo, undefined, { threshold: 2 }),
      usage("expected a number from 0 to 1 for threshold but received 2"),
    );
    await assert.rejects(
      compare(photo, undefined, { gates: { maxMismatch: { count: -1 } } }),
      usage(
        `expected ${SETTINGS.maxMismatch.expected} for gates.maxMismatch but received {"count":-1}`,
      ),
    );
    await assert.rejects(
      compare(photo, undefined, { timeoutMs: 0 }),
      usage(
        "expected a number of milliseconds above 0 and at most 2147483647 for timeoutMs but received 0",
      ),
    );
  });

  test("encode and inspect", async () => {
    await assert.rejects(
      encode(photo, { encoding: { format: "jpeg", quality: 101, subsampling: "4:2:0" } }),
      usage("expected a whole number from 1 to 100 for encoding.quality but received 101"),
    );
    await assert.rejects(
      encode(photo, { encoding: { format: "gif" as "png", quality: 75, subsampling: "4:2:0" } }),
      usage(`expected one of "png", "jpeg", "webp" for encoding.format but received "gif"`),
    );
    await assert.rejects(
      inspect(photo, { model: "gpt-5" as "gpt-4o" }),
      usage(`expected ${SETTINGS.model.expected} for model but received "gpt-5"`),
    );
  });

  test("check: its settings, jobs and shard", async () => {
    await assert.rejects(
      check([photo], { config: false, quality: 0 }),
      usage("expected a whole number from 1 to 100 for quality but received 0"),
    );
    await assert.rejects(
      check([photo], { config: false, jobs: 0 }),
      usage("expected a whole number from 1 to 256 for jobs but received 0"),
    );
    await assert.rejects(
      check([photo], { config: false, shard: { index: 3, count: 2 } }),
      usage(`expected ${SETTINGS.shard.expected} for shard but received {"index":3,"count":2}`),
    );
  });

  test("mismatch() speaks the same voice for its threshold", () => {
    const pixels = new Uint8Array(4).fill(255);
    assert.throws(
      () => mismatch(pixels, pixels, 1, 1, { threshold: -0.5 }),
      (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.equal(e.message, "expected a number from 0 to 1 for threshold but received -0.5");
        return true;
      },
    );
  });
});
