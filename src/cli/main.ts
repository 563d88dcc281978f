import { CommanderError } from "commander";
import { isImgencError } from "../errors.js";
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
    if (isImgencError(error)) {
      await write(io.stderr, `imgenc: ${error.toString()}\n`);
      if (debug && error.cause instanceof Error) await write(io.stderr, `${error.cause.stack}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    await write(
      io.stderr,
      debug && error instanceof Error
        ? `${error.stack}\n`
        : `imgenc: internal error: ${message.split("\n")[0]} (rerun with --debug for details)\n`,
    );
    return EXIT.internal;
  }
}
