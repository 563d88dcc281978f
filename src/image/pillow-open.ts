import { inflateSync } from "node:zlib";
import type { DecodedImage } from "./decode.js";
import { sniffFormat } from "./format.js";
import { gifTransparentColour } from "./pillow.js";
import { loadSharp } from "./sharp.js";

/**
 * What Pillow 9.4's `Image.open` makes of a file beyond its pixels, where that decides what a
 * later `save` writes: the mode, and the `info` entries `transparency`, `icc_profile` and
 * `comment`. Read from the bytes (python-pillow/Pillow@a5bbab1 src/PIL/PngImagePlugin.py
 * `_MODES`, `chunk_tRNS`; JpegImagePlugin.py `COM`; GifImagePlugin.py).
 */
export interface PillowOpened {
  /** "1", "L", "I", "P", "LA", "RGB", "RGBA", "CMYK", ... */
  mode: string;
  /**
   * `info["transparency"]`: a palette index or grey value (P, L, 1, I), a colour key (RGB, with
   * 16-bit values for a 16-bit PNG), or one alpha per palette entry.
   */
  transparency: number | readonly [number, number, number] | Uint8Array | undefined;
  /** P images: RGB triples, as the PNG's PLTE chunk stores them. */
  palette: Uint8Array | undefined;
  /** For a transparent GIF, the colour its transparent index stands for in the first frame. */
  gifTransparentColour: readonly [number, number, number] | undefined;
  /** `info["icc_profile"]`. */
  iccProfile: Buffer | undefined;
  /** `info["comment"]`, which Pillow's JPEG writer copies into a COM segment. */
  comment: Buffer | undefined;
}

/** PngImagePlugin `_MODES`: (bit depth, colour type) -> mode. */
const PNG_MODES: Record<string, string> = {
  "1,0": "1",
  "2,0": "L",
  "4,0": "L",
  "8,0": "L",
  "16,0": "I",
  "8,2": "RGB",
  "16,2": "RGB",
  "1,3": "P",
  "2,3": "P",
  "4,3": "P",
  "8,3": "P",
  "8,4": "LA",
  "16,4": "RGBA",
  "8,6": "RGBA",
  "16,6": "RGBA",
};

/** PngImagePlugin `_simple_palette`: exactly one fully transparent entry, every other opaque. */
function simpleTrns(alphas: Uint8Array): boolean {
  return alphas.filter((a) => a === 0).length === 1 && alphas.every((a) => a === 0 || a === 255);
}

interface PngHead {
  mode: string;
  transparency: PillowOpened["transparency"];
  palette: Uint8Array | undefined;
  comment: Buffer | undefined;
}

function readPng(bytes: Buffer): PngHead {
  const head: PngHead = {
    mode: "",
    transparency: undefined,
    palette: undefined,
    comment: undefined,
  };
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString("latin1", pos + 4, pos + 8);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR" && data.length >= 10) {
      head.mode = PNG_MODES[`${data[8]},${data[9]}`] ?? "";
    } else if (type === "PLTE") {
      head.palette = data;
    } else if (type === "tRNS") {
      if (head.mode === "P") {
        head.transparency = simpleTrns(data) ? data.indexOf(0) : Buffer.from(data);
      } else if (["1", "L", "I"].includes(head.mode) && data.length >= 2) {
        head.transparency = data.readUInt16BE(0);
      } else if (head.mode === "RGB" && data.length >= 6) {
        head.transparency = [data.readUInt16BE(0), data.readUInt16BE(2), data.readUInt16BE(4)];
      }
    } else if (type === "tEXt" || type === "zTXt") {
      const nul = data.indexOf(0);
      if (nul > 0 && data.toString("latin1", 0, nul) === "comment") {
        let value: Buffer | undefined = data.subarray(nul + 1);
        if (type === "zTXt") {
          try {
            value = inflateSync(value.subarray(1));
          } catch {
            value = undefined;
          }
        }
        // Pillow keeps text as str (decoded as Latin-1); the JPEG writer encodes it as UTF-8.
        if (value !== undefined) head.comment = Buffer.from(value.toString("latin1"), "utf8");
      }
    } else if (type === "IDAT" || type === "IEND") {
      // Pillow's open stops reading chunks at the image data.
      break;
    }
    pos += 12 + length;
  }
  return head;
}

/** The last COM segment before the first scan: Pillow keeps only the last one. */
function jpegComment(bytes: Buffer): Buffer | undefined {
  let comment: Buffer | undefined;
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1] as number;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = bytes.readUInt16BE(pos + 2);
    if (marker === 0xfe) comment = Buffer.from(bytes.subarray(pos + 4, pos + 2 + length));
    pos += 2 + length;
  }
  return comment;
}

