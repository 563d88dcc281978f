/**
 * PNG structure as an encoder left it: chunks, the zlib stream's header, how the data was cut
 * into IDAT chunks, each row's filter type, and the rows themselves. Never throws on bad input.
 */
import { constants, crc32, inflateSync } from "node:zlib";

export interface PngStructure {
  width: number;
  height: number;
  bitDepth: number;
  /** IHDR colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: number;
  interlaced: boolean;
  /** Chunk types in file order, IDAT runs collapsed to one entry. */
  chunks: string[];
  /** Data length of each IDAT chunk, in order. */
  idatLengths: number[];
  /** The iCCP chunk's profile name (Latin-1), when there is one. */
  iccProfileName: string | null;
  /** The iCCP profile, inflated; null when absent or broken. */
  iccProfile: Uint8Array | null;
  /** sBIT's significant bits per channel, as stored. */
  significantBits: number[] | null;
  /** pHYs: pixels per unit and unit (1 = metre, 0 = aspect ratio only). */
  physical: { x: number; y: number; unit: number } | null;
  /** Keywords of tEXt, zTXt and iTXt chunks. */
  textKeywords: string[];
  /** The zlib header of the image data (RFC 1950): window size and the level hint. */
  zlib: { windowBits: number; level: number; dictionary: boolean } | null;
  /**
   * Each row's filter type (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth), passes in order for
   * interlaced files; only the rows in the first 32 MiB of image data; null when the data
   * could not be inflated.
   */
  rowFilters: Uint8Array | null;
  /** Rows the image data holds: height, or the sum of the Adam7 passes' heights. */
  rows: number;
  /** The image data as inflated (still filtered), as far as `rowFilters` reads it. */
  data: Buffer | null;
  /** Bytes per complete pixel, at least 1 (the filters' "bpp"). */
  bytesPerPixel: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Inflating stops here: some rows are enough to tell encoders apart. */
const INFLATE_BYTES = 32 << 20;

function u32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] ?? 0) * 0x1000000 +
    (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0))
  );
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

function keyword(payload: Uint8Array): string {
  const end = payload.indexOf(0);
  return latin1(payload.subarray(0, end < 0 ? Math.min(payload.length, 79) : end));
}

/** Adam7 pass sizes (columns, rows) for an interlaced image. */
function passes(width: number, height: number, interlaced: boolean): [number, number][] {
  if (!interlaced) return [[width, height]];
  const adam7: [number, number, number, number][] = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  return adam7.map(([x0, y0, dx, dy]) => [
    Math.max(0, Math.ceil((width - x0) / dx)),
    Math.max(0, Math.ceil((height - y0) / dy)),
  ]);
}

/** Walks the chunks of a PNG; undefined when the signature or IHDR is missing. */
export function readPng(bytes: Uint8Array): PngStructure | undefined {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  if (latin1(bytes.subarray(12, 16)) !== "IHDR") return undefined;
  const png: PngStructure = {
    width: u32(bytes, 16),
    height: u32(bytes, 20),
    bitDepth: bytes[24] as number,
    colourType: bytes[25] as number,
    interlaced: bytes[28] === 1,
    chunks: [],
    idatLengths: [],
    iccProfileName: null,
    iccProfile: null,
    significantBits: null,
    physical: null,
    textKeywords: [],
    zlib: null,
    rowFilters: null,
    rows: 0,
    data: null,
    bytesPerPixel: 1,
  };
  const idat: Uint8Array[] = [];
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = u32(bytes, at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const payload = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    if (type === "IDAT") {
      if (png.chunks[png.chunks.length - 1] !== "IDAT") png.chunks.push(type);
      png.idatLengths.push(length);
      idat.push(payload);
    } else {
      png.chunks.push(type);
    }
    if (type === "iCCP") {
      png.iccProfileName = keyword(payload);
      const start = payload.indexOf(0) + 2;
      try {
        if (start > 1) png.iccProfile = inflateSync(payload.subarray(start));
      } catch {
        png.iccProfile = null;
      }
    } else if (type === "sBIT") {
      png.significantBits = [...payload];
    } else if (type === "pHYs" && payload.length >= 9) {
      png.physical = { x: u32(payload, 0), y: u32(payload, 4), unit: payload[8] as number };
    } else if (type === "tEXt" || type === "zTXt" || type === "iTXt") {
      png.textKeywords.push(keyword(payload));
    }
    if (type === "IEND") break;
    at += 12 + length;
  }
  const data = Buffer.concat(idat);
  if (data.length >= 2 && ((data[0] as number) * 256 + (data[1] as number)) % 31 === 0) {
    png.zlib = {
      windowBits: ((data[0] as number) >> 4) + 8,
      level: (data[1] as number) >> 6,
      dictionary: ((data[1] as number) & 0x20) !== 0,
    };
  }
  readRows(png, data);
  return png;
}

