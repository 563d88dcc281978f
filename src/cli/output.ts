import { randomBytes } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
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

/**
 * Writes `data` to `path` through a temporary file in the same folder and a rename, so a reader
 * never sees half a file and an interrupted run leaves the old file intact. Refuses to write
 * onto any of `inputs` (local paths the command reads).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  inputs: readonly string[] = [],
): Promise<void> {
  const target = canonical(path);
  const clash = inputs.find((input) => canonical(input) === target);
  if (clash !== undefined) {
    throw new ImgencError("output", `refusing to overwrite the input ${clash}`, { input: path });
  }
  const folder = dirname(resolve(path));
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) {
    throw new ImgencError("output", `folder ${folder} does not exist`, { input: path });
  }
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, data, { flag: "wx" });
    await rename(temporary, resolve(path));
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    const cause =
      code === "EISDIR" ? "is a folder" : code === "EACCES" ? "permission denied" : code;
    throw new ImgencError("output", `cannot write: ${cause}`, { input: path, cause: error });
  }
}
