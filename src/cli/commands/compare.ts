import type { Command } from "commander";
import { type CompareOptions, compare, diffPng } from "../../compare.js";
import { ImgencError, isImgencError } from "../../errors.js";
import { gatesOf } from "../../gates.js";
import { toDataUri } from "../../payload/build-data-uri.js";
import { termSafe } from "../format/terminal.js";
import { type Io, stdinFile, write } from "../io.js";
import { settingValues } from "../options.js";
import { assertDistinctOutputs, checkOutputs, writeFileAtomic } from "../output.js";
import {
  assertOneStdout,
  localInputs,
  modelOptions,
  printThenReport,
  sourceOptions,
  stdoutStyle,
  stepSummary,
  writeOutputs,
} from "./shared.js";

interface Flags {
  json?: boolean;
  diff?: string;
  report?: string;
  emit?: "lossless" | "lossy";
}

const SINGLE_ONLY = ["lossless", "quality", "subsampling", "client", "emit"] as const;

function usage(message: string): ImgencError {
  return new ImgencError("usage", message);
}

export async function runCompare(
  source: string,
  other: string | undefined,
  command: Command,
  io: Io,
): Promise<number> {
  const flags = command.opts<Flags>();
  const { values } = settingValues(command);
  if (other !== undefined) {
    const given = SINGLE_ONLY.filter((name) => command.getOptionValueSource(name) === "cli");
    if (given.length > 0) {
      throw usage(`--${given[0]} applies to one source; two sources are compared as given`);
    }
  }
  if (flags.emit !== undefined && flags.json)
    throw usage("--emit and --json both want stdout; pick one");
  const { reporter, output } = values;
  if (flags.emit !== undefined && reporter === "github")
    throw usage("--emit and --reporter github both want stdout; pick one");
  assertOneStdout({ ...flags, reporter, ...(output !== undefined && { output }) });
  const github = reporter === "github";
  // The GitHub, text and HTML formats load only for the output they make: --json needs none.
  const gh = github ? await import("../format/github.js") : undefined;

  const options: CompareOptions = {
    ...sourceOptions(values, io),
    ...modelOptions(values),
    ...(values.lossless !== undefined && { lossless: values.lossless }),
    ...(values.quality !== undefined &&
      values.subsampling !== undefined && {
        jpeg: { quality: values.quality, subsampling: values.subsampling },
      }),
    ...(values.threshold !== undefined && { threshold: values.threshold }),
    ...(values.client !== undefined && { client: values.client }),
    diff: flags.diff !== undefined || flags.report !== undefined,
    pixels: flags.report !== undefined,
    gates: gatesOf(values),
    ...(values.failOn !== undefined && { failOn: values.failOn }),
  };
  const sources = other === undefined ? [source] : [source, other];
  if (sources.filter((s) => s === "-").length > 1) throw usage("only one source can be - (stdin)");
  const outputs = [
    ...(flags.diff !== undefined ? [{ option: "--diff", path: flags.diff }] : []),
    ...(flags.report !== undefined ? [{ option: "--report", path: flags.report }] : []),
    ...(output !== undefined ? [{ option: "--output", path: output }] : []),
  ];
  assertDistinctOutputs(outputs);
  const inputs = localInputs(sources);
  checkOutputs(outputs, inputs, sources.includes("-") ? stdinFile(io.stdin) : undefined);

  const result = await compare(source, other, options).catch(async (error: unknown) => {
    // The log names the source that could not be read; the error itself still exits 2.
    if (gh !== undefined && isImgencError(error)) {
      const input = error.input ?? (other === undefined ? source : `${source} ${other}`);
      await write(io.stdout, gh.errorAnnotation(input, error.code, error.message));
    }
    throw error;
  });
  const { report, artifacts } = result;
  const { diff, report: reportPath } = flags;
  const diffImage = artifacts.diff;
  // The clients array is the one change of shape: documents without it stay version 1.
  const jsonDocument = () =>
    `${JSON.stringify({ schemaVersion: report.clients === undefined ? 1 : 2, ...report }, null, 2)}\n`;
  const failures = await writeOutputs([
    output !== undefined ? () => writeFileAtomic(output, jsonDocument(), inputs) : undefined,
    gh !== undefined
      ? stepSummary(io, () => gh.compareSummary(sources.join(" "), report))
      : undefined,
    reportPath !== undefined
      ? async () =>
          writeFileAtomic(
            reportPath,
            await (await import("../../report/index.js")).compareReportPage(result, {
              generatedAt: new Date().toISOString(),
            }),
            inputs,
          )
      : undefined,
    diff !== undefined && diffImage
      ? async () => writeFileAtomic(diff, await diffPng(diffImage), inputs)
      : undefined,
  ]);
  if (diff !== undefined && !diffImage) {
    await write(
      io.stderr,
      `imgenc: ${termSafe(diff)}: not written: the images have different dimensions\n`,
    );
  }

  return printThenReport(
    io,
    failures,
    async () => {
      if (flags.emit !== undefined) {
        const payload = artifacts.payloads[flags.emit === "lossless" ? 0 : 1];
        await write(io.stdout, `${toDataUri(payload.mime, payload.bytes)}\n`);
      } else if (flags.json && output === undefined) {
        await write(io.stdout, jsonDocument());
      } else {
        if (gh !== undefined) await write(io.stdout, gh.compareAnnotations(source, report));
        const { chalk, width } = stdoutStyle(command, io);
        const { formatCompare } = await import("../format/compare.js");
        await write(io.stdout, formatCompare(report, chalk, width));
      }
    },
    report.passed ? 0 : 1,
  );
}
