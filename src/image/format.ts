/** Container formats recognised from their first bytes, independent of any extension or header. */
export type SniffedFormat =
  | "png"
  | "jpeg"
  | "gif"
  | "webp"
  | "tiff"
  | "bmp"
  | "avif"
  | "heif"
  | "svg"
  | "html"
  | "unknown";

const MIME: Record<string, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  tiff: "image/tiff",
  bmp: "image/bmp",
  avif: "image/avif",
  heif: "image/heif",
  svg: "image/svg+xml",
  jp2: "image/jp2",
  jxl: "image/jxl",
};

/** MIME type for a sharp/libvips format name (or a sniffed one). */
export function mimeForFormat(format: string): string {
  return MIME[format] ?? "application/octet-stream";
}

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, i) => bytes[offset + i] === value);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString("latin1");
}

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return "gif";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return "tiff";
  if (ascii(bytes, 0, 2) === "BM") return "bmp";
  if (ascii(bytes, 4, 8) === "ftyp") {
    const brand = ascii(bytes, 8, 12);
    if (brand === "avif" || brand === "avis") return "avif";
    if (["heic", "heix", "mif1", "msf1", "hevc"].includes(brand)) return "heif";
  }
  // Text formats: look past a BOM and leading whitespace.
  const head = ascii(bytes, 0, 512)
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, "")
    .trimStart()
    .toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "html";
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "svg";
  return "unknown";
}

/** The refusals every reader words the same way, whether it stops early or after decoding. */
export const NOT_AN_IMAGE = "not an image in a supported format";
export const HTML_NOT_IMAGE = "an HTML page, not an image";
export const GZIP_NOT_IMAGE = "gzip-compressed data, not an image";
export const SVG_REFUSED =
  "SVG is a vector format: rasterise it first (e.g. rsvg-convert -o image.png image.svg); imgenc does not render SVG because it can fetch external files";

/** Formats whose signature libvips' SVG sniffing can never match (a non-ASCII first byte). */
const BINARY_SIGNATURE = new Set<SniffedFormat>(["png", "jpeg"]);

/**
 * True for text libvips would hand to librsvg: it looks for "<svg" within the first 1000 bytes
 * (we look further). Decided on the bytes, never by asking libvips.
 */
export function rendersAsSvg(bytes: Uint8Array): boolean {
  if (BINARY_SIGNATURE.has(sniffFormat(bytes))) return false;
  return /<svg/i.test(Buffer.from(bytes.subarray(0, 4096)).toString("latin1"));
}

const RASTER = new Set<SniffedFormat>([
  "png",
  "jpeg",
  "gif",
  "webp",
  "tiff",
  "bmp",
  "avif",
  "heif",
]);

/**
 * Signatures of formats a libvips build other than sharp's own may read from memory (BigTIFF,
 * any ISO-BMFF brand, JPEG 2000, JPEG XL, PNM/PFM, Radiance, FITS, vips, PDF, OpenEXR): a head
 * that starts like one of these is never refused early.
 */
function otherLoaderSignature(head: Uint8Array): boolean {
  const text = ascii(head, 0, 12);
  return (
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2b]) ||
    text.slice(4, 8) === "ftyp" ||
    startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) ||
    startsWith(head, [0xff, 0x4f, 0xff, 0x51]) ||
    startsWith(head, [0xff, 0x0a]) ||
    startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]) ||
    /^P[1-7Ff]\s/.test(text) ||
    text.startsWith("#?") ||
    text.startsWith("SIMPLE") ||
    startsWith(head, [0x08, 0xf2, 0xa6, 0xb6]) ||
    startsWith(head, [0xb6, 0xa6, 0xf2, 0x08]) ||
    text.startsWith("%PDF") ||
    startsWith(head, [0x76, 0x2f, 0x31, 0x01])
  );
}

/**
 * What decoding would say about bytes that start with `head`, when the head alone already
 * decides it: undefined while they may still be an image. Lets a reader stop a long stream
 * (a device, a pipe, a huge download) after its first bytes instead of at the size limit.
 * `anyLoader` is for libvips builds with a catch-all loader (ImageMagick): only the refusals
 * made before libvips is asked remain.
 */
export function refusalFromHead(head: Uint8Array, anyLoader = false): string | undefined {
  const sniffed = sniffFormat(head);
  if (RASTER.has(sniffed)) return undefined;
  if (sniffed === "html") return HTML_NOT_IMAGE;
  if (head[0] === 0x1f && head[1] === 0x8b) return GZIP_NOT_IMAGE;
  if (sniffed === "svg" || rendersAsSvg(head)) return SVG_REFUSED;
  if (anyLoader || otherLoaderSignature(head)) return undefined;
  return NOT_AN_IMAGE;
}
