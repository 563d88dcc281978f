import type { DecodedImage } from "../image/decode.js";
import { loadSharp } from "../image/sharp.js";
import { checkEncodable } from "./limits.js";
import { type JpegSettings, type Payload, PILLOW_DEFAULT_JPEG } from "./types.js";

/** The APP0 segment Pillow writes when no dpi is given: JFIF 1.1, aspect-ratio units, 1x1. */
const PILLOW_JFIF = Buffer.from([
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00,
]);

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
  const sharp = await loadSharp();
  const encoded = await sharp(image.pillowRgba, {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .removeAlpha()
    .jpeg({
      quality: settings.quality,
      chromaSubsampling: settings.subsampling,
      optimiseCoding: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
      progressive: false,
    })
    .toBuffer();
  const hasApp0 = encoded[2] === 0xff && encoded[3] === 0xe0;
  const bytes = hasApp0
    ? encoded
    : Buffer.concat([encoded.subarray(0, 2), PILLOW_JFIF, encoded.subarray(2)]);
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
