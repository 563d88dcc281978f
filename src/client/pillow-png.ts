import { dropAlpha } from "../image/channels.js";
import type { DecodedImage } from "../image/decode.js";
import { type PillowOpened, pillowOpened, transparencyAfterRgb } from "../image/pillow-open.js";
import { pillowPng } from "./encoders/pillow-png.js";
import { orientationLostOrNone } from "./steps.js";
import type { AlphaHandling, ClientPath, ClientPayload, ClientSteps } from "./types.js";

/** Notes on what Pillow's reading does to the samples, shared by the paths that save PNG. */
export function readingNotes(image: DecodedImage, opened: PillowOpened): string[] {
  const notes: string[] = [];
  const { info } = image;
  if (opened.mode === "I") {
    notes.push(
      '16-bit grey opens as mode "I": convert("RGB") clips every value above 255 to white',
    );
  } else if (info.bitDepth === 16) {
    notes.push("16-bit samples cut to their high byte");
  }
  if (opened.mode === "CMYK") notes.push("CMYK converted without its profile (255 - C - K ...)");
  if (info.pages > 1) notes.push(`first frame only (of ${info.pages})`);
  return notes;
}

export interface PillowPngSave {
  bytes: Buffer;
  alpha: AlphaHandling;
  icc: ClientSteps["icc"];
  notes: string[];
}

/**
 * `img.convert("RGB").save(buf, "PNG")` on an image opened by Pillow 9.4: the RGB pixels as
 * Pillow reads them, and what convert keeps of `info` (its `_new` copies it): the ICC profile
 * becomes an iCCP chunk and a single transparent colour becomes a tRNS colour key.
 */
export function convertRgbSavePng(image: DecodedImage, opened: PillowOpened): PillowPngSave {
  const notes = readingNotes(image, opened);
  const key = transparencyAfterRgb(opened);
  let transparency: readonly [number, number, number] | undefined;
  let alpha: AlphaHandling = image.info.hasAlpha ? "stored-colour" : "none";
  if (key === "unsaveable") {
    notes.push(
      `Pillow 9.4 fails on this save (mode "${opened.mode}" keeps an integer transparency that ` +
        "the PNG writer cannot unpack); the payload is what it would write without it",
    );
  } else if (key !== undefined) {
    transparency = key;
    alpha = "kept";
    notes.push(
      `transparency kept as a tRNS colour key (${key.join(", ")}): every pixel of that colour`,
    );
  }
  const iccProfile = opened.iccProfile;
  return {
    bytes: pillowPng(dropAlpha(image.pillowRgba), image.width, image.height, {
      iccProfile,
      transparency,
    }),
    alpha,
    icc: iccProfile !== undefined && iccProfile.length > 0 ? "kept" : "none",
    notes,
  };
}

export function pngPayload(
  image: DecodedImage,
  client: ClientPayload["client"],
  label: string,
  sentPrefix: string,
  save: PillowPngSave,
): ClientPayload {
  return {
    role: "lossy",
    label,
    mime: "image/png",
    width: image.width,
    height: image.height,
    bytes: save.bytes,
    client,
    sentPrefix,
    steps: {
      format: "png",
      lossless: true,
      alpha: save.alpha,
      orientation: orientationLostOrNone(image),
      icc: save.icc,
      notes: save.notes,
    },
  };
}

/** `Image.open(f).convert("RGB").save(buf, "PNG")` with Pillow's defaults. */
export const pillowPngPath: ClientPath = {
  name: "pillow-png",
  description: 'Pillow: img.convert("RGB").save(buf, "PNG"), zlib level 6, Pillow\'s row filters',
  reproduces: "Pillow 9.4 with zlib 1.2.13 (Debian 12)",
  source:
    "python-pillow/Pillow@a5bbab1 (9.4.0) src/PIL/PngImagePlugin.py _save, src/libImaging/ZipEncode.c",
  async encode({ image, bytes }) {
    const save = convertRgbSavePng(image, await pillowOpened(bytes, image));
    // Pillow writes no data URI; a snippet that sends this PNG labels it image/png.
    return pngPayload(
      image,
      "pillow-png",
      "PNG (Pillow default save)",
      "data:image/png;base64,",
      save,
    );
  },
};