/** Comment extensions before the first image, joined with newlines as Pillow 9.4 joins them. */
function gifComment(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 13) return undefined;
  const packed = bytes[10] as number;
  let pos = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const comments: Buffer[] = [];
  while (pos < bytes.length && bytes[pos] === 0x21) {
    const label = bytes[pos + 1];
    pos += 2;
    const blocks: Buffer[] = [];
    while (pos < bytes.length && bytes[pos] !== 0) {
      const size = bytes[pos] as number;
      blocks.push(bytes.subarray(pos + 1, pos + 1 + size));
      pos += size + 1;
    }
    pos += 1;
    if (label === 0xfe) comments.push(Buffer.concat(blocks));
  }
  return comments.length === 0
    ? undefined
    : Buffer.concat(comments.flatMap((c, i) => (i === 0 ? [c] : [Buffer.from("\n"), c])));
}

/** The mode Pillow opens a non-PNG file in, from what the decoder saw. */
function modeFromInfo(image: DecodedImage): string {
  const { info } = image;
  if (info.format === "gif") return "P";
  if (info.space === "cmyk") return "CMYK";
  if (info.channels === 1) return "L";
  if (info.channels === 2) return "LA";
  return info.hasAlpha ? "RGBA" : "RGB";
}

/**
 * `info["comment"]` alone, from the headers, without the ICC read `pillowOpened` makes: what
 * Pillow's JPEG writer copies into every JPEG saved from the image.
 */
export function pillowComment(bytes: Buffer): Buffer | undefined {
  const format = sniffFormat(bytes);
  if (format === "png") return readPng(bytes).comment;
  if (format === "jpeg") return jpegComment(bytes);
  if (format === "gif") return gifComment(bytes);
  return undefined;
}

export async function pillowOpened(bytes: Buffer, image: DecodedImage): Promise<PillowOpened> {
  const format = sniffFormat(bytes);
  const sharp = await loadSharp();
  const { icc } = await sharp(bytes, { limitInputPixels: false }).metadata();
  const opened: PillowOpened = {
    mode: modeFromInfo(image),
    transparency: undefined,
    palette: undefined,
    gifTransparentColour: undefined,
    iccProfile: icc,
    comment: undefined,
  };
  if (format === "png") {
    const png = readPng(bytes);
    opened.mode = png.mode || opened.mode;
    opened.transparency = png.transparency;
    opened.palette = png.palette;
    opened.comment = png.comment;
  } else if (format === "jpeg") {
    opened.comment = jpegComment(bytes);
  } else if (format === "gif") {
    // Pillow 9.4 reads no ICC profile from a GIF.
    opened.iccProfile = undefined;
    opened.gifTransparentColour = gifTransparentColour(bytes);
    opened.comment = gifComment(bytes);
  }
  return opened;
}

/** `info["transparency"] is not None` after Image.open (vLLM's `_has_transparency` also counts RGBA/LA/PA). */
export function carriesTransparency(opened: PillowOpened): boolean {
  return opened.transparency !== undefined || opened.gifTransparentColour !== undefined;
}

/**
 * `info["transparency"]` after `convert("RGB")` (Image.py `convert`, "transparency handling"):
 * an RGB key stays as it is, a grey value t becomes (t, t, t) clipped to 255, a palette index
 * becomes its palette colour (entries past the palette are Pillow's grey ramp (i, i, i)), and
 * per-entry alphas are dropped. "1" and "I" images keep their integer, which the PNG writer then
 * fails on ("cannot unpack non-iterable int object"): "unsaveable".
 */
export function transparencyAfterRgb(
  opened: PillowOpened,
): readonly [number, number, number] | "unsaveable" | undefined {
  const t = opened.transparency;
  if (opened.gifTransparentColour !== undefined) return opened.gifTransparentColour;
  if (t === undefined || t instanceof Uint8Array) return undefined;
  if (typeof t !== "number") return opened.mode === "RGB" ? t : undefined;
  if (opened.mode === "L") {
    const v = Math.min(t, 255);
    return [v, v, v];
  }
  if (opened.mode === "P") {
    const palette = opened.palette ?? new Uint8Array(0);
    if (3 * t + 2 < palette.length) {
      return [palette[3 * t] as number, palette[3 * t + 1] as number, palette[3 * t + 2] as number];
    }
    return [t, t, t];
  }
  if (opened.mode === "1" || opened.mode === "I") return "unsaveable";
  return undefined;
}

/**
 * The RGBA Pillow 9.4's `convert("RGBA")` gives: the decoded alpha, except for "1", "L" and "I"
 * images with a transparent grey value, which convert_transparent (Convert.c) applies to the
 * converted 8-bit value against the value's low byte: not what a PNG decoder does for 1-, 2-,
 * 4- and 16-bit grey.
 */
export function pillowConvertRgba(image: DecodedImage, opened: PillowOpened): Uint8Array {
  const t = opened.transparency;
  if (typeof t !== "number" || !["1", "L", "I"].includes(opened.mode)) return image.rgba;
  const rgba = Buffer.from(image.pillowRgba);
  const key = t & 0xff;
  for (let i = 0; i < rgba.length; i += 4) rgba[i + 3] = rgba[i] === key ? 0 : 255;
  return rgba;
}
