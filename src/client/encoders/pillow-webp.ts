import { loadSharp } from "../../image/sharp.js";
import { checkEncodable } from "../../payload/limits.js";

/** Pillow's `save(buf, "WEBP")` quality and method when the call passes none. */
export const PILLOW_WEBP_QUALITY = 80;
const PILLOW_WEBP_METHOD = 4;

/**
 * `image.save(buf, "WEBP")` on an RGB image as Pillow 9.4 does it, alpha dropped (the colour
 * stored under it is encoded). Pillow (python-pillow/Pillow@a5bbab1 src/PIL/WebPImagePlugin.py
 * `_save`, src/_webp.c `WebPEncode_wrapper`) calls `WebPConfigInit` with no preset and sets only
 * lossless 0, quality 80, method 4 and exact 0; it writes ICC, EXIF and XMP only when the save
 * call passes them, so the file is a bare "VP8 " RIFF. libvips (libvips@29fd120
 * libvips/foreign/webpsave.c) applies the "default" preset at the same quality, which sets the
 * same fields, and imports RGB straight to YUV where Pillow imports ARGB (use_argb = 1) and lets
 * WebPEncode convert: both run libwebp's same RGB->YUV 4:2:0 conversion without dithering. The
 * options below pin sharp's defaults that make this hold; the bytes then equal Pillow's with
 * Debian's libwebp 1.2.4 (sharp bundles 1.6.0), checked in the tests.
 */
export async function pillowWebp(rgba: Buffer, width: number, height: number): Promise<Buffer> {
  checkEncodable("WebP", width, height);
  const sharp = await loadSharp();
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .webp({
      quality: PILLOW_WEBP_QUALITY,
      effort: PILLOW_WEBP_METHOD,
      preset: "default",
      lossless: false,
      nearLossless: false,
      smartSubsample: false,
      smartDeblock: false,
      alphaQuality: 100,
      minSize: false,
      mixed: false,
      exact: false,
    })
    .toBuffer();
}
