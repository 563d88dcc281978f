import { sniffFormat } from "../image/format.js";
import { type GifIndices, pillowGifIndices } from "../image/gif-indices.js";
import { applyOrientation } from "../image/orientation.js";

/** Straight RGBA, width * height * 4 bytes. */
interface RgbaPixels {
  width: number;
  height: number;
  rgba: Buffer;
}

import { PILLOW_WEBP_QUALITY, pillowWebp } from "./encoders/pillow-webp.js";
import { alphaDroppedOrNone, iccDroppedOrNone, orientationAppliedOrNone } from "./steps.js";
import type { ClientInput, ClientPath } from "./types.js";

/**
 * `gr.Image()` with its defaults (type "numpy", image_mode "RGB", format "webp"), Gradio 6.25.0
 * (gradio-app/gradio@a535e77). An upload goes through `image_utils.preprocess_image`:
 * `PIL.Image.open`, `ImageOps.exif_transpose` only when EXIF 274 is not 1, `im.convert("RGB")`
 * unless the upload's name ends in .gif, then `np.array(im)` for the app's function: no encode
 * yet. The WebP is written when that array goes out through a `gr.Image` (an output, the API,
 * the cache): `postprocess_image` -> `save_image` -> `processing_utils.save_img_array_to_cache`
 * -> `Image.fromarray(arr)` -> `save_pil_to_cache(format="webp")` -> `encode_pil_to_bytes`,
 * which calls `pil_image.save(buf, "webp")`. It passes `exif=` only when `pil_image.info` has
 * EXIF, and an image made by `fromarray` has none: Pillow's default WebP, q80, no chunks.
 */
export const gradio: ClientPath = {
  name: "gradio",
  description: 'Gradio gr.Image(): EXIF transpose, convert("RGB"), numpy, saved as WebP q80',
  reproduces: "Gradio 6.25.0 on Pillow 9.4 (libwebp 1.2.4); identical bytes",
  source:
    "gradio-app/gradio@a535e77 (gradio@6.25.0) gradio/image_utils.py preprocess_image, postprocess_image; gradio/processing_utils.py save_img_array_to_cache, encode_pil_to_bytes",
  async encode(input) {
    const { image } = input;
    const { pixels, paletteIndices, gifName } = gradioArray(input);
    const notes = [
      "the app's function gets the pixels as a numpy array; the WebP is written when an array goes out through gr.Image",
    ];
    if (paletteIndices) {
      notes.push(
        'a .gif upload skips convert("RGB"): the array holds the first frame\'s palette indices, sent as grey levels',
      );
    } else if (gifName) {
      notes.push(
        'not exact: Gradio skips convert("RGB") for any name ending in .gif; this non-GIF content is modelled converted',
      );
    }
    const bytes = await pillowWebp(pixels.rgba, pixels.width, pixels.height);
    return {
      role: "lossy",
      label: `WebP q${PILLOW_WEBP_QUALITY} (Gradio gr.Image)`,
      mime: "image/webp",
      width: pixels.width,
      height: pixels.height,
      bytes,
      client: "gradio",
      // Gradio serves the cached file by URL; where it writes a data URI of one, .webp is
      // "image/webp" (gradio_client/utils.py get_mimetype special-cases it).
      sentPrefix: "data:image/webp;base64,",
      steps: {
        format: "webp",
        quality: PILLOW_WEBP_QUALITY,
        lossless: false,
        alpha: alphaDroppedOrNone(image),
        orientation: orientationAppliedOrNone(image),
        icc: iccDroppedOrNone(image),
        notes,
      },
    };
  },
};

/**
 * The array `gr.Image()` hands the app's function (and gets back), as RGB pixels: the stored
 * pixels upright and converted to RGB, or for a GIF uploaded under a .gif name, its palette
 * indices as grey (`np.array` of a mode "P" image; `Image.fromarray` then makes it "L").
 */
export function gradioArray(input: ClientInput): GradioArray {
  const gifName = pathSuffix(input.name ?? "").toLowerCase() === ".gif";
  const gif =
    gifName && sniffFormat(input.bytes) === "gif" ? pillowGifIndices(input.bytes) : undefined;
  if (gif !== undefined) return { pixels: indicesAsGrey(gif), paletteIndices: true, gifName };
  const { image } = input;
  // Pillow 9.4's ImageOps.exif_transpose moves pixels as applyOrientation does (checked in tests).
  const turned = applyOrientation(
    image.pillowRgba,
    image.width,
    image.height,
    4,
    image.info.orientation,
  );
  const pixels = { width: turned.width, height: turned.height, rgba: turned.data };
  return { pixels, paletteIndices: false, gifName };
}

interface GradioArray {
  pixels: RgbaPixels;
  /** A GIF uploaded under a .gif name: the array holds palette indices, not colours. */
  paletteIndices: boolean;
  /** The name ends in .gif, for which Gradio skips convert("RGB"). */
  gifName: boolean;
}

/**
 * preprocess_image converts only `if suffix.lower() != "gif"`, the suffix being pathlib's
 * `Path(orig_name).suffix` of the upload's own name (without a name Gradio assumes "webp"):
 * from the last dot of the last component, unless that dot leads or ends it.
 */
function pathSuffix(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 && dot < base.length - 1 ? base.slice(dot) : "";
}

/** Grey RGB: WebP's save converts an "L" image to RGB before encoding. */
function indicesAsGrey({ width, height, indices }: GifIndices): RgbaPixels {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i] as number;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}
