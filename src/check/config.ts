import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { ImgencError } from "../errors.js";
import {
  CONFIG_KEYS,
  type ConfigKey,
  invalidValue,
  SETTINGS,
  type Setting,
  type SettingValue,
  shownValue,
} from "../settings.js";

/** Everything a config (or its per-glob overrides) may set for an image. */
export type CheckSettings = { [K in ConfigKey]?: SettingValue<K> };

export interface CheckConfig {
  /** The file it came from (for messages), or undefined for an empty config. */
  file: string | undefined;
  defaults: CheckSettings;
  overrides: { files: string[]; settings: CheckSettings }[];
  /** Globs in overrides are relative to this folder. */
  root: string;
}

const CONFIG_FILE = "imgenc.config.json";

/** `where` is the key's path (`overrides[0].minSsim`), or undefined for the top level. */
function fail(file: string, where: string | undefined, expected: string, value: unknown): never {
  throw new ImgencError("config", invalidValue(expected, where, shownValue(value)), {
    input: file,
  });
}

function settings(
  file: string,
  path: string,
  raw: unknown,
  allowOverrides: boolean,
): CheckSettings {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    fail(file, path || undefined, "an object", raw);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const where = path === "" ? key : `${path}.${key}`;
    if (key === "overrides" && allowOverrides) continue;
    if (key === "files" && !allowOverrides) continue;
    if (key === "$schema") continue;
    // Own keys of the table only: "__proto__", "constructor" or "toString" must not reach
    // Object.prototype.
    const setting: Setting<unknown> | undefined = (CONFIG_KEYS as readonly string[]).includes(key)
      ? SETTINGS[key as ConfigKey]
      : undefined;
    if (setting?.fromJson === undefined) {
      const known = [...CONFIG_KEYS, ...(allowOverrides ? ["overrides"] : ["files"])];
      fail(file, path || undefined, `a known key (${known.join(", ")})`, key);
    }
    const parsed = setting.fromJson(value);
    if (parsed === undefined) fail(file, where, setting.expected, value);
    out[key] = parsed;
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
