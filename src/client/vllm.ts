import { dropAlpha } from "../image/channels.js";
import type { DecodedImage } from "../image/decode.js";
import {
  carriesTransparency,
  type PillowOpened,
  pillowConvertRgba,
  pillowOpened,
} from "../image/pillow-open.js";
import { compositeOnWhite } from "../models/pillow-resize.js";
import { pillowJpegPayload, withJpegComment } from "../payload/pillow-jpeg.js";
import { PILLOW_DEFAULT_JPEG } from "../payload/types.js";
import { pillowPng } from "./encoders/pillow-png.js";
import { convertRgbSavePng, pngPayload, readingNotes } from "./pillow-png.js";
import { orientationLostOrNone } from "./steps.js";
import type { ClientPath, IccHandling } from "./types.js";

/** vLLM's `rgba_to_rgb`: `Image.new("RGB", size, (255, 255, 255)).paste(image, mask=alpha)`. */
function onWhite(image: DecodedImage, rgba: Uint8Array): Uint8Array {
  return compositeOnWhite(rgba, image.width, image.height);
}

function droppedIcc(opened: PillowOpened): IccHandling {
  return opened.iccProfile !== undefined && opened.iccProfile.length > 0 ? "dropped" : "none";
}

/**
 * `encode_image_url(image)` (format "PNG", image_mode "RGB"): ImageMediaIO._convert_image_mode
 * then `image.save(buffer, "PNG")`. An RGB image is saved as it is, so its ICC profile and any
 * tRNS colour key stay; an image with transparency (RGBA, LA, PA, or `transparency` in its info)
 * is converted to RGBA and pasted onto white, a new image without the source's info; any other
 * mode goes through convert("RGB"), which keeps the profile.
 */
export const vllm: ClientPath = {
  name: "vllm",
  description: "vLLM encode_image_url: transparency onto white, then Pillow PNG",
  reproduces: "vLLM after PR #44974 (2026-06), Pillow 9.4, zlib 1.2.13",
  source:
    "vllm-project/vllm@030958a vllm/multimodal/media/image.py ImageMediaIO.encode_base64; " +
    "vllm/multimodal/image.py convert_image_mode as changed by PR #44974",
  async encode({ image, bytes }) {
    const opened = await pillowOpened(bytes, image);
    const prefix = "data:image/png;base64,";
    const label = "PNG (vLLM encode_image_url)";
    const composite =
      opened.mode !== "RGB" &&
      (["RGBA", "LA", "PA"].includes(opened.mode) || carriesTransparency(opened));
    if (!composite)
      return pngPayload(image, "vllm", label, prefix, convertRgbSavePng(image, opened));
    const notes = readingNotes(image, opened);
    if (opened.mode !== "RGBA")
      notes.push(`mode ${opened.mode} with transparency converted to RGBA first`);
    return pngPayload(image, "vllm", label, prefix, {
      bytes: pillowPng(onWhite(image, pillowConvertRgba(image, opened)), image.width, image.height),
      alpha: "white",
      icc: droppedIcc(opened),
      notes,
    });
  },
};

/**
 * The older `encode_image_base64(image, format="JPEG")`: RGBA pasted onto white, other modes
 * through convert("RGB") (alpha dropped, the stored colour shows), then Pillow's default JPEG
 * (q75 4:2:0); bare base64. The JPEG writer keeps a `comment` from the image's info but not its
 * ICC profile.
 */
export const vllmLegacy: ClientPath = {
  name: "vllm-legacy",
  description: "vLLM encode_image_base64 before v0.15: RGBA onto white, then Pillow JPEG q75",
  reproduces: 'vLLM up to 0.14 (format="JPEG"), Pillow 9.4',
  source:
    "vllm-project/vllm@01ee07a vllm/multimodal/utils.py encode_image_base64, " +
    "vllm/multimodal/image.py convert_image_mode",
  async encode({ image, bytes }) {
    const opened = await pillowOpened(bytes, image);
    const rgbaSource = opened.mode === "RGBA";
    const rgb = rgbaSource ? onWhite(image, image.rgba) : dropAlpha(image.pillowRgba);
    const opaque = Buffer.alloc(image.width * image.height * 4, 255);
    for (let p = 0, i = 0; p < rgb.length; p += 3, i += 4) opaque.set(rgb.subarray(p, p + 3), i);
    const payload = await pillowJpegPayload({ ...image, pillowRgba: opaque }, PILLOW_DEFAULT_JPEG);
    const notes = readingNotes(image, opened);
    return {
      ...payload,
      label: "JPEG q75 4:2:0 (vLLM encode_image_base64)",
      bytes: rgbaSource ? payload.bytes : withJpegComment(payload.bytes, opened.comment),
      client: "vllm-legacy",
      sentPrefix: "",
      steps: {
        format: "jpeg",
        quality: PILLOW_DEFAULT_JPEG.quality,
        subsampling: PILLOW_DEFAULT_JPEG.subsampling,
        huffman: "standard",
        alpha: rgbaSource ? "white" : image.info.hasAlpha ? "stored-colour" : "none",
        orientation: orientationLostOrNone(image),
        icc: droppedIcc(opened),
        notes,
      },
    };
  },
};
