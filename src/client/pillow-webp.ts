import { PILLOW_WEBP_QUALITY, pillowWebp } from "./encoders/pillow-webp.js";
import { alphaDroppedOrNone, iccDroppedOrNone, orientationLostOrNone } from "./steps.js";
import type { ClientPath } from "./types.js";

/** `Image.open(f).convert("RGB").save(buf, "WEBP")`: Pillow's lossy WebP with its defaults. */
export const pillowWebpPath: ClientPath = {
  name: "pillow-webp",
  description: 'Pillow: img.convert("RGB").save(buf, "WEBP"), lossy WebP q80',
  reproduces: "Pillow 9.4 with libwebp 1.2.4; sharp's libwebp 1.6.0 writes identical bytes",
  source: "python-pillow/Pillow@a5bbab1 (9.4.0) src/PIL/WebPImagePlugin.py _save, src/_webp.c",
  async encode({ image }) {
    const bytes = await pillowWebp(image.pillowRgba, image.width, image.height);
    return {
      role: "lossy",
      label: `WebP q${PILLOW_WEBP_QUALITY} (Pillow default)`,
      mime: "image/webp",
      width: image.width,
      height: image.height,
      bytes,
      client: "pillow-webp",
      // Pillow writes no data URI; a snippet that saves WebP names it so.
      sentPrefix: "data:image/webp;base64,",
      steps: {
        format: "webp",
        quality: PILLOW_WEBP_QUALITY,
        lossless: false,
        alpha: alphaDroppedOrNone(image),
        orientation: orientationLostOrNone(image),
        icc: iccDroppedOrNone(image),
        notes: [
          "method 4, 4:2:0; no EXIF, ICC or XMP chunk (Pillow 9.4 writes them only when save() is given them)",
        ],
      },
    };
  },
};
