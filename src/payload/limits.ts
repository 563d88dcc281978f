import { ImgencError } from "../errors.js";

/** The largest side each lossy encoder takes: libjpeg's JPEG_MAX_DIMENSION and WebP's 14 bits. */
const MAX_SIDE = { JPEG: 65_500, WebP: 16_383 } as const;

export type LimitedFormat = keyof typeof MAX_SIDE;

/**
 * Refuses, before encoding, an image the encoder would reject (libvips' own error is a bare
 * "Maximum supported image dimension is 65500 pixels" from deep inside the encoder).
 */
export function checkEncodable(
  format: LimitedFormat,
  width: number,
  height: number,
  input?: string,
): void {
  const max = MAX_SIDE[format];
  if (width <= max && height <= max) return;
  const message =
    width > max && height > max
      ? `too large for ${format} (${width}x${height}; at most ${max} px a side)`
      : width > max
        ? `too wide for ${format} (${width} > ${max} px)`
        : `too tall for ${format} (${height} > ${max} px)`;
  throw new ImgencError("cannot-fit", message, input === undefined ? {} : { input });
}
