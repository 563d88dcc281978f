import type { Metadata, Sharp, SharpOptions } from "sharp";
import { ImgencError } from "../errors.js";
import { mimeForFormat, sniffFormat } from "./format.js";
import { type IccSummary, readIcc } from "./icc.js";
import {
  gifTransparentColour,
  pillowCmyk,
  pillowGrey16,
  withGifTransparentColour,
} from "./pillow.js";
import { loadSharp } from "./sharp.js";

export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). */
  maxInputPixels?: number;
}

/** What the container says about the image, read from its header without decoding pixels. */
export interface ImageInfo {
  format: string;
  mime: string;
  width: number;
  height: number;
  channels: number;
  /** Bits per channel as stored (8, 16, 32 ...). */
  bitDepth: number;
  space: string;
  hasAlpha: boolean;
  hasIccProfile: boolean;
  /** Header and description of the embedded ICC profile, which decoding ignores. */
  iccProfile: IccSummary | undefined;
  /** EXIF orientation (1-8), when the file carries one. */
  orientation: number | undefined;
  pages: number;
  progressive: boolean;
  palette: boolean;
  chromaSubsampling: string | undefined;
}

/** The stored pixel values as a Pillow-based reader sees them: 8-bit RGBA, no colour management. */
export interface DecodedImage {
  info: ImageInfo;
  width: number;
  height: number;
  /** width * height * 4 bytes; alpha is 255 where the source has none. */
  rgba: Buffer;
  /**
   * The colours Pillow's `convert("RGB")` reads, as RGBA: the same buffer as `rgba` except for
   * CMYK, 16-bit greyscale and transparent GIF sources, where Pillow reads other values.
   */
  pillowRgba: Buffer;
}

const DEPTH_BITS: Record<string, number> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  double: 64,
};

/**
 * Pillow, vLLM and qwen-vl-utils never apply an embedded ICC profile or EXIF orientation, and
 * read the first frame only: decoding the same way is what makes our JPEG match Pillow's.
 */
const INPUT_OPTIONS: SharpOptions = { ignoreIcc: true, autoOrient: false, failOn: "warning" };

function describeFailure(bytes: Uint8Array, error: unknown): ImgencError {
  const sniffed = sniffFormat(bytes);
  const raw = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(raw) || sniffed === "unknown" || sniffed === "html") {
    const hint =
      sniffed === "html" ? "an HTML page, not an image" : "not an image in a supported format";
    return new ImgencError("not-image", hint, { cause: error });
  }
  // libvips reports several lines with internal prefixes; keep the first meaningful one.
  const line =
    raw
      .split("\n")
      .map((s) => s.trim())
      .find((s) => s.length > 0) ?? "unknown error";
  return new ImgencError("decode", `cannot decode ${sniffed.toUpperCase()} data: ${line}`, {
    cause: error,
  });
}

function toInfo(meta: Metadata): ImageInfo {
  return {
    format: meta.format,
    mime: mimeForFormat(meta.format),
    width: meta.width,
    height: meta.pageHeight ?? meta.height,
    channels: meta.channels,
    // A palette's index bits are not its colour depth: palette entries are 8-bit.
    bitDepth: meta.isPalette ? 8 : (meta.bitsPerSample ?? DEPTH_BITS[meta.depth] ?? 8),
    space: meta.space,
    hasAlpha: meta.hasAlpha,
    hasIccProfile: meta.hasProfile,
    iccProfile: readIcc(meta.icc),
    orientation: meta.orientation,
    pages: meta.pages ?? 1,
    progressive: meta.isProgressive,
    palette: meta.isPalette,
    chromaSubsampling: meta.chromaSubsampling,
  };
}

/** Reads the header only. Throws ImgencError (not-image, decode) without an input name. */
export async function readInfo(bytes: Buffer): Promise<ImageInfo> {
  if (bytes.length === 0) throw new ImgencError("empty", "no image data (0 bytes)");
  const sharp = await loadSharp();
  try {
    return toInfo(await sharp(bytes, { ...INPUT_OPTIONS, limitInputPixels: false }).metadata());
  } catch (error) {
    throw describeFailure(bytes, error);
  }
}

function checkPixels(info: ImageInfo, maxInputPixels: number): void {
  const pixels = info.width * info.height;
  if (pixels > maxInputPixels) {
    const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
    throw new ImgencError(
      "too-many-pixels",
      `${info.width}x${info.height} is ${mp(pixels)}, over the ${mp(maxInputPixels)} limit (raise it with --max-input-pixels)`,
    );
  }
}

/** Decodes the first frame to 8-bit RGBA (16-bit samples keep their high byte, as Pillow does). */
export async function decode(bytes: Buffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const info = await readInfo(bytes);
  checkPixels(info, options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS);
  const sharp = await loadSharp();
  const open = (): Sharp => sharp(bytes, { ...INPUT_OPTIONS, limitInputPixels: false });
  try {
    const { data, info: out } = await open()
      .toColourspace("srgb")
      .ensureAlpha(1)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      info,
      width: out.width,
      height: out.height,
      rgba: data,
      pillowRgba: await pillowView(info, bytes, data, open),
    };
  } catch (error) {
    throw describeFailure(bytes, error);
  }
}

async function pillowView(
  info: ImageInfo,
  bytes: Buffer,
  rgba: Buffer,
  open: () => Sharp,
): Promise<Buffer> {
  if (info.space === "cmyk") return pillowCmyk(open());
  if (info.space === "grey16" && info.channels === 1) return pillowGrey16(open());
  if (info.format === "gif" && info.hasAlpha) {
    const colour = gifTransparentColour(bytes);
    if (colour) return withGifTransparentColour(rgba, colour);
  }
  return rgba;
}
