import type { DecodedImage } from "../image/decode.js";
import { libjpegEncode } from "./libjpeg.js";
import { checkEncodable } from "./limits.js";
import { type JpegSettings, type Payload, PILLOW_DEFAULT_JPEG } from "./types.js";

/**
 * `image.convert("RGB").save(buf, "JPEG", quality=q)` as Pillow does it: alpha dropped (stored
 * colours kept), standard Huffman tables (Pillow's optimize=False) and a JFIF header, which
 * makes the file byte-identical to Pillow's, not merely the same pixels.
 */
export async function pillowJpegPayload(
  image: DecodedImage,
  settings: JpegSettings = PILLOW_DEFAULT_JPEG,
): Promise<Payload> {
  checkEncodable("JPEG", image.width, image.height);
  const bytes = await libjpegEncode(image.pillowRgba, image.width, image.height, 4, settings);
  return {
    role: "lossy",
    label: `JPEG q${settings.quality} ${settings.subsampling}${isPillowDefault(settings) ? " (Pillow default)" : ""}`,
    mime: "image/jpeg",
    width: image.width,
    height: image.height,
    bytes,
    jpeg: settings,
  };
}

/**
 * A COM segment where Pillow's JPEG writer puts `info["comment"]` (JpegEncode.c writes it right
 * after libjpeg's JFIF header): Pillow 9.4 copies a source's comment into every JPEG it saves
 * from that image. `jpeg` must start with SOI and Pillow's 18-byte APP0.
 */
export function withJpegComment(jpeg: Buffer, comment: Uint8Array | undefined): Buffer {
  if (comment === undefined || comment.length === 0) return jpeg;
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xfffe, 0);
  marker.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 20), marker, comment, jpeg.subarray(20)]);
}

function isPillowDefault(settings: JpegSettings): boolean {
  return (
    settings.quality === PILLOW_DEFAULT_JPEG.quality &&
    settings.subsampling === PILLOW_DEFAULT_JPEG.subsampling
  );
}
