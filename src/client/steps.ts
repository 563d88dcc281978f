import type { DecodedImage } from "../image/decode.js";
import type { AlphaHandling, IccHandling, OrientationHandling } from "./types.js";

/** convert("RGB") and OpenCV's BGRA->BGR drop alpha; the colour stored under it shows. */
export function alphaDroppedOrNone(image: DecodedImage): AlphaHandling {
  return image.info.hasAlpha ? "stored-colour" : "none";
}

/** A path that neither applies nor writes EXIF loses any orientation other than 1. */
export function orientationLostOrNone(image: DecodedImage): OrientationHandling {
  const { orientation } = image.info;
  return orientation !== undefined && orientation !== 1 ? "lost" : "none";
}

/** A path that turns the pixels upright (ImageOps.exif_transpose) applies the orientation. */
export function orientationAppliedOrNone(image: DecodedImage): OrientationHandling {
  return orientationLostOrNone(image) === "lost" ? "applied" : "none";
}

/** A path that sends the source's bytes keeps the orientation for the reader to apply. */
export function orientationKeptOrNone(image: DecodedImage): OrientationHandling {
  return orientationLostOrNone(image) === "lost" ? "kept" : "none";
}

/** A path that writes no ICC profile drops the source's. */
export function iccDroppedOrNone(image: DecodedImage): IccHandling {
  return image.info.hasIccProfile ? "dropped" : "none";
}
