#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { standardOutput } from "../dist/src/cli/io.js";
import { main } from "../dist/src/cli/main.js";
import { removeTemporaryFiles } from "../dist/src/cli/output.js";

// Ctrl-C goes first to a running check, which stops and prints its partial summary. Otherwise
// Ctrl-C and SIGTERM remove the temporary files being written and exit as the shell reports a
// signal (128 + its number). SIGKILL cannot be caught: its temporary files stay.
let interruptHandler;
process.on("SIGINT", () => {
  const handler = interruptHandler;
  interruptHandler = undefined;
  if (handler !== undefined) return handler();
  removeTemporaryFiles();
  process.exit(130);
});
process.on("SIGTERM", () => {
  removeTemporaryFiles();
  process.exit(143);
});

// The only place that touches the process: exit code is set, never forced, so piped output drains.
process.exitCode = await main(process.argv.slice(2), {
  stdout: standardOutput(process.stdout),
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  onInterrupt: (handler) => {
    interruptHandler = handler;
    return () => {
      if (interruptHandler === handler) interruptHandler = undefined;
    };
  },
  cores: availableParallelism(),
});
