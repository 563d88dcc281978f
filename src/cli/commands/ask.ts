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
import {
  askAnnotations,
  askSummary,
  datasetAnnotations,
  datasetSummary,
} from "../format/github.js";
import { type Io, stdinFile, write } from "../io.js";
import { type SettingValues, settingValues } from "../options.js";
import { assertDistinctOutputs, checkOutputs, writeFileAtomic } from "../output.js";
import {
  assertOneStdout,
  localInputs,
  printThenReport,
  sourceOptions,
  stdoutStyle,
  stepSummary,
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
  assertOneStdout({
    ...flags,
    reporter: values.reporter,
    ...(values.output !== undefined && { output: values.output }),
  });
  const style = stdoutStyle(command, io);
  const { chalk } = style;
  if (flags.dataset !== undefined)
    return runDataset(flags.dataset, source, values, flags, io, style);
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
  const { output } = values;
  const github = values.reporter === "github";
  const inputs = localInputs([source]);
  if (output !== undefined) {
    const outputs = [
      { option: "--output", path: output },
      ...(reportPath !== undefined ? [{ option: "--report", path: reportPath }] : []),
    ];
    assertDistinctOutputs(outputs);
    checkOutputs(outputs.slice(0, 1), inputs, source === "-" ? stdinFile(io.stdin) : undefined);
  }
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
  const jsonDocument = () => `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`;
  const failures = await writeOutputs([
    output !== undefined ? () => writeFileAtomic(output, jsonDocument(), inputs) : undefined,
    github ? stepSummary(io, () => askSummary(source, report)) : undefined,
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
      if (flags.json && output === undefined) {
        await write(io.stdout, jsonDocument());
      } else {
        if (github) await write(io.stdout, askAnnotations(source, report));
        await write(io.stdout, formatAsk(report, chalk, style.width));
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
  { chalk, width }: { chalk: ChalkInstance; width: number | undefined },
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
  const { output } = values;
  const github = values.reporter === "github";
  const outputs = [
    ...(flags.junit !== undefined ? [{ option: "--junit", path: flags.junit }] : []),
    ...(output !== undefined ? [{ option: "--output", path: output }] : []),
  ];
  assertDistinctOutputs(outputs);
  const inputs = localInputs([dataset]);
  checkOutputs(outputs, inputs);
  const pending: Promise<void>[] = [];
  // With --output the JSON lines wait here and are written whole at the end.
  const lines: string[] = [];
  const options: AskDatasetOptions = {
    ...requestOptions(values, io),
    ...(values.prompt !== undefined && { prompt: values.prompt }),
    ...(values.minAccuracy !== undefined && { minAccuracy: values.minAccuracy }),
    ...(values.maxAccuracyDrop !== undefined && { maxAccuracyDrop: values.maxAccuracyDrop }),
    cache: flags.cache ? (values.cacheDir ?? defaultCacheDir(io.env)) : false,
    ...(flags.jsonl && {
      onCase: (report: CaseReport) => {
        const line = `${JSON.stringify(report)}\n`;
        if (output !== undefined) lines.push(line);
        else pending.push(write(io.stdout, line));
      },
    }),
  };
  const report = await askDataset(dataset, options);
  await Promise.all(pending);
  const { junit } = flags;
  const jsonDocument = () => `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`;
  const failures = await writeOutputs([
    output !== undefined
      ? () => writeFileAtomic(output, flags.jsonl ? lines : jsonDocument(), inputs)
      : undefined,
    junit !== undefined ? () => writeFileAtomic(junit, askJunitXml(report), []) : undefined,
    github ? stepSummary(io, () => datasetSummary(report)) : undefined,
  ]);
  return printThenReport(
    io,
    failures,
    async () => {
      if (output === undefined && flags.json) {
        await write(io.stdout, jsonDocument());
      } else if (output !== undefined || !flags.jsonl) {
        if (github) await write(io.stdout, datasetAnnotations(report));
        await write(io.stdout, formatDataset(report, chalk, width));
      }
    },
    report.passed ? 0 : 1,
  );
}
