import type sharpType from "sharp";

type SharpModule = typeof sharpType;
let loaded: Promise<SharpModule> | undefined;

/** sharp loads a native library (~100 ms): import it only when a command needs pixels. */
export function loadSharp(): Promise<SharpModule> {
  loaded ??= import("sharp").then((m) => m.default);
  return loaded;
}

/**
 * True when this libvips reads images through ImageMagick, which takes almost any bytes: then
 * nothing can be refused from its first bytes alone. sharp's own prebuilt libvips never does.
 */
export async function hasCatchAllLoader(): Promise<boolean> {
  const sharp = await loadSharp();
  const formats: Record<string, { input?: { buffer?: boolean } } | undefined> = { ...sharp.format };
  return formats.magick?.input?.buffer === true;
}
