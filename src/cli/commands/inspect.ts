import type { Command } from "commander";
import { ImgencError } from "../../errors.js";
import { inspect } from "../../inspect.js";
import { analyseRequest, type RequestAnalysis } from "../../proxy/analyse.js";
import { describeImage } from "../../proxy/describe.js";
import { readTextFile } from "../../source/file.js";
import { formatInspect } from "../format/inspect.js";
import { imageHeading } from "../format/proxy.js";
import { termSafe } from "../format/terminal.js";
import { type Io, write } from "../io.js";
import { settingValues } from "../options.js";
import { modelOptions, sourceOptions, stdoutStyle } from "./shared.js";

interface Flags {
  json?: boolean;
}

/**
 * Exit 1 when an error-level finding exists or the named server rejects the data URI or URL;
 * unreadable input is thrown (exit 2).
 */
export async function runInspect(
  spec: string | undefined,
  command: Command,
  io: Io,
): Promise<number> {
  const flags = command.opts<Flags>();
  const { values } = settingValues(command);
  if (values.request !== undefined) {
    if (spec !== undefined) {
      throw new ImgencError("usage", "give either <source> or --request, not both");
    }
    return inspectRequest(values.request, command, io);
  }
  if (spec === undefined)
    throw new ImgencError("usage", "missing <source> (or --request <body.json>)");
  const report = await inspect(spec, { ...sourceOptions(values, io), ...modelOptions(values) });
  if (flags.json) {
    await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`);
  } else {
    const { chalk, width } = stdoutStyle(command, io);
    await write(io.stdout, formatInspect(report, chalk, width));
  }
  return report.passed && report.accepted !== false ? 0 : 1;
}

async function readRequest(file: string): Promise<unknown> {
  const text = await readTextFile(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImgencError("unreadable", `not a JSON request body: ${(error as Error).message}`, {
      input: file,
      cause: error,
    });
  }
}

/** Every image of a saved request body; exit 1 when any has an error-level finding. */
async function inspectRequest(file: string, command: Command, io: Io): Promise<number> {
  const { values } = settingValues(command);
  const body = await readRequest(file);
  const analysis: RequestAnalysis = await analyseRequest(body, {
    ...modelOptions(values),
    ...(values.maxInputBytes !== undefined && { maxInputBytes: values.maxInputBytes }),
    ...(values.maxInputPixels !== undefined && { maxInputPixels: values.maxInputPixels }),
  });
  if (command.opts<Flags>().json) {
    await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...analysis }, null, 2)}\n`);
  } else {
    const { chalk: c, width } = stdoutStyle(command, io);
    const blocks = analysis.images.map((image) => {
      const head = `${c.bold(imageHeading(image))}\n`;
      return image.report
        ? `${head}${formatInspect(image.report, c, width)}`
        : `${head}  ${termSafe(describeImage(image))}\n`;
    });
    const api = analysis.api ?? "an unknown API";
    const intro = `${analysis.images.length} image${analysis.images.length === 1 ? "" : "s"} in this ${api} request\n`;
    await write(io.stdout, [intro, ...blocks].join("\n"));
  }
  const failed = analysis.images.some((image) =>
    image.findings.some((f) => f.severity === "error"),
  );
  return failed ? 1 : 0;
}
