import type { Readable, Writable } from "node:stream";

/** Everything the CLI touches of the process, so tests and embedders can pass their own. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Registers a Ctrl-C handler while a long run is going; returns the unregister function. */
  onInterrupt?: (handler: () => void) => () => void;
  /** CPU cores available, for the default --jobs. */
  cores?: number;
}

/**
 * chalk level for a stream: NO_COLOR wins, then FORCE_COLOR (0-3, or empty/"true" for 1),
 * then colour only on a TTY.
 */
export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "" || force === "true") return 1;
    if (force === "false") return 0;
    const level = Number.parseInt(force, 10);
    if (level >= 0 && level <= 3) return level as 0 | 1 | 2 | 3;
    return 1;
  }
  if (!stream.isTTY) return 0;
  return env.COLORTERM === "truecolor" ? 3 : 1;
}

/**
 * Writes and waits until the stream has taken the data, so the process never exits with output
 * still queued for a slow pipe. A reader that went away (EPIPE) is not an error: there is no one
 * left to tell, so the write resolves quietly and later writes are dropped.
 */
export function write(stream: Writable, text: string | Uint8Array): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") resolve();
      else reject(error);
    };
    stream.once("error", onError);
    stream.write(text, (error) => {
      stream.off("error", onError);
      if (error) onError(error as NodeJS.ErrnoException);
      else resolve();
    });
  });
}

/** Ignore EPIPE on a stream for good: later writes by anyone must not crash the process. */
export function ignoreEpipe(stream: Writable): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
