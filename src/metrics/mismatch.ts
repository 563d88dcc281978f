import pixelmatch from "pixelmatch";
import { invalidValue, SETTINGS, shownValue } from "../settings.js";
import { assertPixelPair } from "./psnr.js";

export interface MismatchOptions {
  /** pixelmatch's colour threshold, 0-1; smaller is more sensitive. */
  threshold?: number;
  /** Also return pixelmatch's diff image (RGBA, same size as the inputs). */
  diff?: boolean;
}

export interface MismatchResult {
  /** Pixels pixelmatch counts as different (anti-aliasing excluded, its default). */
  mismatched: number;
  diff?: Uint8Array;
}

/** Pixel count that pixelmatch 7 reports as visibly different, on R, G, B only. */
export function mismatch(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  { threshold = SETTINGS.threshold.default, diff = false }: MismatchOptions = {},
): MismatchResult {
  assertPixelPair(a, b, width, height);
  if (SETTINGS.threshold.check(threshold) === undefined) {
    throw new RangeError(
      invalidValue(SETTINGS.threshold.expected, "threshold", shownValue(threshold)),
    );
  }
  const output = diff ? new Uint8Array(width * height * 4) : null;
  // pixelmatch blends translucent pixels over a checkerboard; the metrics read what
  // convert("RGB") reads, which drops alpha, so translucent inputs are compared as opaque.
  const img1 = opaqueView(a);
  const img2 = opaqueView(b);
  // pixelmatch's output parameter is typed `... | void`; undefined means "no diff image".
  const mismatched = pixelmatch(img1, img2, output ?? undefined, width, height, { threshold });
  return output === null ? { mismatched } : { mismatched, diff: output };
}

/**
 * The buffer itself when every alpha is 255 and its offset suits pixelmatch's Uint32Array
 * view (pooled Node Buffers may start at any byte); otherwise a copy with alpha set to 255.
 */
function opaqueView(img: Uint8Array): Uint8Array {
  let opaque = true;
  for (let i = 3; i < img.length; i += 4) {
    if (img[i] !== 255) {
      opaque = false;
      break;
    }
  }
  if (opaque && img.byteOffset % 4 === 0) return img;
  const copy = new Uint8Array(img);
  if (!opaque) for (let i = 3; i < copy.length; i += 4) copy[i] = 255;
  return copy;
}
