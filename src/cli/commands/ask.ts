import type { ChalkInstance } from "chalk";
import type { Command } from "commander";
import { defaultCacheDir } from "../../ask/cache.js";
import { type AskDatasetOptions, askDataset, type CaseReport } from "../../ask/dataset.js";
import { type AskRequestOptions, ask, defaultKeyEnv } from "../../ask/index.js";
import { askJunitXml } from "../../ask/junit.js";
import { askReport } from "../../ask/report.js";
import type { Expectation } from "../../ask/types.js";
import { ImgencError } from "../../errors.js";
import { formatAsk, formatDataset } from "../format/ask.js";
import { type Io, stdinFile, write } from "../io.js";
import { type SettingValues, settingValues } from "../options.js";
import { assertDistinctOutputs, checkOutputs, writeFileAtomic } from "../output.js";
import {
  localInputs,
  printThenReport,
  sourceOptions,
  stdoutStyle,
  writeOutputs,
} from "./shared.js";

interface Flags {
  dataset?: string;
  json?: boolean;
  report?: string;
  jsonl?: boolean;
  junit?: string;
  cache: boolean;
}

function usage(message: string): ImgencError {
  return new ImgencError("usage", message);
}

function expectationOf(values: SettingValues): Expectation | undefined {
  const e: Expectation = {
    ...(values.expect !== undefined && { text: values.expect }),
    ...(values.expectRegex !== undefined && { regex: values.expectRegex }),
    ...(values.expectNumber !== undefined && { number: values.expectNumber }),
  };
  return Object.keys(e).length === 0 ? undefined : e;
}

/** The request options from the flags; the key from the environment, never from a flag. */
function requestOptions(values: SettingValues, io: Io): AskRequestOptions {
  if (values.endpoint === undefined) throw usage("ask needs --endpoint <url>");
  if (values.askModel === undefined) throw usage("ask needs --model <name>");
  const api = values.api ?? "openai";
  const apiKeyEnv = values.apiKeyEnv ?? defaultKeyEnv(api);
  const apiKey = io.env[apiKeyEnv];
  return {
    ...sourceOptions(values, io),
    endpoint: values.endpoint,
    model: values.askModel,
    api,
    apiKeyEnv,
    ...(apiKey !== undefined && apiKey !== "" && { apiKey }),
    ...(values.variants !== undefined && { variants: values.variants }),
    ...(values.system !== undefined && { system: values.system }),
    ...(values.maxTokens !== undefined && { maxTokens: values.maxTokens }),
    ...(values.temperature !== undefined && { temperature: values.temperature }),
    ...(values.seed !== undefined && { seed: values.seed }),
    ...(values.runs !== undefined && { runs: values.runs }),
    ...(values.concurrency !== undefined && { concurrency: values.concurrency }),
  };
}

export async function runAsk(
  source: string | undefined,
  command: Command,
  io: Io,
): Promise<number> {
  const flags = command.opts<Flags>();
  const { values } = settingValues(command);
  const { chalk } = stdoutStyle(command, io);
  if (flags.dataset !== undefined)
    return runDataset(flags.dataset, source, values, flags, io, chalk);
  if (source === undefined) throw usage("ask needs a <source> image or --dataset <cases.jsonl>");
  for (const [given, name] of [
    [flags.jsonl, "--jsonl"],
    [flags.junit, "--junit"],
    [values.minAccuracy, "--min-accuracy"],
    [values.maxAccuracyDrop, "--max-accuracy-drop"],
  ] as const) {
    if (given !== undefined && given !== false) throw usage(`${name} applies to --dataset`);
  }
  if (values.prompt === undefined) throw usage("ask needs --prompt <text>");
  const reportPath = flags.report;
  const inputs = localInputs([source]);
  if (reportPath !== undefined) {
    // The report compares the client paths on the source, read a second time.
    if (source === "-") throw usage("--report reads the source again: give a file or URL, not -");
    checkOutputs(
      [{ option: "--report", path: reportPath }],
      inputs,
      source === "-" ? stdinFile(io.stdin) : undefined,
    );
  }
  const expect = expectationOf(values);
  const cache = values.cacheDir !== undefined && flags.cache ? { cache: values.cacheDir } : {};
  const { report } = await ask(source, {
    ...requestOptions(values, io),
    ...cache,
    prompt: values.prompt,
    ...(expect !== undefined && { expect }),
  });
  const failures = await writeOutputs([
    reportPath !== undefined
      ? async () =>
          writeFileAtomic(
            reportPath,
            await askReport(source, report, {
              ...sourceOptions(values, io),
              generatedAt: new Date().toISOString(),
            }),
            inputs,
          )
      : undefined,
  ]);
  return printThenReport(
    io,
    failures,
    async () => {
      if (flags.json) {
        await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`);
      } else {
        await write(io.stdout, formatAsk(report, chalk));
      }
    },
    report.passed ? 0 : 1,
  );
}

async function runDataset(
  dataset: string,
  source: string | undefined,
  values: SettingValues,
  flags: Flags,
  io: Io,
  chalk: ChalkInstance,
): Promise<number> {
  if (source !== undefined) throw usage("give a <source> or --dataset, not both");
  if (flags.json && flags.jsonl) throw usage("--json and --jsonl both want stdout; pick one");
  const given = (["expect", "expectRegex", "expectNumber"] as const).filter(
    (key) => values[key] !== undefined,
  );
  if (given.length > 0)
    throw usage(
      "with --dataset, expectations come from each case (expect, expect_regex, expect_number)",
    );
  const outputs = flags.junit !== undefined ? [{ option: "--junit", path: flags.junit }] : [];
  assertDistinctOutputs(outputs);
  checkOutputs(outputs, localInputs([dataset]));
  const pending: Promise<void>[] = [];
  const options: AskDatasetOptions = {
    ...requestOptions(values, io),
    ...(values.prompt !== undefined && { prompt: values.prompt }),
    ...(values.minAccuracy !== undefined && { minAccuracy: values.minAccuracy }),
    ...(values.maxAccuracyDrop !== undefined && { maxAccuracyDrop: values.maxAccuracyDrop }),
    cache: flags.cache ? (values.cacheDir ?? defaultCacheDir(io.env)) : false,
    ...(flags.jsonl && {
      onCase: (report: CaseReport) => {
        pending.push(write(io.stdout, `${JSON.stringify(report)}\n`));
      },
    }),
  };
  const report = await askDataset(dataset, options);
  await Promise.all(pending);
  const { junit } = flags;
  const failures = await writeOutputs([
    junit !== undefined ? () => writeFileAtomic(junit, askJunitXml(report), []) : undefined,
  ]);
  return printThenReport(
    io,
    failures,
    async () => {
      if (flags.json) {
        await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`);
      } else if (!flags.jsonl) {
        await write(io.stdout, formatDataset(report, chalk));
      }
    },
    report.passed ? 0 : 1,
  );
}
