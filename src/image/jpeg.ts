/**
 * JPEG header parsing and quality estimation. The parser walks markers from SOI to the first
 * SOS and never throws: on garbage or truncated input it returns what it found and says so,
 * because its input is whatever a user or a server handed us.
 */

interface JpegComponent {
  id: number;
  /** Horizontal and vertical sampling factors (1-4 in a valid file). */
  h: number;
  v: number;
  /** Quantisation table id the component uses. */
  tq: number;
}

export interface QuantTable {
  id: number;
  /** Bits per entry as stored in the DQT segment. */
  precision: 8 | 16;
  /** 64 entries in natural (row-major) order, de-zigzagged. */
  values: number[];
}

/** A DHT table as stored: BITS (codes per length 1-16) and HUFFVAL. */
export interface HuffmanTable {
  /** 0 DC, 1 AC. */
  tableClass: number;
  id: number;
  counts: number[];
  symbols: number[];
}

/** The JFIF APP0 segment's fields. */
export interface JfifHeader {
  /** "1.01", "1.02" ... */
  version: string;
  /** 0 no unit (aspect ratio), 1 dots per inch, 2 dots per cm. */
  units: number;
  xDensity: number;
  yDensity: number;
}

export interface JpegHeader {
  /** 0 when no frame header (SOFn) was found. */
  width: number;
  /** 0 when no frame header was found, or when the file defines it later in a DNL marker. */
  height: number;
  /** Bits per sample; 0 when no frame header was found. */
  precision: number;
  components: JpegComponent[];
  /**
   * "4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1" or "4:1:0" for the usual layouts (luma against
   * chroma; a fourth component must sample like the first), else every component's factors
   * as "h2v1,h1v1,h1v1". Undefined when there are fewer than two components: see `greyscale`.
   */
  subsampling: string | undefined;
  /** One component: there is no chroma to subsample. */
  greyscale: boolean;
  /** The SOFn marker byte (0xc0 baseline, 0xc1 extended, 0xc2 progressive ...), if any. */
  frameMarker: number | undefined;
  progressive: boolean;
  arithmetic: boolean;
  /**
   * Tables defined before the first scan, the last definition of each id winning. Progressive
   * files may (re)define tables between scans; those are not seen, as scans are not parsed.
   */
  quantTables: QuantTable[];
  /** The APP14 "Adobe" segment's colour transform: 0 none (RGB/CMYK), 1 YCbCr, 2 YCCK. */
  adobe: { transform: number } | undefined;
  jfif: boolean;
  /** The first JFIF APP0 segment's fields. */
  jfifHeader: JfifHeader | undefined;
  exif: boolean;
  /** An APP2 ICC_PROFILE chunk is present. */
  iccProfile: boolean;
  /** The ICC_PROFILE chunks' data, joined in file order. */
  iccData: Uint8Array | undefined;
  /** COM segments before the first scan. */
  comments: number;
  /** Huffman tables defined before the first scan, in file order. */
  huffmanTables: HuffmanTable[];
  /** Marker bytes of the segments before the first scan, in file order (0xe0 APP0, 0xdb DQT ...). */
  markers: number[];
  /** MCUs per restart interval from DRI; 0 when restarts are off. */
  restartInterval: number;
  /**
   * The bytes ended before the first scan header (SOS) was complete. Only the header is
   * walked, so a file cut inside its scan data is not reported here.
   */
  truncated: boolean;
  /** A frame header and a scan header were read intact, with no malformed segment between. */
  valid: boolean;
}

export interface QualityEstimate {
  /** The IJG quality (1-100) the tables correspond to; null for non-standard tables. */
  quality: number | null;
  /** Some IJG quality reproduces the luma and chroma tables exactly. */
  standard: boolean;
  /** Mean absolute difference per entry from the chosen quality's tables; NaN without table 0. */
  meanError: number;
}

