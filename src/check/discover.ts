import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { ImgencError } from "../errors.js";

/** Extensions `check` picks up inside folders; files named explicitly are taken whatever they are. */
export const IMAGE_EXTENSIONS = [
  "png",
  "jpg",
  "jpeg",
  "gif",
  "webp",
  "tif",
  "tiff",
  "bmp",
  "avif",
  "heic",
  "heif",
];

const IGNORE = ["**/node_modules/**", "**/.*/**"];
const IN_FOLDER = `**/*.{${IMAGE_EXTENSIONS.join(",")},${IMAGE_EXTENSIONS.map((e) => e.toUpperCase()).join(",")}}`;

/**
 * Expands paths, folders (recursively, skipping hidden folders and node_modules) and globs into
 * a sorted, de-duplicated list of files. A path that matches nothing is a usage error.
 */
export async function discover(specs: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  for (const spec of specs) {
    if (isDynamicPattern(spec)) {
      const matches = await glob(spec, {
        cwd,
        ignore: IGNORE,
        onlyFiles: true,
        expandDirectories: false,
        // Report files the way the user wrote the pattern: absolute stays absolute.
        absolute: isAbsolute(spec),
      });
      if (matches.length === 0)
        throw new ImgencError("usage", "no files match this pattern", { input: spec });
      for (const m of matches) found.add(m);
      continue;
    }
    let isFolder: boolean;
    try {
      isFolder = (await stat(resolve(cwd, spec))).isDirectory();
    } catch {
      // Reported per image: an unreadable file is a failed case, not a crash.
      found.add(spec);
      continue;
    }
    if (!isFolder) {
      found.add(spec);
      continue;
    }
    const matches = await glob(IN_FOLDER, {
      cwd: resolve(cwd, spec),
      ignore: IGNORE,
      onlyFiles: true,
      expandDirectories: false,
    });
    for (const m of matches) found.add(joinPath(spec, m));
  }
  return [...found].sort();
}

function joinPath(folder: string, file: string): string {
  return folder.endsWith("/") ? `${folder}${file}` : `${folder}/${file}`;
}

/** FNV-1a: a stable hash, so a file stays in its shard whatever else is added. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export interface Shard {
  index: number;
  count: number;
}

/** Files of shard index/count (1-based), chosen by a hash of each path. */
export function selectShard(files: readonly string[], shard: Shard): string[] {
  return files.filter((file) => fnv1a(file.replace(/\\/g, "/")) % shard.count === shard.index - 1);
}
