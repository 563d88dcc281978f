import { type Command, CommanderError } from "commander";
import { isImgencError } from "../errors.js";
import { redactText } from "../source/redact.js";
import { termSafe, termSafeLines } from "./format/terminal.js";
import { type Io, streamFailure, watchStream, write } from "./io.js";
import { buildProgram } from "./program.js";

/** 0 passed, 1 a gate failed, 2 usage or input error, 3 an internal error (a bug). */
const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** Whether stdout is a JSON document or JSON lines: --json or --jsonl before any `--`. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  return flags.includes("--json") || flags.includes("--jsonl");
}

/**
 * The error as the JSON document (or line) a script reads on stdout instead of a result, so
 * `| jq` always gets one; the message and input are already masked.
 */
function errorDocument(code: string, message: string, input?: string): string {
  const error = { code, ...(input !== undefined && { input }), message };
  return `${JSON.stringify({ schemaVersion: 1, error })}\n`;
}

/**
 * commander's message in imgenc's one-line voice: "error: " dropped, its "(Did you mean ...?)"
 * line folded in, and where to read the usage of the command that was run.
 */
function usageLine(message: string, program: Command, argv: readonly string[]): string {
  const text = message
    .replace(/^error:\s*/, "")
    .replace(/\n\(Did you mean/g, " (did you mean")
    .replace(/\s*\n\s*/g, " ")
    .trim()
    // Every option parser names its option itself: "option '-q, --quality <1-100>' argument '0'
    // is invalid. expected ... for -q, --quality but received '0'" keeps only its own words.
    .replace(/^option '[^']+' argument '.*' is invalid\. /s, "");
  const name = argv.find((arg) => !arg.startsWith("-"));
  const command = program.commands.find((c) => c.name() === name);
  return `${text} (see imgenc ${command === undefined ? "" : `${command.name()} `}--help)`;
}

/**
 * Runs the CLI and resolves to the exit code. Known errors become one line on stderr; anything
 * else is a bug, reported in one line unless --debug asks for the stack. Output that could not
 * be written to stdout is always exit 2, whatever the command had to say.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  watchStream(io.stdout, "<stdout>");
  watchStream(io.stderr, "<stderr>", { quiet: true });
  const debug = argv.includes("--debug");
  const json = wantsJson(argv);
  // Error text can carry a file name, a URL or a server's words: escaped, and URLs masked.
  const stack = (value: Error) => termSafeLines(redactText(value.stack ?? value.message));
  let reported: unknown;
  let code: number;
  try {
    code = await run(argv, io);
  } catch (error) {
    reported = error;
    if (isImgencError(error)) {
      if (json) await writeJson(io, errorDocument(error.code, error.message, error.input));
      await write(io.stderr, `imgenc: ${termSafe(error.toString())}\n`);
      if (debug && error.cause instanceof Error) await write(io.stderr, `${stack(error.cause)}\n`);
      code = EXIT.usage;
    } else {
      const message = redactText(error instanceof Error ? error.message : String(error));
      if (json) await writeJson(io, errorDocument("internal", message.split("\n")[0] ?? ""));
      await write(
        io.stderr,
        debug && error instanceof Error
          ? `${stack(error)}\n`
          : `imgenc: internal error: ${termSafe(message.split("\n")[0] ?? "")} (rerun with --debug for details)\n`,
      );
      code = EXIT.internal;
    }
  }
  // A failed write that nobody awaited (commander's help) still decides the exit code; its error
  // is emitted a tick or two after the write.
  await new Promise((resolve) => setImmediate(resolve));
  const failure = streamFailure(io.stdout);
  if (failure !== undefined && failure !== reported) {
    await write(io.stderr, `imgenc: ${termSafe(failure.toString())}\n`);
    code = EXIT.usage;
  }
  return code;
}

/** Writes the error document to stdout; a stdout that fails is reported as stdout's failure. */
async function writeJson(io: Io, text: string): Promise<void> {
  await write(io.stdout, text).catch(() => {});
}

async function run(argv: string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; help shown for a missing command is already out.
      if (error.exitCode === 0) return EXIT.ok;
      if (error.code !== "commander.help") {
        // commander echoes what was typed: a URL's password or an escape sequence among it.
        const line = redactText(usageLine(error.message, program, argv));
        if (wantsJson(argv)) await writeJson(io, errorDocument("usage", line));
        await write(io.stderr, `imgenc: ${termSafe(line)}\n`);
      }
      return EXIT.usage;
    }
    throw error;
  }
}
