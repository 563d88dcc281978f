import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { ImgencError } from "../errors.js";
import type { Gates, MismatchLimit } from "../gates.js";
import { MODELS, type ModelName } from "../models/registry.js";
import type { LosslessMode, Subsampling } from "../payload/types.js";

/** Everything a config (or its per-glob overrides) may set for an image. */
export interface CheckSettings {
  quality?: number;
  subsampling?: Subsampling;
  lossless?: LosslessMode;
  threshold?: number;
  model?: ModelName;
  minPixels?: number;
  maxPixels?: number;
  minPsnr?: number;
  minSsim?: number;
  maxMismatch?: MismatchLimit;
}

export interface CheckConfig {
  /** The file it came from (for messages), or undefined for an empty config. */
  file: string | undefined;
  defaults: CheckSettings;
  overrides: { files: string[]; settings: CheckSettings }[];
  /** Globs in overrides are relative to this folder. */
  root: string;
}

const CONFIG_FILE = "imgenc.config.json";

type Check = (value: unknown) => unknown;

function fail(file: string, key: string, expected: string, value: unknown): never {
  throw new ImgencError(
    "config",
    `${key}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
    { input: file },
  );
}

const number =
  (min: number, max: number, integer = false): Check =>
  (v) =>
    typeof v === "number" &&
    Number.isFinite(v) &&
    v >= min &&
    v <= max &&
    (!integer || Number.isInteger(v))
      ? v
      : undefined;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === "string" && values.includes(v) ? v : undefined;
const mismatch: Check = (v) => {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return { count: v };
  const m = typeof v === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  return m && Number(m[1]) <= 100 ? { share: Number(m[1]) / 100 } : undefined;
};

const KEYS: Record<keyof CheckSettings, [Check, string]> = {
  quality: [number(1, 100, true), "a whole number from 1 to 100"],
  subsampling: [oneOf(["4:2:0", "4:4:4"]), '"4:2:0" or "4:4:4"'],
  lossless: [oneOf(["png", "original"]), '"png" or "original"'],
  threshold: [number(0, 1), "a number from 0 to 1"],
  model: [oneOf(MODELS), `one of ${MODELS.map((m) => `"${m}"`).join(", ")}`],
  minPixels: [number(1, 2 ** 40, true), "a positive whole number"],
  maxPixels: [number(1, 2 ** 40, true), "a positive whole number"],
  minPsnr: [number(0, 1000), "a number of dB"],
  minSsim: [number(0, 1), "a number from 0 to 1"],
  maxMismatch: [mismatch, 'a pixel count (250) or a percentage ("0.5%")'],
};

function settings(
  file: string,
  path: string,
  raw: unknown,
  allowOverrides: boolean,
): CheckSettings {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    fail(file, path || "(top level)", "an object", raw);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const where = path === "" ? key : `${path}.${key}`;
    if (key === "overrides" && allowOverrides) continue;
    if (key === "files" && !allowOverrides) continue;
    if (key === "$schema") continue;
    // Own keys only: "__proto__", "constructor" or "toString" must not reach Object.prototype.
    const rule = Object.hasOwn(KEYS, key) ? KEYS[key as keyof CheckSettings] : undefined;
    if (rule === undefined) {
      const known = [...Object.keys(KEYS), ...(allowOverrides ? ["overrides"] : ["files"])];
      fail(file, where, `a known key (${known.join(", ")})`, key);
    }
    const checked = rule[0](value);
    if (checked === undefined) fail(file, where, rule[1], value);
    out[key] = checked;
  }
  return out as CheckSettings;
}

/** Validates a parsed config; every error names the file, the key and what was expected. */
export function parseConfig(
  raw: unknown,
  file: string,
  root = dirname(resolve(file)),
): CheckConfig {
  const defaults = settings(file, "", raw, true);
  const list = (raw as { overrides?: unknown }).overrides ?? [];
  if (!Array.isArray(list)) fail(file, "overrides", "an array", list);
  const overrides = list.map((entry: unknown, i: number) => {
    const at = `overrides[${i}]`;
    const files = (entry as { files?: unknown } | null)?.files;
    const globs = typeof files === "string" ? [files] : files;
    if (
      !Array.isArray(globs) ||
      globs.length === 0 ||
      !globs.every((g) => typeof g === "string" && g !== "")
    ) {
      fail(file, `${at}.files`, "a glob or a list of globs", files);
    }
    return { files: globs as string[], settings: settings(file, at, entry, false) };
  });
  return { file, defaults, overrides, root };
}

function readError(file: string, error: unknown): ImgencError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
        ? "is a directory, not a config file"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : `cannot read (${code})`;
  return new ImgencError("config", message, { input: file });
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw readError(file, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImgencError("config", `not valid JSON: ${(error as Error).message}`, { input: file });
  }
}

/**
 * The config named with --config, or the first imgenc.config.json or package.json with an
 * "imgenc" key found from `cwd` upwards; an empty config when there is none.
 */
export function loadConfig(explicit: string | undefined, cwd = process.cwd()): CheckConfig {
  if (explicit !== undefined) return parseConfig(readJson(explicit), explicit);
  let folder = resolve(cwd);
  for (;;) {
    const own = join(folder, CONFIG_FILE);
    const shown = relative(cwd, own) || own;
    try {
      readFileSync(own);
      return parseConfig(readJson(own), shown);
    } catch (error) {
      if (error instanceof ImgencError) throw error;
      // Only absence moves the search on: a folder or an unreadable file by that name is an error.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw readError(shown, error);
    }
    const pkg = join(folder, "package.json");
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(pkg, "utf8"));
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === "object" && "imgenc" in parsed) {
      return parseConfig(
        (parsed as { imgenc: unknown }).imgenc,
        `${relative(cwd, pkg) || pkg} ("imgenc")`,
      );
    }
    const parent = dirname(folder);
    if (parent === folder) return { file: undefined, defaults: {}, overrides: [], root: cwd };
    folder = parent;
  }
}

/** Defaults, then every matching override in order; the caller lays CLI flags on top. */
export function settingsFor(config: CheckConfig, file: string): CheckSettings {
  const path = relative(config.root, resolve(file)).replace(/\\/g, "/");
  let result: CheckSettings = { ...config.defaults };
  for (const override of config.overrides) {
    if (picomatch.isMatch(path, override.files, { dot: true }))
      result = { ...result, ...override.settings };
  }
  return result;
}

export function gatesOf(s: CheckSettings): Gates {
  return {
    ...(s.minPsnr !== undefined && { minPsnr: s.minPsnr }),
    ...(s.minSsim !== undefined && { minSsim: s.minSsim }),
    ...(s.maxMismatch !== undefined && { maxMismatch: s.maxMismatch }),
  };
}
