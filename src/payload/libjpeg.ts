import { loadSharp } from "../image/sharp.js";
import type { JpegSettings } from "./types.js";

/**
 * The APP0 segment libjpeg writes after `jpeg_set_defaults` (Pillow without dpi, OpenCV):
 * JFIF 1.01, aspect-ratio units, 1x1.
 */
const LIBJPEG_JFIF = Buffer.from([
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00,
]);

/**
 * A JPEG as libjpeg-turbo writes it after `jpeg_set_defaults` and `jpeg_set_quality(q, TRUE)`:
 * baseline, standard Huffman tables, no restart interval, JFIF header. sharp's mozjpeg with
 * its extensions off produces the same entropy-coded data; libvips writes no JFIF APP0 (it
 * leaves room for EXIF), so it is inserted after SOI. Alpha, if any, is dropped as stored.
 */
export async function libjpegEncode(
  pixels: Buffer,
  width: number,
  height: number,
  channels: 3 | 4,
  settings: JpegSettings,
): Promise<Buffer> {
  const sharp = await loadSharp();
  const encoded = await sharp(pixels, { raw: { width, height, channels } })
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
  return hasApp0
    ? encoded
    : Buffer.concat([encoded.subarray(0, 2), LIBJPEG_JFIF, encoded.subarray(2)]);
}
