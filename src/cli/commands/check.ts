import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { check, describeWarning } from "../../check/index.js";
import { junitXml } from "../../check/junit.js";
import type { CheckItem } from "../../check/types.js";
import { ImgencError } from "../../errors.js";
import { checkReportPage } from "../../report/index.js";
import { CONFIG_KEYS, SETTINGS, type SettingName } from "../../settings.js";
import { formatCheck, progressLine } from "../format/check.js";
import { checkAnnotations, checkSummary } from "../format/github.js";
import { type Io, write } from "../io.js";
import { longFlag, type SettingValues, settingValues } from "../options.js";
import { assertDistinctOutputs, checkOutputs, writeFileAtomic } from "../output.js";
import {
  assertOneStdout,
  localInputs,
  printThenReport,
  stdoutStyle,
  stepSummary,
  writeOutputs,
} from "./shared.js";

interface Flags {
  allowEmpty?: boolean;
  config?: string;
  json?: boolean;
  jsonl?: boolean;
  junit?: string;
  report?: string;
}

/** The item as JSON: the compare report, its verdict and error; never image bytes. */
function itemJson(item: CheckItem): object {
  const { images: _images, clientImages: _clientImages, ...rest } = item;
  return rest;
}

export async function runCheckCommand(specs: string[], command: Command, io: Io): Promise<number> {
  const flags = command.opts<Flags>();
  if (flags.json && flags.jsonl)
    throw new ImgencError("usage", "--json and --jsonl both want stdout; pick one");
  // A setting the config also sets counts only when typed; the others carry their defaults.
  const { values, given } = settingValues(command);
  const { reporter, quiet, verbose, output, ...rest } = values;
  if (quiet && verbose) throw new ImgencError("usage", "--quiet and --verbose: pick one");
  assertOneStdout({ ...flags, reporter, ...(output !== undefined && { output }) });
  const outputs = [
    ...(flags.junit !== undefined ? [{ option: "--junit", path: flags.junit }] : []),
    ...(flags.report !== undefined ? [{ option: "--report", path: flags.report }] : []),
    ...(output !== undefined ? [{ option: "--output", path: output }] : []),
  ];
  assertDistinctOutputs(outputs);
  const settings: SettingValues = {};
  for (const key of Object.keys(rest) as SettingName[]) {
    if (given[key] !== undefined || !(CONFIG_KEYS as readonly string[]).includes(key))
      Object.assign(settings, { [key]: (rest as SettingValues)[key] });
  }
  const github = reporter === "github";
  // With --output the JSON lines wait here and are written whole at the end.
  const lines: string[] | undefined = output !== undefined && flags.jsonl ? [] : undefined;

  const { chalk, width } = stdoutStyle(command, io);
  const progress = io.stderr.isTTY === true && !io.env.CI;
  const columns = (io.stderr as { columns?: number }).columns ?? 80;
  const controller = new AbortController();
  let unregister: (() => void) | undefined;
  let inputs: string[] = [];
  const pending: Promise<void>[] = [];
  // A failed stdout is reported after the files are written: they may be all that is left.
  let stdoutFailure: unknown;
  const keep = (written: Promise<void>) =>
    pending.push(
      written.catch((error: unknown) => {
        stdoutFailure ??= error;
      }),
    );
  const result = await check(specs, {
    ...settings,
    ...(flags.config !== undefined && { config: flags.config }),
    ...(io.cores !== undefined && { cores: io.cores }),
    allowEmpty: flags.allowEmpty === true,
    // The report's images wait in a file beside it, not in memory, until the page is written.
    images: flags.report === undefined ? false : { spool: dirname(resolve(flags.report)) },
    signal: controller.signal,
    onStart: async ({ files, warnings }) => {
      inputs = localInputs(files);
      checkOutputs(outputs, inputs);
      for (const warning of warnings) {
        const text = describeWarning(warning, (key) => longFlag(SETTINGS[key]));
        await write(io.stderr, `imgenc: warning: ${text}\n`);
      }
      unregister = io.onInterrupt?.(() => controller.abort());
    },
    onItem: (item, done, total) => {
      if (flags.jsonl) {
        const line = `${JSON.stringify(itemJson(item))}\n`;
        if (lines !== undefined) lines.push(line);
        else keep(write(io.stdout, line));
      }
      if (progress) keep(write(io.stderr, progressLine(done, total, item.file, columns)));
    },
  }).finally(() => unregister?.());
  try {
    await Promise.all(pending);
    if (progress) await write(io.stderr, "\r\u001b[K");

    const { items, totals, notRun } = result;
    const { junit, report } = flags;
    const jsonDocument = () => {
      // Reports with client paths carry the compare document's version 2 shape.
      const schemaVersion = items.some((i) => i.report?.clients !== undefined) ? 2 : 1;
      const doc = { schemaVersion, images: items.map(itemJson), totals };
      return `${JSON.stringify(doc, null, 2)}\n`;
    };
    const failures = await writeOutputs([
      output !== undefined
        ? () => writeFileAtomic(output, lines ?? jsonDocument(), inputs)
        : undefined,
      junit !== undefined
        ? () => writeFileAtomic(junit, junitXml(items, totals, { notRun }), inputs)
        : undefined,
      report !== undefined
        ? async () =>
            writeFileAtomic(
              report,
              await checkReportPage(items, totals, { generatedAt: new Date().toISOString() }),
              inputs,
            )
        : undefined,
      github ? stepSummary(io, () => checkSummary(items, totals)) : undefined,
    ]);
    const code = totals.interrupted ? 130 : totals.failed + totals.errors === 0 ? 0 : 1;
    return await printThenReport(
      io,
      failures,
      async () => {
        if (stdoutFailure !== undefined) throw stdoutFailure;
        if (output === undefined && flags.json) {
          await write(io.stdout, jsonDocument());
        } else if (output !== undefined || !flags.jsonl) {
          if (github) await write(io.stdout, checkAnnotations(items));
          const passed = quiet ? "failures" : verbose ? "all" : "some";
          await write(io.stdout, formatCheck(items, totals, chalk, passed, width));
        }
      },
      code,
    );
  } finally {
    await result.close();
  }
}
