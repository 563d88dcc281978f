import { CommanderError } from "commander";
import { isImgencError } from "../errors.js";
import { redactText } from "../source/redact.js";
import { termSafe, termSafeLines } from "./format/terminal.js";
import { type Io, ignoreEpipe, write } from "./io.js";
import { buildProgram } from "./program.js";

/** 0 passed, 1 a gate failed, 2 usage or input error, 3 an internal error (a bug). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/**
 * Runs the CLI and resolves to the exit code. Known errors become one line on stderr; anything
 * else is a bug, reported in one line unless --debug asks for the stack.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  ignoreEpipe(io.stdout);
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; commander has already printed the message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // Error text can carry a file name, a URL or a server's words: escaped, and URLs masked.
    const stack = (value: Error) => termSafeLines(redactText(value.stack ?? value.message));
    if (isImgencError(error)) {
      await write(io.stderr, `imgenc: ${termSafe(error.toString())}\n`);
      if (debug && error.cause instanceof Error) await write(io.stderr, `${stack(error.cause)}\n`);
      return EXIT.usage;
    }
    const message = redactText(error instanceof Error ? error.message : String(error));
    await write(
      io.stderr,
      debug && error instanceof Error
        ? `${stack(error)}\n`
        : `imgenc: internal error: ${termSafe(message.split("\n")[0] ?? "")} (rerun with --debug for details)\n`,
    );
    return EXIT.internal;
  }
}
