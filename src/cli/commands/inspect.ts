import { Chalk } from "chalk";
import type { Command } from "commander";
import { inspect } from "../../inspect.js";
import { formatInspect } from "../format/inspect.js";
import { colorLevel, type Io, write } from "../io.js";
import { settingValues } from "../options.js";
import { modelOptions, sourceOptions } from "./shared.js";

interface Flags {
  json?: boolean;
}

/**
 * Exit 1 when an error-level finding exists or the named server rejects the data URI or URL;
 * unreadable input is thrown (exit 2).
 */
export async function runInspect(spec: string, command: Command, io: Io): Promise<number> {
  const flags = command.opts<Flags>();
  const { values } = settingValues(command);
  const report = await inspect(spec, { ...sourceOptions(values, io), ...modelOptions(values) });
  if (flags.json) {
    await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`);
  } else {
    await write(
      io.stdout,
      formatInspect(report, new Chalk({ level: colorLevel(io.stdout, io.env) })),
    );
  }
  return report.passed && report.accepted !== false ? 0 : 1;
}