/** Natural (row-major) index of each zigzag position, as DQT stores entries in zigzag order. */
export const JPEG_NATURAL_ORDER: readonly number[] = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** JPEG Annex K.1 luminance table, as libjpeg's jcparam.c uses it (natural order). */
export const IJG_LUMINANCE: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** JPEG Annex K.2 chrominance table (natural order). */
export const IJG_CHROMINANCE: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** libjpeg's jpeg_quality_scaling: integer division, as in C. */
function qualityScale(quality: number): number {
  return quality < 50 ? Math.trunc(5000 / quality) : 200 - quality * 2;
}

/** libjpeg's jpeg_add_quant_table: entries stay in 1..32767, and in 1..255 for baseline. */
function scaleTable(base: readonly number[], scale: number, forceBaseline: boolean): number[] {
  const max = forceBaseline ? 255 : 32767;
  return base.map((b) => Math.min(max, Math.max(1, Math.trunc((b * scale + 50) / 100))));
}

/**
 * The tables libjpeg's jpeg_set_quality(quality, forceBaseline) installs, in natural order.
 * Like libjpeg, the quality is clamped to 1..100; fractions are rounded.
 */
export function ijgTables(
  quality: number,
  forceBaseline = true,
): { luma: number[]; chroma: number[] } {
  if (Number.isNaN(quality)) throw new RangeError("quality must be a number");
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = qualityScale(q);
  return {
    luma: scaleTable(IJG_LUMINANCE, scale, forceBaseline),
    chroma: scaleTable(IJG_CHROMINANCE, scale, forceBaseline),
  };
}

interface Candidate {
  luma: number[][];
  chroma: number[][];
}

let candidates: Candidate[] | undefined;

/** Index q-1: both libjpeg variants, baseline-clamped (what Pillow, libvips, cjpeg write) and not. */
function allCandidates(): Candidate[] {
  if (candidates === undefined) {
    candidates = [];
    for (let q = 1; q <= 100; q++) {
      const baseline = ijgTables(q, true);
      const extended = ijgTables(q, false);
      candidates.push({
        luma: [baseline.luma, extended.luma],
        chroma: [baseline.chroma, extended.chroma],
      });
    }
  }
  return candidates;
}

function absoluteError(values: readonly number[], variants: number[][]): number {
  let best = Number.POSITIVE_INFINITY;
  for (const reference of variants) {
    let sum = 0;
    for (let i = 0; i < 64; i++) sum += Math.abs((values[i] ?? 0) - (reference[i] ?? 0));
    best = Math.min(best, sum);
  }
  return best;
}

/**
 * A near miss still reads as that quality when the mean error is at most this share of the
 * reference's mean entry. Measured with libjpeg/mozjpeg: mozjpeg's MS-SSIM-tuned Annex K
 * variant stays within 7% and passes; its PSNR-HVS variant (~10%), ImageMagick's tables (sharp's
 * `mozjpeg: true`, 35-60%), Pillow's Photoshop-style presets (11-80%), flat tables (27-41%)
 * and IJG tables with different luma and chroma qualities (~20%) do not.
 */
const NEAR_STANDARD_RELATIVE_ERROR = 0.08;

/**
 * Which IJG quality produced these tables: table 0 is taken as luma, table 1 (if any) as
 * chroma. Exact reproduction at some quality gives standard=true. Otherwise the quality with
 * the least mean absolute error is reported when that error is within
 * NEAR_STANDARD_RELATIVE_ERROR of the reference's mean entry, else quality is null.
 * No two qualities give the same luma table, so an exact match is unique; best-fit ties go to
 * the highest quality.
 */
export function estimateQuality(tables: readonly QuantTable[]): QualityEstimate {
  const luma = findLast(tables, 0);
  if (luma === undefined || luma.values.length !== 64) {
    return { quality: null, standard: false, meanError: Number.NaN };
  }
  const chroma = findLast(tables, 1);
  const useChroma = chroma !== undefined && chroma.values.length === 64;
  const count = useChroma ? 128 : 64;
  const all = allCandidates();
  let bestQuality = 100;
  let bestError = Number.POSITIVE_INFINITY;
  for (let q = 100; q >= 1; q--) {
    const candidate = all[q - 1] as Candidate;
    let error = absoluteError(luma.values, candidate.luma);
    if (useChroma) error += absoluteError(chroma.values, candidate.chroma);
    if (error === 0) return { quality: q, standard: true, meanError: 0 };
    if (error < bestError) {
      bestError = error;
      bestQuality = q;
    }
  }
  const meanError = bestError / count;
  const reference = ijgTables(bestQuality);
  let referenceSum = reference.luma.reduce((a, b) => a + b, 0);
  if (useChroma) referenceSum += reference.chroma.reduce((a, b) => a + b, 0);
  const near = meanError <= NEAR_STANDARD_RELATIVE_ERROR * (referenceSum / count);
  return { quality: near ? bestQuality : null, standard: false, meanError };
}

