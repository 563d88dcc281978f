import { crc32 } from "node:zlib";
import type { Metadata, Sharp, SharpOptions } from "sharp";
import { ImgencError } from "../errors.js";
import { SETTINGS } from "../settings.js";
import {
  GZIP_NOT_IMAGE,
  HTML_NOT_IMAGE,
  mimeForFormat,
  NOT_AN_IMAGE,
  rendersAsSvg,
  SVG_REFUSED,
  sniffFormat,
} from "./format.js";
import { type IccSummary, readIcc } from "./icc.js";
import {
  gifTransparentColour,
  pillowCmyk,
  pillowGrey16,
  withGifTransparentColour,
} from "./pillow.js";
import { loadSharp } from "./sharp.js";

export const DEFAULT_MAX_INPUT_PIXELS = SETTINGS.maxInputPixels.default;

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). */
  maxInputPixels?: number;
  /** Called with the header once the pixel limit has passed, before the pixels are decoded. */
  onInfo?: (info: ImageInfo) => void;
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
export const INPUT_OPTIONS: SharpOptions = {
  ignoreIcc: true,
  autoOrient: false,
  failOn: "warning",
};

const FORMAT_NAMES: Record<string, string> = {
  png: "PNG",
  jpeg: "JPEG",
  gif: "GIF",
  webp: "WebP",
  tiff: "TIFF",
  bmp: "BMP",
  avif: "AVIF",
  heif: "HEIF",
};

/** libvips prefixes its messages with loader names that mean nothing to a user. */
const LIBVIPS_PREFIX =
  /^(?:input (?:buffer|file) has corrupt header:|[a-z_]*load(?:_buffer|_source)?:|vips[a-z_]*:|webp:|corrupt jpeg data:|libpng (?:read )?error:?)\s*/i;

/** Details that only restate "it failed" are dropped rather than shown. */
const NO_DETAIL = /^(?:libpng read error|unable to parse image|read error|)$/i;

function libvipsDetail(raw: string): string {
  // Several lines, each with its own prefix; the first meaningful one is the cause.
  for (const line of raw.split("\n")) {
    let text = line.trim();
    for (let prefix = LIBVIPS_PREFIX.exec(text); prefix !== null && prefix[0] !== ""; ) {
      text = text.slice(prefix[0].length);
      prefix = LIBVIPS_PREFIX.exec(text);
    }
    if (!NO_DETAIL.test(text)) return text.charAt(0).toLowerCase() + text.slice(1);
  }
  return "";
}

interface Damage {
  kind: "truncated" | "corrupt";
  where: string;
}

const truncated = (where: string): Damage => ({ kind: "truncated", where });
const corrupt = (where: string): Damage => ({ kind: "corrupt", where });

/** Where a PNG's chunk structure breaks, found without decoding: the clearest cause to name. */
function pngDamage(bytes: Uint8Array): Damage | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length <= 8) return truncated("nothing after the PNG signature");
  let offset = 8;
  while (offset < buffer.length) {
    if (offset + 8 > buffer.length) return truncated("the file ends inside a chunk header");
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString("latin1", offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return corrupt(`invalid chunk at byte ${offset}`);
    if (type === "IHDR" && length >= 8 && offset + 16 <= buffer.length) {
      const width = buffer.readUInt32BE(offset + 8);
      const height = buffer.readUInt32BE(offset + 12);
      if (width === 0 || height === 0) return corrupt(`the header declares ${width}x${height}`);
    }
    const end = offset + 12 + length;
    if (end > buffer.length) return truncated(`the file ends inside the ${type} chunk`);
    if (crc32(buffer.subarray(offset + 4, end - 4)) !== buffer.readUInt32BE(end - 4)) {
      return corrupt(`CRC mismatch in the ${type} chunk`);
    }
    if (type === "IEND") return undefined;
    offset = end;
  }
  return truncated("no IEND chunk");
}

/** A JPEG ends with an EOI marker; without one it was cut off. */
function jpegDamage(bytes: Uint8Array): Damage | undefined {
  const n = bytes.length;
  if (bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9) return undefined;
  return truncated("no end-of-image marker");
}

/** A WebP shorter than its RIFF header says was cut off in transit. */
function webpDamage(bytes: Uint8Array): Damage | undefined {
  if (bytes.length < 12) return truncated("the RIFF header is incomplete");
  const declared = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(4);
  if (declared + 8 <= bytes.length) return undefined;
  return truncated(`${bytes.length} of the ${declared + 8} bytes its header declares`);
}

const DAMAGE: Record<string, (bytes: Uint8Array) => Damage | undefined> = {
  png: pngDamage,
  jpeg: jpegDamage,
  webp: webpDamage,
};

/**
 * One line a person can act on. libvips' own text ("vipspng: libpng read error", "Input buffer
 * has corrupt header:") names loaders, not causes, so the cause is read from the bytes where the
 * format allows and libvips' detail is only kept when it says something.
 */
