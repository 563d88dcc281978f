import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assertOutputSchema } from "./schemas.js";

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
      try {
        assertOutputSchema(args, stdoutBytes.toString("utf8"));
      } catch (error) {
        reject(error);
        return;
      }
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

export interface MainOptions {
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  /** The terminal's width that a TTY stdout reports (its `columns`); unset, as a TTY that does not say. */
  columns?: number;
  /**
   * The directory relative paths are resolved from (the repository root unless given), as
   * runCli's `cwd`. main reads process.cwd(), so the test process changes directory for the
   * run: runs that overlap must share one directory.
   */
  cwd?: string;
  /**
   * Ctrl-C as bin/imgenc.js delivers it: the handler a command registered through
   * `onInterrupt` is called the first time this returns true for the output so far.
   */
  interruptWhen?: (output: { stdout: string; stderr: string }) => boolean;
  /**
   * CPU cores main is told about, the default --jobs: 1 unless given, since each check worker
   * costs a start-up and most tests check one result, not parallelism (those pass --jobs).
   */
  cores?: number;
}

// runMain fetches from this process: if the machine has a proxy configured, the test servers on
// loopback must still be reached directly.
process.env.no_proxy = [process.env.no_proxy ?? process.env.NO_PROXY, "127.0.0.1"]
  .filter(Boolean)
  .join(",");

/** The directory runs in progress resolve paths from, and the one to return to after them. */
let active: { dir: string; home: string; runs: number } | undefined;

function enter(dir: string): void {
  if (active === undefined) {
    const home = process.cwd();
    if (dir !== home) process.chdir(dir);
    active = { dir, home, runs: 0 };
  } else if (dir !== active.dir) {
    throw new Error("runMain: runs that overlap must share one cwd");
  }
  active.runs++;
}

function leave(): void {
  if (active === undefined) return;
  active.runs--;
  if (active.runs > 0) return;
  if (active.dir !== active.home) process.chdir(active.home);
  active = undefined;
}

/**
 * Runs the CLI in this process through `main(argv, io)`, with in-memory streams: the same code
 * path as bin/imgenc.js without the cost of a Node start-up. Use `runCli` where the real process
 * matters (signals, file descriptors, exit codes set by bin/, environment read at start-up).
 */
export async function runMain(args: string[], options: MainOptions = {}): Promise<CliResult> {
  const { PassThrough } = await import("node:stream");
  const { main } = await import("../../src/cli/main.js");
  let interrupt: (() => void) | undefined;
  let interrupted = false;
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const text = (name: "stdout" | "stderr") => Buffer.concat(chunks[name]).toString("utf8");
  const maybeInterrupt = () => {
    const when = options.interruptWhen;
    if (when === undefined || interrupted || interrupt === undefined) return;
    if (!when({ stdout: text("stdout"), stderr: text("stderr") })) return;
    interrupted = true;
    interrupt();
  };
  const collect = (name: "stdout" | "stderr", isTTY: boolean, columns?: number) => {
    const stream = Object.assign(new PassThrough(), { isTTY }, isTTY && columns ? { columns } : {});
    stream.on("data", (chunk: Buffer) => {
      chunks[name].push(chunk);
      maybeInterrupt();
    });
    return stream;
  };
  const stdout = collect("stdout", options.stdoutTTY ?? false, options.columns);
  const stderr = collect("stderr", options.stderrTTY ?? false);
  const stdin = new PassThrough();
  stdin.end(options.input);

  enter(resolve(options.cwd ?? ROOT));
  let code: number;
  try {
    code = await main(args, {
      stdout,
      stderr,
      stdin,
      env: options.env ?? {},
      onInterrupt: (handler) => {
        interrupt = handler;
        maybeInterrupt();
        return () => {
          if (interrupt === handler) interrupt = undefined;
        };
      },
      cores: options.cores ?? 1,
    });
  } finally {
    leave();
  }
  const stdoutBytes = Buffer.concat(chunks.stdout);
  assertOutputSchema(args, stdoutBytes.toString("utf8"));
  return {
    code,
    stdout: stdoutBytes.toString("utf8"),
    stderr: text("stderr"),
    stdoutBytes,
  };
}
