#!/usr/bin/env node
import { readFileSync } from "node:fs";

// `imgenc --version` answers before anything else loads: it is what scripts call most often.
const argv = process.argv.slice(2);
if (argv.length === 1 && ["--version", "-V", "-v"].includes(argv[0])) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  // As main() does: output that cannot be written (a closed pipe) is exit 2, not a crash.
  process.stdout.on("error", () => {
    process.exitCode = 2;
  });
  process.stdout.write(`${pkg.version}\n`);
} else {
  await run();
}

async function run() {
  const [{ availableParallelism }, { standardOutput }, { main }, { removeTemporaryFiles }] =
    await Promise.all([
      import("node:os"),
      import("../dist/src/cli/io.js"),
      import("../dist/src/cli/main.js"),
      import("../dist/src/cli/output.js"),
    ]);

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
  process.exitCode = await main(argv, {
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
}