function describeFailure(bytes: Uint8Array, error: unknown): ImgencError {
  const sniffed = sniffFormat(bytes);
  const raw = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(raw) || sniffed === "unknown" || sniffed === "html") {
    const hint = sniffed === "html" ? HTML_NOT_IMAGE : NOT_AN_IMAGE;
    return new ImgencError("not-image", hint, { cause: error });
  }
  const name = FORMAT_NAMES[sniffed] ?? sniffed.toUpperCase();
  const damage = DAMAGE[sniffed]?.(bytes);
  const detail = libvipsDetail(raw);
  let kind: string;
  let because: string;
  if (sniffed === "jpeg") {
    // libjpeg's detail is precise; the EOI marker tells a cut file from garbage in a whole one.
    kind = damage?.kind ?? "corrupt";
    because = detail || (damage?.where ?? "");
  } else if (damage !== undefined) {
    kind = damage.kind;
    because = damage.where;
  } else {
    kind = /premature end|unexpected end|truncated/i.test(raw)
      ? "truncated"
      : "truncated or corrupt";
    because = detail;
  }
  const message = `${kind} ${name} data${because === "" ? "" : ` (${because})`}`;
  return new ImgencError("decode", message, { cause: error });
}

/** Refusals decided from the bytes alone, before libvips sees them. */
function refuseBeforeDecoding(bytes: Uint8Array): void {
  const sniffed = sniffFormat(bytes);
  if (sniffed === "html") throw new ImgencError("not-image", HTML_NOT_IMAGE);
  // libvips inflates gzip to look for an .svgz inside; no image format we read is gzip.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && sniffed === "unknown") {
    throw new ImgencError("not-image", GZIP_NOT_IMAGE);
  }
  if (sniffed === "svg" || rendersAsSvg(bytes)) throw new ImgencError("not-image", SVG_REFUSED);
}

/** libvips reads AVIF with its HEIF loader and calls it "heif"; the AV1 compression says AVIF. */
function formatOf(meta: Metadata): string {
  return meta.format === "heif" && meta.compression === "av1" ? "avif" : meta.format;
}

function toInfo(meta: Metadata): ImageInfo {
  const format = formatOf(meta);
  return {
    format,
    mime: mimeForFormat(format),
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
  refuseBeforeDecoding(bytes);
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { ...INPUT_OPTIONS, limitInputPixels: false }).metadata();
  } catch (error) {
    throw describeFailure(bytes, error);
  }
  // Only reachable if libvips' sniffing outgrows ours; its rendering is what must not happen.
  if (meta.format === "svg") throw new ImgencError("not-image", SVG_REFUSED);
  return toInfo(meta);
}

/**
 * The size a GIF declares for its logical screen. libvips sizes a GIF by its frames when the
 * screen is implausibly large, but Pillow (and browsers) allocate the screen, so it counts.
 */
function gifScreen(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (sniffFormat(bytes) !== "gif" || bytes.length < 10) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: buffer.readUInt16LE(6), height: buffer.readUInt16LE(8) };
}

function checkPixels(info: ImageInfo, bytes: Uint8Array, maxInputPixels: number): void {
  const screen = gifScreen(bytes);
  const width = Math.max(info.width, screen?.width ?? 0);
  const height = Math.max(info.height, screen?.height ?? 0);
  const pixels = width * height;
  if (pixels > maxInputPixels) {
    const [size, limit] = pixelCounts(pixels, maxInputPixels);
    throw new ImgencError(
      "too-many-pixels",
      `${width}x${height} is ${size}, over the ${limit} limit (raise it with --max-input-pixels)`,
    );
  }
}

/**
 * "2500 MP" and "100 MP" when megapixels tell the two apart; exact pixel counts ("3,072 px",
 * "10 px") when the limit is under a megapixel or rounding would make the two look equal.
 */
function pixelCounts(pixels: number, limit: number): [string, string] {
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
  if (limit >= 1e6 && mp(pixels) !== mp(limit)) return [mp(pixels), mp(limit)];
  const px = (n: number) => `${n.toLocaleString("en-US")} px`;
  return [px(pixels), px(limit)];
}

/** Decodes the first frame to 8-bit RGBA (16-bit samples keep their high byte, as Pillow does). */
export async function decode(bytes: Buffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const info = await readInfo(bytes);
  checkPixels(info, bytes, options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS);
  options.onInfo?.(info);
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
  // A 16-bit grey PNG opens as mode "I" with or without a tRNS chunk (which libvips reads as alpha).
  const pngGrey = info.format === "png" && bytes[25] === 0;
  if (info.space === "grey16" && (info.channels === 1 || pngGrey)) return pillowGrey16(open());
  if (info.format === "gif" && info.hasAlpha) {
    const colour = gifTransparentColour(bytes);
    if (colour) return withGifTransparentColour(rgba, colour);
  }
  return rgba;
}
