import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Repository root, from dist/test/helpers. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../../bin/imgenc.js", import.meta.url));

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/**
 * Spawns bin/imgenc.js asynchronously, so a server in the test process can answer it.
 * Colour is off unless the test's env asks for it.
 */
export function runCli(
  args: string[],
  options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined };
    for (const [key, value] of Object.entries(options.env ?? {})) env[key] = value;
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: options.cwd ?? ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        stdout: stdoutBytes.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBytes,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input);
  });
}

/**
 * Runs the CLI in this process through `main(argv, io)`, with in-memory streams: the same code
 * path as bin/imgenc.js without the cost of a Node start-up. Use `runCli` where the real process
 * matters (signals, file descriptors, exit codes set by bin/).
 */
export async function runMain(
  args: string[],
  options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; stdoutTTY?: boolean } = {},
): Promise<CliResult> {
  const { PassThrough } = await import("node:stream");
  const { main } = await import("../../src/cli/main.js");
  const collect = (isTTY: boolean) => {
    const stream = Object.assign(new PassThrough(), { isTTY });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    return { stream, bytes: () => Buffer.concat(chunks) };
  };
  const stdout = collect(options.stdoutTTY ?? false);
  const stderr = collect(false);
  const stdin = new PassThrough();
  stdin.end(options.input);
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin,
    env: options.env ?? {},
    cores: 2,
  });
  const stdoutBytes = stdout.bytes();
  return {
    code,
    stdout: stdoutBytes.toString("utf8"),
    stderr: stderr.bytes().toString("utf8"),
    stdoutBytes,
  };
}