/** Inflates the image data and records each row's filter type (and checks Pillow's choice). */
function readRows(png: PngStructure, data: Buffer): void {
  const channels = CHANNELS[png.colourType];
  if (channels === undefined || png.width === 0 || png.height === 0) return;
  const bitsPerPixel = channels * png.bitDepth;
  png.bytesPerPixel = Math.max(1, Math.ceil(bitsPerPixel / 8));
  const sizes = passes(png.width, png.height, png.interlaced);
  let expected = 0;
  for (const [columns, rows] of sizes) {
    if (columns === 0) continue;
    expected += rows * (1 + Math.ceil((columns * bitsPerPixel) / 8));
    png.rows += rows;
  }
  const raw = inflatePrefix(data, Math.min(expected, INFLATE_BYTES));
  if (raw === undefined) return;
  const filters: number[] = [];
  let at = 0;
  for (const [columns, rows] of sizes) {
    if (columns === 0) continue;
    const stride = 1 + Math.ceil((columns * bitsPerPixel) / 8);
    for (let y = 0; y < rows && at < raw.length; y++, at += stride) filters.push(raw[at] as number);
  }
  png.rowFilters = Uint8Array.from(filters);
  png.data = raw;
}

/**
 * Calls `visit` with each complete row of a non-interlaced image's data, unfiltered, the row
 * above it (zeros for the first) and the filter type it was stored with, until `visit` returns
 * false, a filter type is invalid, or `maxBytes` of rows are done. Returns how many rows it
 * visited.
 */
export function visitRows(
  png: PngStructure,
  maxBytes: number,
  visit: (row: Uint8Array, above: Uint8Array, filter: number) => boolean,
): number {
  const data = png.data;
  if (data === null || png.interlaced || png.height === 0) return 0;
  const rowBytes = Math.ceil((png.width * (CHANNELS[png.colourType] ?? 1) * png.bitDepth) / 8);
  const bpp = png.bytesPerPixel;
  const rows = Math.min(
    Math.floor(data.length / (rowBytes + 1)),
    png.height,
    Math.max(1, Math.floor(maxBytes / (rowBytes + 1))),
  );
  if (rows <= 0) return 0;
  let above = new Uint8Array(rowBytes);
  let row = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y++) {
    const start = y * (rowBytes + 1);
    const filter = data[start] as number;
    if (filter > 4) return y;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? (row[i - bpp] as number) : 0;
      const b = above[i] as number;
      const c = i >= bpp ? (above[i - bpp] as number) : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) predictor = paeth(a, b, c);
      row[i] = ((data[start + 1 + i] as number) + predictor) & 255;
    }
    if (!visit(row, above, filter)) return y + 1;
    [above, row] = [row, above];
  }
  return rows;
}

/** The PNG specification's Paeth predictor: ties go to a, then b. */
function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Up to `limit` bytes of the inflated stream (a stream may end early or run on). When the
 * whole would be larger, inflates ever longer prefixes of the compressed data (from 1 KiB,
 * doubling) until the output reaches half the limit, and keeps the longest that fits.
 */
function inflatePrefix(data: Buffer, limit: number): Buffer | undefined {
  const options = { maxOutputLength: Math.max(1, limit), finishFlush: constants.Z_SYNC_FLUSH };
  try {
    return inflateSync(data, options);
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE") return undefined;
  }
  let best: Buffer | undefined;
  for (let size = 1024; size < data.length * 2; size *= 2) {
    try {
      best = inflateSync(data.subarray(0, size), options);
    } catch {
      break;
    }
    if (best.length >= limit / 2) break;
  }
  return best;
}

/** The 8 bytes every PNG starts with. */
export const PNG_SIGNATURE = Buffer.from(SIGNATURE);

/** One PNG chunk as written: length, type, data, then the CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
