#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { standardOutput } from "../dist/src/cli/io.js";
import { main } from "../dist/src/cli/main.js";

// The only place that touches the process: exit code is set, never forced, so piped output drains.
process.exitCode = await main(process.argv.slice(2), {
  stdout: standardOutput(process.stdout),
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  onInterrupt: (handler) => {
    process.once("SIGINT", handler);
    return () => process.off("SIGINT", handler);
  },
  cores: availableParallelism(),
});
