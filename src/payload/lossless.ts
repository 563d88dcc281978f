import type { DecodedImage } from "../image/decode.js";
import { loadSharp } from "../image/sharp.js";
import type { Payload } from "./types.js";

/** A PNG of the decoded pixels; alpha is kept only when the source has it. */
export async function pngPayload(image: DecodedImage): Promise<Payload> {
  const sharp = await loadSharp();
  let pipeline = sharp(image.rgba, {
    raw: { width: image.width, height: image.height, channels: 4 },
  });
  if (!image.info.hasAlpha) pipeline = pipeline.removeAlpha();
  const bytes = await pipeline.png().toBuffer();
  return {
    role: "lossless",
    label: "PNG (sharp)",
    mime: "image/png",
    width: image.width,
    height: image.height,
    bytes,
  };
}

/** The source bytes untouched: what a model server receives when given the URL. */
export function originalPayload(image: DecodedImage, bytes: Buffer): Payload {
  return {
    role: "lossless",
    label: `original ${image.info.format.toUpperCase()} bytes`,
    mime: image.info.mime,
    width: image.width,
    height: image.height,
    bytes,
  };
}
