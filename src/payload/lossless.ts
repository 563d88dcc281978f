import { type DecodedImage, type ImageInfo, INPUT_OPTIONS } from "../image/decode.js";
import { pngChunk } from "../image/png.js";
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

/** From this many pixels the PNG is encoded straight from the source, beside the decode. */
const STREAM_PNG_PIXELS = 4_000_000;

/**
 * Whether the PNG can be encoded straight from the source file: libvips then streams the decode
 * into the PNG encoder on its own core instead of waiting for the decoded pixels. Only where
 * that decodes to the very pixels `decode` makes (8-bit sRGB PNG or JPEG, one page, no palette)
 * and only for large images, where the overlap outweighs decoding twice.
 */
export function canStreamPng(info: ImageInfo): boolean {
  return (
    info.width * info.height >= STREAM_PNG_PIXELS &&
    (info.format === "png" || info.format === "jpeg") &&
    info.bitDepth === 8 &&
    info.space === "srgb" &&
    info.pages === 1 &&
    !info.palette &&
    info.channels === (info.hasAlpha ? 4 : 3)
  );
}

/** The pHYs chunk of a PNG made from raw pixels: 1000 pixels per metre (libvips' 1 per mm). */
const RAW_PHYS = pngChunk("pHYs", Buffer.from("000003e8000003e801", "hex"));

/**
 * The PNG with its pHYs chunk, copied by libvips from the source, replaced by the one a PNG of
 * raw pixels has. (sharp's withDensity would add an eXIf chunk as well.)
 */
function withRawDensity(png: Buffer): Buffer {
  let at = 8;
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    if (type === "IDAT") break;
    if (type === "pHYs" && length === 9) {
      const chunk = png.subarray(at, at + 21);
      if (!chunk.equals(RAW_PHYS)) RAW_PHYS.copy(png, at);
      return png;
    }
    at += 12 + length;
  }
  return png;
}

/**
 * The same PNG as `pngPayload`, byte for byte, encoded from the source bytes: the decode and
 * the encode run as one libvips pipeline, and the pixel density is set to a raw PNG's.
 */
export async function streamedPngPayload(info: ImageInfo, bytes: Buffer): Promise<Payload> {
  const sharp = await loadSharp();
  const encoded = await sharp(bytes, { ...INPUT_OPTIONS, limitInputPixels: false })
    .toColourspace("srgb")
    .png()
    .toBuffer();
  return {
    role: "lossless",
    label: "PNG (sharp)",
    mime: "image/png",
    width: info.width,
    height: info.height,
    bytes: withRawDensity(encoded),
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
