import { randomBytes } from "node:crypto";
import { realpathSync, type Stats, statSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ImgencError } from "../errors.js";

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A file that does not exist yet: resolve its folder instead.
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

const WRITE_ERRORS: Record<string, string> = {
  EISDIR: "is a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENOTDIR: "a parent is not a folder",
};

function cannotWrite(path: string, error: unknown): ImgencError {
  const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
  return new ImgencError("output", `cannot write: ${WRITE_ERRORS[code] ?? code}`, {
    input: path,
    cause: error,
  });
}

export type FileData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** Writes every chunk through one file handle, as it comes: a stream is never held whole. */
async function writeChunks(path: string, flag: string, data: FileData): Promise<void> {
  const handle = await open(path, flag);
  try {
    const chunks = typeof data === "string" || data instanceof Uint8Array ? [data] : data;
    for await (const chunk of chunks) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written);
        written += bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` through a temporary file in the same folder and a rename, so a reader
 * never sees half a file and an interrupted run leaves the old file intact. Refuses to write
 * onto any of `inputs` (local paths the command reads).
 */
export async function writeFileAtomic(
  path: string,
  data: FileData,
  inputs: readonly string[] = [],
): Promise<void> {
  const target = canonical(path);
  const clash = inputs.find((input) => canonical(input) === target);
  if (clash !== undefined) {
    throw new ImgencError("output", `refusing to overwrite the input ${clash}`, { input: path });
  }
  let existing: Stats | undefined;
  try {
    existing = statSync(target);
  } catch {
    // a new file
  }
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) {
    // A device or pipe (-o /dev/stdout, a FIFO) cannot be replaced by a rename, and must not be.
    try {
      await writeChunks(target, "w", data);
    } catch (error) {
      throw cannotWrite(path, error);
    }
    return;
  }
  // The real folder of the real file: a symlinked output stays a symlink to the new content.
  const folder = dirname(target);
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) {
    throw new ImgencError("output", `folder ${folder} does not exist`, { input: path });
  }
  const temporary = join(folder, `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeChunks(temporary, "wx", data);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw cannotWrite(path, error);
  }
}