function findLast(tables: readonly QuantTable[], id: number): QuantTable | undefined {
  for (let i = tables.length - 1; i >= 0; i--) if (tables[i]?.id === id) return tables[i];
  return undefined;
}

const SUBSAMPLING_LABELS: Record<string, string> = {
  "1x1": "4:4:4",
  "2x1": "4:2:2",
  "2x2": "4:2:0",
  "1x2": "4:4:0",
  "4x1": "4:1:1",
  "4x2": "4:1:0",
};

/** Names the layout from luma-to-chroma ratios, so 2x2,2x2,2x2 is 4:4:4 as it decodes. */
function subsamplingOf(components: readonly JpegComponent[]): string | undefined {
  if (components.length < 2) return undefined;
  const [y, cb, cr, k] = components;
  const generic = components.map((c) => `h${c.h}v${c.v}`).join(",");
  if (y === undefined || cb === undefined || cr === undefined || components.length > 4) {
    return generic;
  }
  const sameAs = (a: JpegComponent, b: JpegComponent) => a.h === b.h && a.v === b.v;
  if (!sameAs(cb, cr) || (k !== undefined && !sameAs(k, y))) return generic;
  if (cb.h < 1 || cb.v < 1 || y.h % cb.h !== 0 || y.v % cb.v !== 0) return generic;
  return SUBSAMPLING_LABELS[`${y.h / cb.h}x${y.v / cb.v}`] ?? generic;
}

function startsWithAscii(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

/** Reads every complete table in a DQT payload; false when it ends mid-table or is malformed. */
function readDqt(payload: Uint8Array, tables: Map<number, QuantTable>): boolean {
  let at = 0;
  while (at < payload.length) {
    const pq = (payload[at] as number) >> 4;
    const id = (payload[at] as number) & 15;
    if (pq > 1 || id > 3) return false;
    const size = pq === 0 ? 1 : 2;
    if (at + 1 + 64 * size > payload.length) return false;
    const values = new Array<number>(64);
    for (let k = 0; k < 64; k++) {
      const p = at + 1 + k * size;
      values[JPEG_NATURAL_ORDER[k] as number] =
        size === 1 ? (payload[p] as number) : u16(payload, p);
    }
    tables.delete(id); // keeps the output in definition order
    tables.set(id, { id, precision: pq === 0 ? 8 : 16, values });
    at += 1 + 64 * size;
  }
  return true;
}

/**
 * Reads every complete table in a DHT payload, stopping at one that ends early or is
 * malformed. (Validity stays the business of the frame and scan headers, as before.)
 */
function readDht(payload: Uint8Array, out: HuffmanTable[]): void {
  let at = 0;
  while (at < payload.length) {
    const tableClass = (payload[at] as number) >> 4;
    const id = (payload[at] as number) & 15;
    if (tableClass > 1 || id > 3 || at + 17 > payload.length) return;
    const counts = [...payload.subarray(at + 1, at + 17)];
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > 256 || at + 17 + total > payload.length) return;
    out.push({ tableClass, id, counts, symbols: [...payload.subarray(at + 17, at + 17 + total)] });
    at += 17 + total;
  }
}

