import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  openSync,
  realpathSync,
  type Stats,
  statSync,
  unlinkSync,
  write,
} from "node:fs";
import { type FileHandle, open, rename } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { cannotWrite, ImgencError } from "../errors.js";

/** What can be written: whole, or as chunks (a report rendered piece by piece). */
export type OutputData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** An output file and the option that named it, for messages. */
export interface Output {
  option: string;
  path: string;
}

/** A file by device and inode: the same file under any name, hard links included. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

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

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const sameFile = (a: Stats | undefined, b: FileIdentity | undefined) =>
  a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

/** Refuses an output that is one of the local inputs, however either is spelled. */
function guardInputs(path: string, target: string, inputs: readonly string[]): void {
  const existing = statOrUndefined(target);
  const clash = inputs.find(
    (input) => canonical(input) === target || sameFile(existing, statOrUndefined(input)),
  );
  if (clash !== undefined) {
    throw new ImgencError("output", `refusing to overwrite the input ${clash}`, { input: path });
  }
}

/** Temporary files being written, so an interrupted process can remove them on its way out. */
const temporaryFiles = new Set<string>();

/**
 * Removes every temporary file still being written. Synchronous, for a signal handler that exits
 * right after; the files being replaced are left as they were.
 */
export function removeTemporaryFiles(): void {
  for (const path of temporaryFiles) {
    try {
      unlinkSync(path);
    } catch {
      // already renamed into place or removed
    }
  }
  temporaryFiles.clear();
}

// node:crypto loads only when a file is written, not on every start.
const temporaryName = (folder: string, target: string) =>
  join(
    folder,
    `.${basename(target)}.${process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex")}.tmp`,
  );

function folderOf(path: string, target: string): string {
  // The real folder of the real file: a symlinked output stays a symlink to the new content.
  const folder = dirname(target);
  if (!statOrUndefined(folder)?.isDirectory()) {
    throw new ImgencError("output", `folder ${folder} does not exist`, { input: path });
  }
  return folder;
}

/** A usage error when two options would write the same file (one result would be lost). */
export function assertDistinctOutputs(outputs: readonly Output[]): void {
  const seen: Array<{ output: Output; target: string; stats: Stats | undefined }> = [];
  for (const output of outputs) {
    const target = canonical(output.path);
    const stats = statOrUndefined(target);
    const twin = seen.find((s) => s.target === target || sameFile(stats, s.stats));
    if (twin !== undefined) {
      throw new ImgencError(
        "usage",
        `${twin.output.option} and ${output.option} both write this file; give each its own`,
        { input: output.path },
      );
    }
    seen.push({ output, target, stats });
  }
}

/**
 * Checks before any work that every output can be written: not an input (named, or the file on
 * stdin), not a folder, in a folder that exists and takes a new file. Devices and FIFOs are
 * written through and only checked when written.
 */
export function checkOutputs(
  outputs: readonly Output[],
  inputs: readonly string[],
  stdin?: FileIdentity,
): void {
  for (const { path } of outputs) {
    const target = canonical(path);
    guardInputs(path, target, inputs);
    const existing = statOrUndefined(target);
    if (sameFile(existing, stdin)) {
      throw new ImgencError("output", "refusing to overwrite the input - (stdin)", {
        input: path,
      });
    }
    if (existing?.isDirectory()) throw cannotWrite(path, { code: "EISDIR" });
    if (existing !== undefined && !existing.isFile()) continue;
    const probe = temporaryName(folderOf(path, target), target);
    try {
      closeSync(openSync(probe, "wx"));
      unlinkSync(probe);
    } catch (error) {
      throw cannotWrite(path, error);
    }
  }
}

type WriteAt = (bytes: Uint8Array, offset: number) => Promise<number>;

function writerOf(fd: number): WriteAt {
  return (bytes, offset) =>
    new Promise((resolve, reject) => {
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) =>
        error ? reject(error) : resolve(written),
      );
    });
}

/** Writes every chunk in full; a write error becomes `cannot write`, other errors pass as they are. */
async function writeChunks(writeAt: WriteAt, data: OutputData, path: string): Promise<void> {
  const chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> =
    typeof data === "string" || data instanceof Uint8Array ? [data] : data;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const written = await writeAt(bytes, offset);
        if (written === 0) throw Object.assign(new Error("write took no bytes"), { code: "EIO" });
        offset += written;
      }
    } catch (error) {
      throw cannotWrite(path, error);
    }
  }
}

/** The replaced file's mode, and its owner where allowed (root), so a 0600 file stays 0600. */
function keepModeAndOwner(fd: number, existing: Stats): void {
  const created = fstatSync(fd);
  if (created.uid !== existing.uid || created.gid !== existing.gid) {
    try {
      fchownSync(fd, existing.uid, existing.gid);
    } catch {
      // only root may give a file away
    }
  }
  fchmodSync(fd, existing.mode & 0o777);
}

/**
 * Writes `data` to `path` through a temporary file in the same folder and a rename, so a reader
 * never sees half a file and an interrupted run leaves the old file intact. Refuses to write
 * onto any of `inputs` (local paths the command reads). A replaced file keeps its mode.
 */
export async function writeFileAtomic(
  path: string,
  data: OutputData,
  inputs: readonly string[] = [],
): Promise<void> {
  const target = canonical(path);
  guardInputs(path, target, inputs);
  const existing = statOrUndefined(target);
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) {
    // A device or pipe (-o /dev/stdout, a FIFO) cannot be replaced by a rename, and must not be.
    // Opened asynchronously: a FIFO without a reader waits here, and a signal must still land.
    let handle: FileHandle;
    try {
      handle = await open(target, "w");
    } catch (error) {
      throw cannotWrite(path, error);
    }
    try {
      await writeChunks(
        async (bytes, offset) =>
          (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten,
        data,
        path,
      );
    } finally {
      await handle.close();
    }
    return;
  }
  const temporary = temporaryName(folderOf(path, target), target);
  // Created synchronously and registered at once: a signal cannot land between the two.
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "wx", existing?.isFile() ? existing.mode & 0o777 : 0o666);
    temporaryFiles.add(temporary);
    if (existing?.isFile()) keepModeAndOwner(fd, existing);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeTemporary(temporary);
    throw cannotWrite(path, error);
  }
  try {
    await writeChunks(writerOf(fd), data, path);
    const written = fd;
    fd = undefined;
    try {
      closeSync(written);
      await rename(temporary, target);
    } catch (error) {
      throw cannotWrite(path, error);
    }
    temporaryFiles.delete(temporary);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeTemporary(temporary);
    throw error;
  }
}

function removeTemporary(path: string): void {
  temporaryFiles.delete(path);
  try {
    unlinkSync(path);
  } catch {
    // never created, or already gone
  }
}
