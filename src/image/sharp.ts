import type sharpType from "sharp";

type SharpModule = typeof sharpType;
let loaded: Promise<SharpModule> | undefined;

/** sharp loads a native library (~100 ms): import it only when a command needs pixels. */
export function loadSharp(): Promise<SharpModule> {
  loaded ??= import("sharp").then((m) => m.default);
  return loaded;
}
