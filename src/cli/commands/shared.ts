import { appendFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Chalk, type ChalkInstance } from "chalk";
import type { Command } from "commander";
import { cannotWrite, ImgencError, isImgencError } from "../../errors.js";
import type { ModelName, PlanOptions } from "../../models/registry.js";
import type { ServerName } from "../../server/types.js";
import type { SourceOptions } from "../../source/types.js";
import { termSafe } from "../format/terminal.js";
import { colorLevel, type Io, terminalWidth, write } from "../io.js";
import type { SettingValues } from "../options.js";

/** The source limits every command applies, and stdin for "-". */
export function sourceOptions(
  values: SettingValues,
  io: Io,
): SourceOptions & { maxInputPixels?: number } {
  return {
    ...(values.timeoutMs !== undefined && { timeoutMs: values.timeoutMs }),
    ...(values.retries !== undefined && { retries: values.retries }),
    ...(values.maxInputBytes !== undefined && { maxInputBytes: values.maxInputBytes }),
    ...(values.maxInputPixels !== undefined && { maxInputPixels: values.maxInputPixels }),
    stdin: io.stdin,
  };
}

/** The sources that are files on this machine: outputs must never land on them. */
export function localInputs(sources: readonly string[]): string[] {
  return sources
    .filter((s) => s !== "-" && !/^(data|https?):/i.test(s))
    .map((s) => (s.toLowerCase().startsWith("file:") ? fileURLToPath(s) : s));
}

export function modelOptions(
  values: SettingValues,
): { model?: ModelName; server?: ServerName } & PlanOptions {
  return {
    ...(values.model !== undefined && { model: values.model }),
    ...(values.server !== undefined && { server: values.server }),
    ...(values.minPixels !== undefined && { minPixels: values.minPixels }),
    ...(values.maxPixels !== undefined && { maxPixels: values.maxPixels }),
  };
}

/**
 * Writes each output in turn, keeping a failure (a full disk) instead of throwing it, so the
 * results still reach stdout; anything but an ImgencError is a bug and is thrown.
 */
export async function writeOutputs(
  writes: ReadonlyArray<(() => Promise<void>) | undefined>,
): Promise<ImgencError[]> {
  const failures: ImgencError[] = [];
  for (const work of writes) {
    if (work === undefined) continue;
    try {
      await work();
    } catch (error) {
      if (!isImgencError(error)) throw error;
      failures.push(error);
    }
  }
  return failures;
}

/**
 * Prints the results, then one line per output that could not be written. Resolves to exit
 * code 2 when an output failed, else to `code`.
 */
export async function printThenReport(
  io: Io,
  failures: readonly ImgencError[],
  print: () => Promise<void>,
  code: number,
): Promise<number> {
  try {
    await print();
  } finally {
    for (const failure of failures)
      await write(io.stderr, `imgenc: ${termSafe(failure.toString())}\n`);
  }
  return failures.length > 0 ? 2 : code;
}

/**
 * Appends a job summary to the file GitHub Actions names in $GITHUB_STEP_SUMMARY; undefined
 * (nothing to write) when it is unset.
 */
export function stepSummary(io: Io, markdown: () => string): (() => Promise<void>) | undefined {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === "") return undefined;
  return async () => {
    try {
      await appendFile(file, markdown());
    } catch (error) {
      throw cannotWrite(file, error);
    }
  };
}

/** Where --json and --jsonl go: a file named by --output, else stdout, which then has no room. */
export function assertOneStdout(flags: {
  json?: boolean;
  jsonl?: boolean;
  output?: string;
  reporter?: string;
}): void {
  const machine = flags.json ? "--json" : flags.jsonl ? "--jsonl" : undefined;
  if (flags.output !== undefined && machine === undefined)
    throw new ImgencError("usage", "--output writes the --json or --jsonl output; give one");
  if (machine !== undefined && flags.output === undefined && flags.reporter === "github")
    throw new ImgencError(
      "usage",
      `--reporter github and ${machine} both want stdout; write the JSON with --output <file>`,
    );
}

/**
 * How stdout shows results: its colours (after --color/--no-color, NO_COLOR, FORCE_COLOR and
 * TERM) and, on a terminal, the width to fit.
 */
export function stdoutStyle(
  command: Command,
  io: Io,
): { chalk: ChalkInstance; width: number | undefined } {
  const flag = command.optsWithGlobals<{ color?: boolean }>().color;
  return {
    chalk: new Chalk({ level: colorLevel(io.stdout, io.env, flag) }),
    width: terminalWidth(io.stdout),
  };
}
