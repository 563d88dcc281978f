import { fstatSync, type Stats, writeSync } from "node:fs";
import { type Readable, Writable } from "node:stream";
import { isatty } from "node:tty";
import { cannotWrite, type ImgencError } from "../errors.js";

/** Everything the CLI touches of the process, so tests and embedders can pass their own. */
export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Registers a Ctrl-C handler while a long run is going; returns the unregister function. */
  onInterrupt?: (handler: () => void) => () => void;
  /** CPU cores available, for the default --jobs. */
  cores?: number;
}

/**
 * chalk level for a stream: --color or --no-color (`flag`) wins, then NO_COLOR, then FORCE_COLOR
 * (0-3, or empty/"true" for 1), then TERM=dumb (no colour), then colour only on a TTY.
 */
export function colorLevel(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  flag?: boolean,
): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  if (flag === true) return env.COLORTERM === "truecolor" ? 3 : 1;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "" || force === "true") return 1;
    if (force === "false") return 0;
    const level = Number.parseInt(force, 10);
    if (level >= 0 && level <= 3) return level as 0 | 1 | 2 | 3;
    return 1;
  }
  if (env.TERM === "dumb" || !stream.isTTY) return 0;
  return env.COLORTERM === "truecolor" ? 3 : 1;
}

/** The width output is fitted to: a terminal's columns (80 if it does not say); none when piped. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  if (!stream.isTTY) return undefined;
  return stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
}

interface Watched {
  name: string;
  /** Errors are dropped: there is nowhere left to report a failing stderr. */
  quiet: boolean;
  failure?: ImgencError;
}

const watched = new WeakMap<Writable, Watched>();

/** A reader that went away: not an error, there is no one left to tell. */
function readerGone(error: NodeJS.ErrnoException): boolean {
  return error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED";
}

/**
 * Keeps the first real error a standard stream hits (a full disk, /dev/full), so that a write
 * made outside `write` (commander's help) is still reported; EPIPE is ignored for good.
 */
export function watchStream(stream: Writable, name: string, options: { quiet?: boolean } = {}) {
  if (watched.has(stream)) return;
  const state: Watched = { name, quiet: options.quiet ?? false };
  watched.set(stream, state);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!readerGone(error)) state.failure ??= cannotWrite(name, error);
  });
}

/** The error a watched stream hit, once, as the line to report; undefined for none or EPIPE. */
export function streamFailure(stream: Writable): ImgencError | undefined {
  const state = watched.get(stream);
  return state?.quiet ? undefined : state?.failure;
}

/**
 * Writes and waits until the stream has taken the data, so the process never exits with output
 * still queued for a slow pipe. A reader that went away (EPIPE) is not an error: the write
 * resolves quietly and later writes are dropped. Any other error (a full disk) rejects with
 * `cannot write: ...` naming the stream, and so does every later write to it.
 */
export function write(stream: Writable, text: string | Uint8Array): Promise<void> {
  const state = watched.get(stream);
  if (state?.failure) return state.quiet ? Promise.resolve() : Promise.reject(state.failure);
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (readerGone(error) || state?.quiet) return resolve();
      if (state) state.failure ??= cannotWrite(state.name, error);
      reject(state?.failure ?? cannotWrite("<output>", error));
    };
    stream.once("error", onError);
    stream.write(text, (error) => {
      stream.off("error", onError);
      if (error) onError(error as NodeJS.ErrnoException);
      else resolve();
    });
  });
}

/**
 * Node writes stdout on a file or device with one writeSync whose short count it ignores: on a
 * full disk a prefix is kept and the write "succeeds". This stream writes until every byte is
 * taken or the system says why not.
 */
class FileDescriptorStream extends Writable {
  readonly isTTY = false;

  constructor(readonly fd: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void) {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        const written = writeSync(this.fd, chunk, offset, chunk.length - offset);
        if (written === 0) throw Object.assign(new Error("write took no bytes"), { code: "EIO" });
        offset += written;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

function statOf(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

/** The stream to use for a standard output: the process's own unless it is a file or device. */
export function standardOutput<T extends Writable & { fd?: number; isTTY?: boolean }>(
  stream: T,
): T | Writable {
  const fd = stream.fd;
  if (typeof fd !== "number" || stream.isTTY || isatty(fd)) return stream;
  const stats = statOf(fd);
  if (stats === undefined) return stream;
  return stats.isFile() || stats.isCharacterDevice() || stats.isBlockDevice()
    ? new FileDescriptorStream(fd)
    : stream;
}

/** Device and inode of stdin when it is a regular file (`< v.png`), which outputs must spare. */
export function stdinFile(stdin: Readable): { dev: number; ino: number } | undefined {
  const fd = (stdin as { fd?: unknown }).fd;
  if (typeof fd !== "number") return undefined;
  const stats = statOf(fd);
  return stats?.isFile() ? { dev: stats.dev, ino: stats.ino } : undefined;
}
