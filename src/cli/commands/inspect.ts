import { Chalk } from "chalk";
import type { Command } from "commander";
import { inspect } from "../../inspect.js";
import { formatInspect } from "../format/inspect.js";
import { colorLevel, type Io, write } from "../io.js";
import { type ModelFlags, modelOptions, type SourceFlags, sourceOptions } from "./shared.js";

interface Flags extends SourceFlags, ModelFlags {
  json?: boolean;
}

/** Exit 1 when an error-level finding exists; unreadable input is thrown (exit 2). */
export async function runInspect(spec: string, command: Command, io: Io): Promise<number> {
  const flags = command.opts<Flags>();
  const report = await inspect(spec, { ...sourceOptions(flags, io), ...modelOptions(flags) });
  if (flags.json) {
    await write(io.stdout, `${JSON.stringify({ schemaVersion: 1, ...report }, null, 2)}\n`);
  } else {
    await write(
      io.stdout,
      formatInspect(report, new Chalk({ level: colorLevel(io.stdout, io.env) })),
    );
  }
  return report.passed ? 0 : 1;
}