/** SOF0-3, 5-7, 9-11, 13-15; 0xc4 (DHT), 0xc8 (JPG) and 0xcc (DAC) share the range. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

const SOS = 0xda;
const EOI = 0xd9;

/**
 * Walks a JPEG's markers up to the first scan. Undefined when the bytes do not start with SOI
 * (FFD8); otherwise a header even for garbage, with `valid` and `truncated` saying how far
 * it got. Like libjpeg, stray bytes between segments are skipped.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const header: JpegHeader = {
    width: 0,
    height: 0,
    precision: 0,
    components: [],
    subsampling: undefined,
    greyscale: false,
    frameMarker: undefined,
    progressive: false,
    arithmetic: false,
    quantTables: [],
    adobe: undefined,
    jfif: false,
    jfifHeader: undefined,
    exif: false,
    iccProfile: false,
    iccData: undefined,
    comments: 0,
    huffmanTables: [],
    markers: [],
    restartInterval: 0,
    truncated: true,
    valid: false,
  };
  const tables = new Map<number, QuantTable>();
  const icc: Uint8Array[] = [];
  let frame = false;
  let malformed = false;
  let pos = 2;
  const length = bytes.length;

  while (pos < length) {
    while (pos < length && bytes[pos] !== 0xff) pos++;
    while (pos < length && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= length) break;
    const marker = bytes[pos++] as number;
    // Parameterless: stuffed zero, TEM, RSTn, and a repeated SOI.
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === EOI) {
      header.truncated = false;
      break;
    }
    if (pos + 2 > length) break;
    const segmentLength = u16(bytes, pos);
    if (segmentLength < 2) {
      malformed = true;
      header.truncated = false;
      break;
    }
    const end = pos + segmentLength;
    const cut = end > length;
    const payload = bytes.subarray(pos + 2, Math.min(end, length));
    pos = end;
    header.markers.push(marker);

    if (marker === 0xdb) {
      if (!readDqt(payload, tables) && !cut) malformed = true;
    } else if (isSof(marker)) {
      if (!frame) frame = readFrame(marker, payload, header);
    } else if (marker === 0xdd) {
      if (payload.length >= 2) header.restartInterval = u16(payload, 0);
    } else if (marker === 0xc4) {
      readDht(payload, header.huffmanTables);
    } else if (marker === 0xfe) {
      header.comments++;
    } else if (marker === 0xe0) {
      if (startsWithAscii(payload, "JFIF\0")) {
        header.jfif = true;
        if (header.jfifHeader === undefined && payload.length >= 12) {
          header.jfifHeader = {
            version: `${payload[5]}.${String(payload[6]).padStart(2, "0")}`,
            units: payload[7] as number,
            xDensity: u16(payload, 8),
            yDensity: u16(payload, 10),
          };
        }
      }
    } else if (marker === 0xe1) {
      if (startsWithAscii(payload, "Exif\0")) header.exif = true;
    } else if (marker === 0xe2) {
      if (startsWithAscii(payload, "ICC_PROFILE\0")) {
        header.iccProfile = true;
        icc.push(payload.subarray(14));
      }
    } else if (marker === 0xee) {
      if (startsWithAscii(payload, "Adobe") && payload.length >= 12) {
        header.adobe = { transform: payload[11] as number };
      }
    } else if (marker === SOS) {
      if (!cut) {
        header.truncated = false;
        header.valid = frame && !malformed;
      }
      break;
    }
    if (cut) break;
  }
  header.quantTables = [...tables.values()];
  if (icc.length > 0) header.iccData = Buffer.concat(icc);
  return header;
}

/** Fills the frame fields from a SOFn payload; false when it is too short to hold them. */
function readFrame(marker: number, payload: Uint8Array, header: JpegHeader): boolean {
  if (payload.length < 6) return false;
  const count = payload[5] as number;
  if (count === 0 || payload.length < 6 + 3 * count) return false;
  header.frameMarker = marker;
  header.precision = payload[0] as number;
  header.height = u16(payload, 1);
  header.width = u16(payload, 3);
  for (let i = 0; i < count; i++) {
    const at = 6 + 3 * i;
    const sampling = payload[at + 1] as number;
    header.components.push({
      id: payload[at] as number,
      h: sampling >> 4,
      v: sampling & 15,
      tq: payload[at + 2] as number,
    });
  }
  header.progressive = (marker & 3) === 2;
  header.arithmetic = marker >= 0xc8;
  header.greyscale = count === 1;
  header.subsampling = subsamplingOf(header.components);
  return true;
}
