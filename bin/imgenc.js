#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { main } from "../dist/src/cli/main.js";

// The only place that touches the process: exit code is set, never forced, so piped output drains.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  onInterrupt: (handler) => {
    process.once("SIGINT", handler);
    return () => process.off("SIGINT", handler);
  },
  cores: availableParallelism(),
});
