import type { Source } from "../source/types.js";
import { gradio } from "./gradio.js";
import { pillow } from "./pillow.js";
import { pillowWebpPath } from "./pillow-webp.js";
import { raw } from "./raw.js";
import { CLIENT_NAMES, type ClientName, type ClientPath } from "./types.js";

/** Every client path by name; CLIENT_NAMES orders them. */
export const CLIENT_PATHS: Record<ClientName, ClientPath> = {
  pillow,
  "pillow-webp": pillowWebpPath,
  gradio,
  raw,
};

export function clientPath(name: ClientName): ClientPath {
  return CLIENT_PATHS[name];
}

/** "pillow,opencv" -> ["pillow", "opencv"]; undefined when a name is unknown or repeated. */
export function parseClientList(text: string): ClientName[] | undefined {
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => !(CLIENT_NAMES as readonly string[]).includes(n))) return undefined;
  if (new Set(names).size !== names.length) return undefined;
  return names as ClientName[];
}

/** The file name a client guessing a MIME type would see: a path, or a URL's path. */
export function sourceName(source: Source): string | undefined {
  if (source.kind === "file") return source.input;
  if (source.kind !== "url") return undefined;
  try {
    return new URL(source.finalUrl ?? source.input).pathname;
  } catch {
    return undefined;
  }
}
