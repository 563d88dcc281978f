import { pillow } from "./pillow.js";
import { pillowPngPath } from "./pillow-png.js";
import { CLIENT_NAMES, type ClientName, type ClientPath } from "./types.js";
import { vllm, vllmLegacy } from "./vllm.js";

/** Every client path by name; CLIENT_NAMES orders them. */
export const CLIENT_PATHS: Record<ClientName, ClientPath> = {
  pillow,
  "pillow-png": pillowPngPath,
  vllm,
  "vllm-legacy": vllmLegacy,
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
