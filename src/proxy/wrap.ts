import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Writable } from "node:stream";
import { ImgencError } from "../errors.js";

/**
 * The environment that points the usual SDKs at the proxy: the OpenAI SDKs (Python, Node, and
 * the frameworks built on them) read OPENAI_BASE_URL with its /v1, Anthropic's read
 * ANTHROPIC_BASE_URL without it, and Ollama's clients OLLAMA_HOST.
 */
function clientEnvironment(url: string): Record<string, string> {
  return { OPENAI_BASE_URL: `${url}/v1`, ANTHROPIC_BASE_URL: url, OLLAMA_HOST: url };
}

/** The address a client on this machine reaches a proxy listening on `url` at. */
export function localUrl(url: string): string {
  return url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:");
}

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** Registers a Ctrl-C handler while the command runs; returns the unregister function. */
  onInterrupt?: (handler: () => void) => () => void;
}

/**
 * Runs a command with its clients pointed at the proxy, its output passed through, and
 * resolves to its exit code (128 + the signal's number when a signal ended it). Ctrl-C is
 * passed on to the command, which decides when to end.
 */
export function runCommand(
  argv: readonly string[],
  proxyUrl: string,
  io: CommandIo,
): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) throw new ImgencError("usage", "no command to run after --");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...io.env, ...clientEnvironment(localUrl(proxyUrl)) },
      stdio: ["inherit", "pipe", "pipe"],
    });
    const release = io.onInterrupt?.(() => child.kill("SIGINT"));
    child.stdout.pipe(io.stdout, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    child.once("error", (error: NodeJS.ErrnoException) => {
      release?.();
      reject(
        new ImgencError(
          error.code === "ENOENT" ? "not-found" : "unreadable",
          `cannot run ${file}: ${error.code === "ENOENT" ? "no such command" : (error.code ?? error.message)}`,
          { cause: error },
        ),
      );
    });
    child.once("close", (code, signal) => {
      release?.();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
