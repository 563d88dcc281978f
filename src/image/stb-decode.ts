import type { ServerInput, ServerPixels, ServerRefusal } from "../server/types.js";
import { dropAlpha } from "./channels.js";
import { sniffFormat } from "./format.js";

/**
 * stb_image's `stbi_load_from_memory(buf, len, &w, &h, &n, 3)`, as llama.cpp's mtmd-helper.cpp
 * calls it (nothings/stb v2.30, 31c1ad3). stb reads JPEG, PNG, BMP, GIF (first frame), TGA, PSD,
 * HDR, PIC and PNM, and nothing else: WebP, TIFF, AVIF and HEIF get its "unknown image type".
 * Asked for 3 channels it drops alpha without compositing (the stored colour shows), takes the
 * high byte of 16-bit samples, and ignores EXIF orientation and ICC profiles, exactly as
 * imgenc's own decode reads PNG and BMP; a GIF's transparent pixels come out black, because stb
 * only writes opaque palette entries onto a zeroed canvas. JPEG is stb's own decoder (its IDCT
 * and chroma upsampling), which this reproduces only approximately with libjpeg-turbo's pixels.
 */
const STB_FORMATS = new Set(["png", "jpeg", "gif", "bmp"]);

/** What stb_image reports when no loader recognises the bytes. */
const STB_UNKNOWN = "unknown image type";

export function stbRead({ bytes, image }: ServerInput): ServerPixels | ServerRefusal {
  const format = sniffFormat(bytes);
  if (!STB_FORMATS.has(format)) return { error: `stb_image: ${STB_UNKNOWN}` };
  const { width, height, rgba } = image;
  if (format !== "gif") return { width, height, rgb: dropAlpha(rgba) };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    if ((rgba[p * 4 + 3] as number) === 0) continue;
    rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
  }
  return { width, height, rgb };
}
