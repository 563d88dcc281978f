import type { Source } from "../source/types.js";
import { canvasJpeg, canvasPng } from "./canvas.js";
import { gradio } from "./gradio.js";
import { opencv } from "./opencv.js";
import { pillow } from "./pillow.js";
import { pillowPngPath } from "./pillow-png.js";
import { pillowWebpPath } from "./pillow-webp.js";
import { raw } from "./raw.js";
import type { ClientName, ClientPath } from "./types.js";
import { vllm, vllmLegacy } from "./vllm.js";

/** Every client path by name; CLIENT_NAMES orders them. */
export const CLIENT_PATHS: Record<ClientName, ClientPath> = {
  pillow,
  "pillow-png": pillowPngPath,
  "pillow-webp": pillowWebpPath,
  opencv,
  "canvas-jpeg": canvasJpeg,
  "canvas-png": canvasPng,
  gradio,
  vllm,
  "vllm-legacy": vllmLegacy,
  raw,
};

export function clientPath(name: ClientName): ClientPath {
  return CLIENT_PATHS[name];
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
