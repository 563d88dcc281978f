import type { Dirent } from "node:fs";
import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import picomatch from "picomatch";
import { isDynamicPattern } from "tinyglobby";
import { type ErrorCode, ImgencError } from "../errors.js";

/** Extensions `check` picks up inside folders; files named explicitly are taken whatever they are. */
const IMAGE_EXTENSIONS = [
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

const IMAGE_NAME = new RegExp(`\\.(?:${IMAGE_EXTENSIONS.join("|")})$`, "i");

/** Something found that cannot be checked: it becomes a failed case naming the cause. */
interface DiscoveryProblem {
  file: string;
  code: ErrorCode;
  message: string;
}

export interface Discovery {
  /** Sorted and de-duplicated. */
  files: string[];
  /** Entries that looked like images but cannot be read as one; sorted. */
  problems: DiscoveryProblem[];
}

export interface DiscoverOptions {
  cwd?: string;
  /** Accept a folder with no images, or a glob that matches nothing, instead of failing. */
  allowEmpty?: boolean;
}

/** Arguments that are sources, never paths or globs: "?" and "&" in a URL are not wildcards. */
const LITERAL_SOURCE = /^(?:https?|data|file):/i;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The name as text, or undefined when its bytes are not valid UTF-8. */
function decodeName(name: Buffer): string | undefined {
  try {
    return utf8.decode(name);
  } catch {
    return undefined;
  }
}

/** A name that is not UTF-8, printable: bytes outside ASCII as \xNN. */
function escapeName(name: Buffer): string {
  let text = "";
  for (const byte of name) {
    text += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

function joinPath(folder: string, name: string): string {
  if (folder === "") return name;
  return folder.endsWith("/") ? `${folder}${name}` : `${folder}/${name}`;
}

function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}

function folderProblem(file: string, error: unknown): DiscoveryProblem {
  const errno = errnoOf(error);
  const cause = errno === "EACCES" || errno === "EPERM" ? "permission denied" : errno;
  return {
    file,
    code: "unreadable",
    message: `${cause}: this folder cannot be listed, so its images were not checked`,
  };
}

/** Why stat() failed on a symlink (or a path through one). */
async function linkProblem(
  file: string,
  fsPath: string,
  error: unknown,
): Promise<DiscoveryProblem> {
  const errno = errnoOf(error);
  if (errno === "ENOENT" || errno === "ENOTDIR") {
    const target = await readlink(fsPath).catch(() => undefined);
    return {
      file,
      code: "not-found",
      message: `dangling symlink${target === undefined ? "" : ` (its target ${target} does not exist)`}`,
    };
  }
  if (errno === "ELOOP") return { file, code: "unreadable", message: "symlink loop" };
  if (errno === "EACCES" || errno === "EPERM")
    return { file, code: "unreadable", message: "permission denied" };
  return { file, code: "unreadable", message: `cannot read (${errno})` };
}

interface Walk {
  /** Whether a file, by its path relative to the walk's root ("/"-separated), is wanted. */
  wanted: (relative: string) => boolean;
  /** Deepest file wanted, in path segments below the root (1: the root's own entries). */
  maxDepth: number;
  files: string[];
  problems: DiscoveryProblem[];
  /** dev:ino of folders and files already listed: a symlink loop or alias lists nothing twice. */
  seen: Set<string>;
  /** Symlinks met on the way, followed after the real tree. */
  links: Entry[];
}

interface Entry {
  fsPath: string;
  /** As shown to the user. */
  path: string;
  /** Relative to the walk's root, "/"-separated. */
  rel: string;
}

/**
 * Lists a folder recursively, in name order, skipping hidden entries and node_modules.
 * Symlinks are only queued: walkFrom follows them once the real tree is listed, so a file or
 * folder keeps its real name when a link also leads to it.
 */
async function walk(fsDir: string, shown: string, relative: string, state: Walk): Promise<void> {
  let entries: Dirent<Buffer>[];
  try {
    entries = await readdir(fsDir, { withFileTypes: true, encoding: "buffer" });
  } catch (error) {
    state.problems.push(folderProblem(shown, error));
    return;
  }
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  const depth = relative === "" ? 1 : relative.split("/").length + 1;
  for (const entry of entries) {
    const name = decodeName(entry.name);
    if (name === undefined) {
      // Such a path cannot be passed on as text, so it is reported rather than read.
      const escaped = escapeName(entry.name);
      const rel = relative === "" ? escaped : `${relative}/${escaped}`;
      const hidden = escaped.startsWith(".");
      if (!hidden && (entry.isDirectory() ? depth < state.maxDepth : state.wanted(rel))) {
        state.problems.push({
          file: joinPath(shown, escaped),
          code: "unreadable",
          message: `${entry.isDirectory() ? "folder" : "file"} name is not valid UTF-8`,
        });
      }
      continue;
    }
    const found: Entry = {
      fsPath: join(fsDir, name),
      path: joinPath(shown, name),
      rel: relative === "" ? name : `${relative}/${name}`,
    };
    if (entry.isSymbolicLink()) state.links.push(found);
    // Only candidates need a stat: a large tree is mostly other files.
    else if (entry.isDirectory() || state.wanted(found.rel)) await visit(found, state);
  }
}

/** Lists one entry: a folder is walked (once), a wanted file kept (once). */
async function visit(entry: Entry, state: Walk): Promise<void> {
  const name = basename(entry.rel);
  const depth = entry.rel.split("/").length;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(entry.fsPath);
  } catch (error) {
    if (state.wanted(entry.rel)) {
      state.problems.push(await linkProblem(entry.path, entry.fsPath, error));
    }
    return;
  }
  const id = `${info.dev}:${info.ino}`;
  if (info.isDirectory()) {
    const skipped = name.startsWith(".") || name === "node_modules" || depth >= state.maxDepth;
    if (skipped || state.seen.has(id)) return;
    state.seen.add(id);
    await walk(entry.fsPath, entry.path, entry.rel, state);
  } else if (state.wanted(entry.rel) && !state.seen.has(id)) {
    state.seen.add(id);
    state.files.push(entry.path);
  }
}

async function walkFrom(
  fsRoot: string,
  shown: string,
  wanted: Walk["wanted"],
  maxDepth: number,
): Promise<Pick<Walk, "files" | "problems">> {
  const state: Walk = { wanted, maxDepth, files: [], problems: [], seen: new Set(), links: [] };
  try {
    const root = await stat(fsRoot);
    state.seen.add(`${root.dev}:${root.ino}`);
  } catch (error) {
    // A glob whose fixed part does not exist simply matches nothing.
    const errno = errnoOf(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return state;
  }
  await walk(fsRoot, shown, "", state);
  // Links found while following links join the queue; `seen` ends every loop.
  for (let link = state.links.shift(); link !== undefined; link = state.links.shift()) {
    await visit(link, state);
  }
  return state;
}

/** A glob's files: its static base is walked and every path below it matched. */
function walkGlob(pattern: string, cwd: string): Promise<Pick<Walk, "files" | "problems">> {
  const { base, glob, prefix } = picomatch.scan(pattern);
  const matches = picomatch(glob);
  // Without "**" a pattern cannot match deeper than its own segments.
  const maxDepth = glob.includes("**") ? Number.POSITIVE_INFINITY : glob.split("/").length;
  const shown = base === "" ? "" : `${prefix}${base}`;
  return walkFrom(resolve(cwd, shown || "."), shown, matches, maxDepth);
}

const noImages = (where: string) =>
  new ImgencError("empty", `no images found in ${where} (pass --allow-empty to accept that)`);

/**
 * Expands paths, folders (recursively, skipping hidden folders and node_modules) and globs into
 * a sorted, de-duplicated list of files, plus the entries that cannot be checked (unreadable
 * folders, dangling symlinks, names that are not UTF-8). URLs, data URIs and existing files are
 * taken literally, even with glob characters in them. A path that does not exist, a folder with
 * no images or a glob that matches nothing is an error (the last two unless allowEmpty).
 */
export async function discover(
  specs: readonly string[],
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const cwd = options.cwd ?? process.cwd();
  const files = new Set<string>();
  const problems = new Map<string, DiscoveryProblem>();
  const add = (found: Pick<Walk, "files" | "problems">) => {
    for (const file of found.files) files.add(file);
    for (const problem of found.problems) problems.set(problem.file, problem);
  };
  for (const spec of specs) {
    if (LITERAL_SOURCE.test(spec)) {
      files.add(spec);
      continue;
    }
    const fsPath = resolve(cwd, spec);
    let entry: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      entry = await lstat(fsPath);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno !== "ENOENT" && errno !== "ENOTDIR") {
        problems.set(spec, await linkProblem(spec, fsPath, error));
        continue;
      }
    }
    if (entry === undefined) {
      if (!isDynamicPattern(spec)) {
        throw new ImgencError("usage", "no such file or folder", { input: spec });
      }
      const found = await walkGlob(spec, cwd);
      if (found.files.length + found.problems.length === 0 && !options.allowEmpty) {
        throw new ImgencError("usage", "no files match this pattern", { input: spec });
      }
      add(found);
      continue;
    }
    let isFolder = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isFolder = (await stat(fsPath)).isDirectory();
      } catch (error) {
        problems.set(spec, await linkProblem(spec, fsPath, error));
        continue;
      }
    }
    if (!isFolder) {
      files.add(spec);
      continue;
    }
    const found = await walkFrom(
      fsPath,
      spec,
      (rel) => IMAGE_NAME.test(rel) && !basename(rel).startsWith("."),
      Number.POSITIVE_INFINITY,
    );
    if (found.files.length + found.problems.length === 0 && !options.allowEmpty)
      throw noImages(spec);
    add(found);
  }
  for (const file of problems.keys()) files.delete(file);
  return {
    files: [...files].sort(),
    problems: [...problems.values()].sort((a, b) => (a.file < b.file ? -1 : 1)),
  };
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
