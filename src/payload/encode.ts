import type { DecodedImage } from "../image/decode.js";
import { loadSharp } from "../image/sharp.js";
import type { SettingValue } from "../settings.js";
import { checkEncodable } from "./limits.js";
import { pngPayload } from "./lossless.js";
import { pillowJpegPayload } from "./pillow-jpeg.js";
import type { Payload, Subsampling } from "./types.js";

export type EncodeFormat = SettingValue<"format">;

export interface EncodeSettings {
  format: EncodeFormat;
  /** JPEG and WebP quality, 1-100. */
  quality: number;
  /** JPEG only. */
  subsampling: Subsampling;
}

/**
 * Encodes decoded pixels. JPEG goes through the Pillow-compatible encoder, so `--format jpeg`
 * at quality 75 is the same payload as `--lossy`.
 */
export async function encodeImage(image: DecodedImage, settings: EncodeSettings): Promise<Payload> {
  switch (settings.format) {
    case "png":
      return pngPayload(image);
    case "jpeg":
      return pillowJpegPayload(image, {
        quality: settings.quality,
        subsampling: settings.subsampling,
      });
    case "webp": {
      checkEncodable("WebP", image.width, image.height);
      const sharp = await loadSharp();
      let pipeline = sharp(image.rgba, {
        raw: { width: image.width, height: image.height, channels: 4 },
      });
      if (!image.info.hasAlpha) pipeline = pipeline.removeAlpha();
      const bytes = await pipeline.webp({ quality: settings.quality }).toBuffer();
      return {
        role: "lossy",
        label: `WebP q${settings.quality} (sharp)`,
        mime: "image/webp",
        width: image.width,
        height: image.height,
        bytes,
      };
    }
  }
}

/** Resamples both pixel views to a new size (Lanczos 3, sharp's default); never used to enlarge. */
export async function resizeImage(
  image: DecodedImage,
  width: number,
  height: number,
): Promise<DecodedImage> {
  const sharp = await loadSharp();
  const resize = (rgba: Buffer) =>
    sharp(rgba, { raw: { width: image.width, height: image.height, channels: 4 } })
      .resize({ width, height, fit: "fill" })
      .raw()
      .toBuffer();
  const rgba = await resize(image.rgba);
  const pillowRgba = image.pillowRgba === image.rgba ? rgba : await resize(image.pillowRgba);
  return { ...image, width, height, rgba, pillowRgba };
}
