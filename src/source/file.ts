import { constants, createReadStream, open } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { ImgencError } from "../errors.js";
import { readCapped, tooLarge } from "./limit.js";
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_TIMEOUT_MS, type SourceOptions } from "./types.js";

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Maps fs failures to stable codes; anything unexpected keeps its errno name for debugging. */
function fsError(error: unknown, input: string): ImgencError {
  const code = errnoCode(error);
  switch (code) {
    case "ENOENT":
      return new ImgencError("not-found", "no such file", { input, cause: error });
    case "ENOTDIR":
      return new ImgencError("not-found", "no such file (a parent is not a directory)", {
        input,
        cause: error,
      });
    case "EISDIR":
      return new ImgencError("is-directory", "is a directory", { input, cause: error });
    case "EACCES":
    case "EPERM":
      return new ImgencError("unreadable", "permission denied", { input, cause: error });
    default: {
      const detail = code ?? (error instanceof Error ? error.message : String(error));
      return new ImgencError("unreadable", `cannot read the file (${detail})`, {
        input,
        cause: error,
      });
    }
  }
}

/** A small text file read whole (a dataset, a saved request body), fs errors in words. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw fsError(error, path);
  }
}

function toPath(pathOrUrl: string | URL, input: string): string {
  const isUrl = pathOrUrl instanceof URL || /^file:/i.test(pathOrUrl);
  if (!isUrl) return pathOrUrl;
  try {
    return fileURLToPath(pathOrUrl);
  } catch (error) {
    // e.g. file://server/share on POSIX, or an encoded "/" in the path.
    const reason = error instanceof Error ? error.message.toLowerCase() : String(error);
    throw new ImgencError("usage", `not a usable file URL: ${reason}`, { input, cause: error });
  }
}

/**
 * A named pipe, read without blocking: a plain open() waits in libuv's thread pool until a
 * writer appears, which no timeout can interrupt. Opened O_NONBLOCK and read as a socket, a pipe
 * with no writer simply has no data yet, and the read deadline applies.
 */
async function openPipe(path: string): Promise<Socket> {
  const fd = await new Promise<number>((resolve, reject) =>
    open(path, constants.O_RDONLY | constants.O_NONBLOCK, (error, fd) =>
      error ? reject(error) : resolve(fd),
    ),
  );
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * Reads a local file (a path or a file: URL). Pipes and devices are read until they end, within
 * opts.timeoutMs. `input` is what errors name; it defaults to the
 * argument as given.
 */
export async function readFileSource(
  pathOrUrl: string | URL,
  opts: SourceOptions = {},
  input: string = String(pathOrUrl),
): Promise<Buffer> {
  const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const path = toPath(pathOrUrl, input);

  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw fsError(error, input);
  }
  if (info.isDirectory()) throw new ImgencError("is-directory", "is a directory", { input });
  // Size checks only mean something for regular files: a FIFO or /dev/fd/N reports 0.
  if (info.isFile()) {
    if (info.size === 0) throw new ImgencError("empty", "file is empty (0 bytes)", { input });
    if (info.size > maxBytes) throw tooLarge(input, maxBytes, info.size);
  }

  let bytes: Buffer;
  try {
    // Still capped while streaming: the file may grow between stat and read.
    const stream = info.isFIFO() ? await openPipe(path) : createReadStream(path);
    bytes = await readCapped(stream, maxBytes, input, {
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      what: info.isFIFO() ? "the pipe" : info.isFile() ? "the file" : "the device",
    });
  } catch (error) {
    if (error instanceof ImgencError) throw error;
    throw fsError(error, input);
  }
  if (bytes.length === 0) throw new ImgencError("empty", "file is empty (0 bytes)", { input });
  return bytes;
}
