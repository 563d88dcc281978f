import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Usage } from "./types.js";

/** What is kept of an answer: never a key, a header or the image. */
export interface CachedAnswer {
  answer: string;
  usage: Usage | null;
  finishReason: string | null;
  latencyMs: number;
}

/** Everything an answer depends on; the endpoint without credentials, query or fragment. */
export interface CacheKey {
  api: string;
  endpoint: string;
  model: string;
  /** SHA-256 of the image part as sent. */
  payload: string;
  prompt: string;
  system: string | null;
  maxTokens: number;
  temperature: number | null;
  seed: number | null;
  run: number;
}

/** The default folder: $XDG_CACHE_HOME/imgenc/ask, else ~/.cache/imgenc/ask. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "imgenc", "ask");
}

/** An endpoint as the cache knows it: no user name, password, query or fragment. */
export function cacheEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "";
  }
}

function digest(key: CacheKey): string {
  return createHash("sha256")
    .update(JSON.stringify({ version: 1, ...key }))
    .digest("hex");
}

/**
 * Answers on disk, one small JSON file each under a hash of their key. A file that cannot be
 * read or parsed is a miss; a failed write is ignored (the answer is still used).
 */
export class AnswerCache {
  constructor(readonly dir: string) {}

  #path(hash: string): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.json`);
  }

  async get(key: CacheKey): Promise<CachedAnswer | undefined> {
    try {
      const value: unknown = JSON.parse(await readFile(this.#path(digest(key)), "utf8"));
      const entry = value as Partial<CachedAnswer>;
      if (typeof entry.answer !== "string") return undefined;
      return {
        answer: entry.answer,
        usage: entry.usage ?? null,
        finishReason: entry.finishReason ?? null,
        latencyMs: typeof entry.latencyMs === "number" ? entry.latencyMs : 0,
      };
    } catch {
      return undefined;
    }
  }

  async set(key: CacheKey, entry: CachedAnswer): Promise<void> {
    const path = this.#path(digest(key));
    const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(temporary, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      await rename(temporary, path);
    } catch {
      // A cache that cannot be written only costs a question next time.
    }
  }
}
