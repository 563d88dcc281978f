/**
 * Which client made this? Reads what an encoder leaves in a JPEG, PNG or WebP (tables, chunks,
 * zlib and filter choices, quantisers) and names the client paths and encoders whose output it
 * is consistent with. Evidence, not proof: the same library with the same settings writes the
 * same header whoever calls it, so several may fit, and `raw` always does.
 */
import { readIcc } from "../image/icc.js";
import {
  estimateQuality,
  type HuffmanTable,
  type JfifHeader,
  type JpegHeader,
  readJpegHeader,
} from "../image/jpeg.js";
import { type PngStructure, readPng, visitRows } from "../image/png.js";
import { estimateWebpQuality, readWebp, type WebpQualityEstimate } from "../image/webp.js";
import { type FilterBuffers, filterRow } from "./encoders/pillow-png.js";
import {
  type Expected,
  type Fact,
  type Facts,
  type FactValue,
  RAW,
  SIGNATURES,
  type Signature,
} from "./signatures.js";

/** An ICC profile as an encoder embedded it. */
export interface IccEvidence {
  description: string | null;
  bytes: number;
  /** Skia's own sRGB profile (description "sRGB", dated 2016-01-01), as Chromium embeds it. */
  skia: boolean;
}

export interface JpegEvidence {
  format: "jpeg";
  components: number;
  /** null for one component. */
  subsampling: string | null;
  /**
   * "libjpeg": exactly libjpeg's standard tables scaled to `quality`; "near-libjpeg": close
   * to them (quality approximate); "other": not libjpeg's scaled standard tables.
   */
  tables: "libjpeg" | "near-libjpeg" | "other";
  quality: number | null;
  /** Huffman tables before the first scan against libjpeg's standard ones (JPEG Annex K.3). */
  huffman: "standard" | "optimised" | "mixed" | "none";
  progressive: boolean;
  arithmetic: boolean;
  restartInterval: number;
  jfif: JfifHeader | null;
  exif: boolean;
  icc: IccEvidence | null;
  /** The Adobe APP14 colour transform (0 none, 1 YCbCr, 2 YCCK). */
  adobe: number | null;
  comments: number;
  /** Segments before the first scan, in order: "APP0", "DQT", "SOF0", "DHT" ... */
  markers: string[];
}

export interface PngEvidence {
  format: "png";
  colourType: number;
  bitDepth: number;
  interlaced: boolean;
  /** Chunk types in file order, a run of IDAT chunks as one. */
  chunks: string[];
  iccProfile: (IccEvidence & { name: string }) | null;
  significantBits: number[] | null;
  physical: { x: number; y: number; unit: number } | null;
  textKeywords: string[];
  /** The zlib header: window (8-15 bits) and FLEVEL, zlib's hint of the level (0-3). */
  zlib: { windowBits: number; level: number } | null;
  /**
   * IDAT data lengths as runs of equal chunks, and the writers whose chunking they fit:
   * "pillow" (max(65536, 4 x width)), "libpng" (8192), "png-crate" (4096 then the rest).
   */
  idat: { runs: { length: number; count: number }[]; layouts: string[] };
  /** Rows per filter type; null when the data could not be inflated. */
  filters: { none: number; sub: number; up: number; average: number; paeth: number } | null;
  /** Rows in the image data, and how many were read for `filters`. */
  rows: { total: number; read: number };
  /**
   * Pillow's filter heuristic re-run on the unfiltered rows (non-interlaced, 8- and 16-bit,
   * not palette; at most 8 MiB of rows): whether it picks every row's filter, and how many rows
   * were checked (up to the first it does not pick). null when not checked.
   */
  pillowFilters: { match: boolean; rowsChecked: number } | null;
}

export interface WebpEvidence {
  format: "webp";
  layout: "simple" | "extended";
  codec: "VP8" | "VP8L" | null;
  chunks: string[];
  /** The ALPH chunk's settings, or for VP8L its alpha hint. */
  alpha: { chunk: boolean; compression: string | null; filter: string | null } | null;
  icc: IccEvidence | null;
  exif: boolean;
  xmp: boolean;
  animation: boolean;
  /** The VP8 frame header's encoder choices. */
  vp8: {
    quantisers: number[];
    deltas: { yDc: number; y2Dc: number; y2Ac: number; uvDc: number; uvAc: number };
    simpleFilter: boolean;
    filterLevel: number;
    sharpness: number;
    partitions: number;
  } | null;
  /** libwebp quality range the quantisers fit; null when they fit none, or lossless. */
  quality: WebpQualityEstimate | null;
}

export type ClientEvidence = JpegEvidence | PngEvidence | WebpEvidence;

export interface ClientCandidate {
  /** A `--client` path name when `path`, else a descriptive label for the encoder. */
  client: string;
  path: boolean;
  /** A few words for a sentence: "Pillow's default save". */
  label: string;
  /** What that client writes, and where that is written down or measured. */
  why: string;
}

export interface NearMiss {
  client: string;
  label: string;
  /** Each fact that differs: what the client writes, and what the file shows. */
  differs: { fact: string; expected: Expected; found: Fact }[];
}

export interface ClientIdentification {
  /** Every client path or encoder the bytes are consistent with; `raw` always last. */
  candidates: ClientCandidate[];
  /**
   * When nothing but `raw` fits: the signatures with the fewest differences (at most two),
   * and what differs, e.g. Pillow's save at another quality.
   */
  closest: NearMiss[];
  evidence: ClientEvidence;
}

// --- JPEG ---

/** JPEG Annex K.3 tables as libjpeg's jcparam.c installs them: BITS then HUFFVAL, in hex. */
const STANDARD_HUFFMAN: Record<string, string> = {
  "0/0":
    "00010501010101010100000000000000" + // DC luminance
    "000102030405060708090a0b",
  "0/1": "00030101010101010101010000000000" + "000102030405060708090a0b", // DC chrominance
  "1/0":
    "0002010303020403050504040000017d" + // AC luminance
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa",
  "1/1":
    "00020102040403040705040400010277" + // AC chrominance
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa",
};

function isStandardHuffman(table: HuffmanTable): boolean {
  const expected = STANDARD_HUFFMAN[`${table.tableClass}/${table.id}`];
  const actual = Buffer.from([...table.counts, ...table.symbols]).toString("hex");
  return expected === actual;
}

function huffmanKind(tables: readonly HuffmanTable[]): JpegEvidence["huffman"] {
  if (tables.length === 0) return "none";
  const standard = tables.filter(isStandardHuffman).length;
  return standard === tables.length ? "standard" : standard === 0 ? "optimised" : "mixed";
}

const MARKER_NAMES: Record<number, string> = {
  196: "DHT",
  204: "DAC",
  218: "SOS",
  219: "DQT",
  221: "DRI",
  254: "COM",
};

function markerName(marker: number): string {
  if (MARKER_NAMES[marker] !== undefined) return MARKER_NAMES[marker];
  if (marker >= 0xe0 && marker <= 0xef) return `APP${marker - 0xe0}`;
  if (marker >= 0xc0 && marker <= 0xcf) return `SOF${marker - 0xc0}`;
  return `0x${marker.toString(16).toUpperCase()}`;
}

/** Skia's SkICC writes "sRGB", dated 2016-01-01 00:00:00, for an sRGB colour space. */
function iccEvidence(profile: Uint8Array | undefined | null): IccEvidence | null {
  if (!profile || profile.length === 0) return null;
  const summary = readIcc(profile);
  const description = summary?.description ?? null;
  const date = Buffer.from(profile.subarray(24, 36)).toString("hex");
  return {
    description,
    bytes: profile.length,
    skia: description === "sRGB" && date === "07e000010001000000000000",
  };
}

function jpegEvidence(header: JpegHeader): JpegEvidence {
  const estimate = estimateQuality(header.quantTables);
  return {
    format: "jpeg",
    components: header.components.length,
    subsampling: header.subsampling ?? null,
    tables: estimate.standard ? "libjpeg" : estimate.quality !== null ? "near-libjpeg" : "other",
    quality: estimate.quality,
    huffman: huffmanKind(header.huffmanTables),
    progressive: header.progressive,
    arithmetic: header.arithmetic,
    restartInterval: header.restartInterval,
    jfif: header.jfifHeader ?? null,
    exif: header.exif,
    icc: iccEvidence(header.iccData),
    adobe: header.adobe?.transform ?? null,
    comments: header.comments,
    markers: header.markers.map(markerName),
  };
}

const UNITS = ["no unit", "dpi", "dots/cm"];

function jfifText(jfif: JfifHeader | null): string {
  if (jfif === null) return "none";
  const unit = UNITS[jfif.units] ?? `unit ${jfif.units}`;
  return `${jfif.version}, ${unit}, ${jfif.xDensity}:${jfif.yDensity}`;
}

function iccFact(icc: IccEvidence | null): string {
  return icc === null ? "none" : icc.skia ? "skia-srgb" : "other";
}

function jpegFacts(e: JpegEvidence): Facts {
  return {
    components: e.components,
    subsampling: e.subsampling,
    tables: e.tables,
    quality: e.tables === "libjpeg" ? e.quality : null,
    huffman: e.huffman,
    progressive: e.progressive,
    arithmetic: e.arithmetic,
    restartInterval: e.restartInterval,
    jfif: jfifText(e.jfif),
    exif: e.exif,
    icc: iccFact(e.icc),
    adobe: e.adobe !== null,
    comment: e.comments > 0,
  };
}

// --- PNG ---

const CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);

function runs(lengths: readonly number[]): { length: number; count: number }[] {
  const out: { length: number; count: number }[] = [];
  for (const length of lengths) {
    const last = out[out.length - 1];
    if (last && last.length === length) last.count++;
    else out.push({ length, count: 1 });
  }
  return out;
}

/** Each full chunk `block` bytes and the last `tail` chunks shorter. */
function blocks(lengths: readonly number[], block: number, tail: number): boolean {
  const full = Math.max(0, lengths.length - tail);
  return (
    lengths.every((length, i) => (i < full ? length === block : length <= block)) &&
    lengths.length > 0
  );
}

/**
 * Pillow writes each encoder block as one IDAT: max(65536, 4 x width) bytes (ImageFile._save).
 * libpng flushes its 8192-byte zlib buffer as one IDAT. The png crate writes 4096-byte chunks,
 * then what is left, then a short last chunk with the end of the zlib stream.
 */
function idatLayouts(lengths: readonly number[], width: number): string[] {
  const layouts: string[] = [];
  if (blocks(lengths, Math.max(65536, width * 4), 1)) layouts.push("pillow");
  if (blocks(lengths, 8192, 1)) layouts.push("libpng");
  if (blocks(lengths, 4096, 2)) layouts.push("png-crate");
  return layouts;
}

const PILLOW_CHECK_BYTES = 8 << 20;

/** Whether Pillow's writer (ZipEncode.c, as src/client/encoders/pillow-png.ts runs it) chose each row's filter. */
function pillowFilters(png: PngStructure): PngEvidence["pillowFilters"] {
  // Pillow leaves palette rows unfiltered and interlaces nothing; sub-byte depths are not checked.
  if (png.interlaced || png.colourType === 3 || png.bitDepth < 8) return null;
  let buffers: FilterBuffers | undefined;
  let out = new Uint8Array(0);
  let match = true;
  const rowsChecked = visitRows(png, PILLOW_CHECK_BYTES, (row, above, filter) => {
    if (buffers === undefined) {
      // Allocated for rows that exist: the header's width alone may claim gigabytes.
      const n = row.length;
      buffers = { up: new Uint8Array(n), sub: new Uint8Array(n), paeth: new Uint8Array(n) };
      out = new Uint8Array(n + 1);
    }
    filterRow(row, above, png.bytesPerPixel, buffers, out);
    match = out[0] === filter;
    return match;
  });
  return rowsChecked === 0 ? null : { match, rowsChecked };
}

function pngEvidence(png: PngStructure): PngEvidence {
  let filters: PngEvidence["filters"] = null;
  if (png.rowFilters) {
    const counts = [0, 0, 0, 0, 0];
    for (const type of png.rowFilters) if (type < 5) counts[type] = (counts[type] as number) + 1;
    const [none, sub, up, average, paeth] = counts as [number, number, number, number, number];
    filters = { none, sub, up, average, paeth };
  }
  const icc = iccEvidence(png.iccProfile);
  return {
    format: "png",
    colourType: png.colourType,
    bitDepth: png.bitDepth,
    interlaced: png.interlaced,
    chunks: png.chunks,
    iccProfile:
      png.iccProfileName === null
        ? null
        : {
            name: png.iccProfileName,
            ...(icc ?? { description: null, bytes: 0, skia: false }),
          },
    significantBits: png.significantBits,
    physical: png.physical,
    textKeywords: png.textKeywords,
    zlib: png.zlib && { windowBits: png.zlib.windowBits, level: png.zlib.level },
    idat: { runs: runs(png.idatLengths), layouts: idatLayouts(png.idatLengths, png.width) },
    filters,
    rows: { total: png.rows, read: png.rowFilters?.length ?? 0 },
    pillowFilters: pillowFilters(png),
  };
}

const FILTER_NAMES = ["None", "Sub", "Up", "Average", "Paeth"] as const;

function rowFilter(filters: PngEvidence["filters"]): string {
  if (filters === null) return "unknown";
  const used = [filters.none, filters.sub, filters.up, filters.average, filters.paeth]
    .map((n, i) => (n > 0 ? FILTER_NAMES[i] : undefined))
    .filter((name) => name !== undefined);
  return used.length === 1 ? (used[0] as string) : used.length === 0 ? "unknown" : "mixed";
}

function pngFacts(e: PngEvidence): Facts {
  const ancillary = [...new Set(e.chunks.filter((c) => !CRITICAL.has(c)))].sort();
  return {
    colourType: e.colourType,
    bitDepth: e.bitDepth,
    interlaced: e.interlaced,
    ancillary: ancillary.length === 0 ? "none" : ancillary.join(","),
    iccpName: e.iccProfile?.name ?? null,
    sBIT: e.significantBits !== null,
    zlibLevel: e.zlib?.level ?? null,
    zlibWindow: e.zlib?.windowBits ?? null,
    idat: { set: e.idat.layouts },
    rowFilter: rowFilter(e.filters),
    pillowFilters:
      e.pillowFilters === null ? "not checked" : e.pillowFilters.match ? "match" : "differs",
  };
}

// --- WebP ---

function webpEvidence(bytes: Uint8Array): WebpEvidence | undefined {
  const webp = readWebp(bytes);
  if (webp === undefined) return undefined;
  const vp8 = webp.vp8;
  const quality = vp8 ? (estimateWebpQuality(vp8) ?? null) : null;
  let alpha: WebpEvidence["alpha"] = null;
  if (webp.alph) {
    alpha = { chunk: true, compression: webp.alph.compression, filter: webp.alph.filter };
  } else if (webp.vp8l?.alphaUsed) {
    alpha = { chunk: false, compression: null, filter: null };
  }
  return {
    format: "webp",
    layout: webp.layout,
    codec: webp.codec,
    chunks: webp.chunks.map((c) => c.fourcc.trim()),
    alpha,
    icc: iccEvidence(webp.iccProfile),
    exif: webp.chunks.some((c) => c.fourcc === "EXIF"),
    xmp: webp.chunks.some((c) => c.fourcc === "XMP "),
    animation: webp.vp8x?.animation ?? false,
    vp8: vp8 && {
      quantisers:
        quality?.quantisers ??
        [
          ...new Set(
            vp8.segments
              ? vp8.segments.quant.map((q) => (vp8.segments?.absolute ? q : vp8.baseQuant + q))
              : [vp8.baseQuant],
          ),
        ].sort((a, b) => a - b),
      deltas: vp8.deltas,
      simpleFilter: vp8.simpleFilter,
      filterLevel: vp8.filterLevel,
      sharpness: vp8.sharpness,
      partitions: vp8.partitions,
    },
    quality,
  };
}

function webpFacts(e: WebpEvidence): Facts {
  return {
    codec: e.codec ?? "none",
    layout: e.layout,
    alpha: e.alpha !== null,
    icc: iccFact(e.icc),
    exif: e.exif,
    animation: e.animation,
    quality: e.quality ? { range: [e.quality.min, e.quality.max] } : null,
    sns: e.quality?.sns ?? null,
    simpleFilter: e.vp8?.simpleFilter ?? null,
    sharpness: e.vp8?.sharpness ?? null,
    partitions: e.vp8?.partitions ?? null,
  };
}

// --- Matching ---

function fits(fact: Fact | undefined, expected: Expected): boolean {
  const options: readonly FactValue[] = Array.isArray(expected)
    ? expected
    : [expected as FactValue];
  if (fact === undefined) return false;
  if (fact !== null && typeof fact === "object") {
    if ("set" in fact) return options.some((o) => typeof o === "string" && fact.set.includes(o));
    const [min, max] = fact.range;
    return options.some((o) => typeof o === "number" && o >= min && o <= max);
  }
  return options.includes(fact);
}

function differences(signature: Signature, facts: Facts): NearMiss["differs"] {
  const out: NearMiss["differs"] = [];
  for (const [fact, expected] of Object.entries(signature.expect)) {
    const found = facts[fact];
    if (!fits(found, expected)) out.push({ fact, expected, found: found ?? null });
  }
  return out;
}

function qualityText(e: ClientEvidence): string {
  if (e.format === "jpeg") return String(e.quality ?? "N");
  if (e.format === "webp" && e.quality) {
    return e.quality.min === e.quality.max
      ? String(e.quality.min)
      : `${e.quality.min}-${e.quality.max}`;
  }
  return "N";
}

function fill(text: string, e: ClientEvidence): string {
  return text.replaceAll("{quality}", qualityText(e));
}

function candidate(signature: Signature, e: ClientEvidence): ClientCandidate {
  return {
    client: fill(signature.client, e),
    path: signature.path,
    label: fill(signature.label, e),
    why: fill(signature.why, e),
  };
}

/**
 * Names the client paths and encoders a JPEG, PNG or WebP is consistent with, from its bytes
 * alone; undefined for any other format. Never throws on malformed input.
 */
export function identifyClient(bytes: Uint8Array): ClientIdentification | undefined {
  let evidence: ClientEvidence | undefined;
  let facts: Facts;
  const jpeg = readJpegHeader(bytes);
  if (jpeg !== undefined && bytes[2] === 0xff) {
    evidence = jpegEvidence(jpeg);
    facts = jpegFacts(evidence);
  } else {
    const png = readPng(bytes);
    if (png !== undefined) {
      evidence = pngEvidence(png);
      facts = pngFacts(evidence);
    } else {
      evidence = webpEvidence(bytes);
      if (evidence === undefined) return undefined;
      facts = webpFacts(evidence);
    }
  }
  const rows = SIGNATURES.filter((s) => s.format === evidence.format);
  const candidates: ClientCandidate[] = [];
  for (const signature of rows) {
    if (differences(signature, facts).length > 0) continue;
    if (candidates.some((c) => c.client === signature.client)) continue;
    candidates.push(candidate(signature, evidence));
  }
  let closest: NearMiss[] = [];
  if (candidates.length === 0) {
    const misses = rows.map((s) => ({
      client: fill(s.client, evidence),
      label: fill(s.label, evidence),
      differs: differences(s, facts),
    }));
    const fewest = Math.min(...misses.map((m) => m.differs.length));
    if (fewest <= 2) closest = misses.filter((m) => m.differs.length === fewest);
  }
  candidates.push(candidate(RAW, evidence));
  return { candidates, closest, evidence };
}

// --- Words ---

const COLOUR_TYPES: Record<number, string> = {
  0: "grey",
  2: "RGB",
  3: "palette",
  4: "grey+alpha",
  6: "RGBA",
};

function jpegShows(e: JpegEvidence): string {
  const parts: string[] = [];
  const sampling = e.components === 1 ? "greyscale" : (e.subsampling ?? "?");
  if (e.tables === "libjpeg")
    parts.push(`q${e.quality} ${sampling} with libjpeg's standard tables`);
  else if (e.tables === "near-libjpeg")
    parts.push(`about q${e.quality} ${sampling}, tables near libjpeg's`);
  else parts.push(`${sampling}, not libjpeg's scaled standard tables`);
  parts.push(
    e.huffman === "standard"
      ? "standard Huffman tables"
      : e.huffman === "optimised"
        ? "optimised Huffman tables"
        : `${e.huffman} Huffman tables`,
  );
  if (e.progressive) parts.push("progressive");
  if (e.arithmetic) parts.push("arithmetic coding");
  if (e.restartInterval > 0) parts.push(`restart interval ${e.restartInterval}`);
  if (e.jfif) {
    const unit = UNITS[e.jfif.units] ?? `unit ${e.jfif.units}`;
    parts.push(`JFIF ${e.jfif.version} (${unit}, ${e.jfif.xDensity}:${e.jfif.yDensity})`);
  } else parts.push("no JFIF");
  parts.push(e.exif ? "EXIF" : "no EXIF");
  parts.push(
    e.icc ? `ICC "${e.icc.description ?? "?"}"${e.icc.skia ? " (Skia's)" : ""}` : "no ICC",
  );
  if (e.adobe !== null) parts.push(`Adobe APP14 (transform ${e.adobe})`);
  if (e.comments > 0) parts.push(`${e.comments} COM`);
  return parts.join(", ");
}

function pngShows(e: PngEvidence): string {
  const parts = [`${COLOUR_TYPES[e.colourType] ?? `type ${e.colourType}`} ${e.bitDepth}-bit`];
  if (e.interlaced) parts.push("interlaced");
  const ancillary = e.chunks.filter((c) => !CRITICAL.has(c));
  parts.push(ancillary.length > 0 ? `chunks ${ancillary.join(" ")}` : "no ancillary chunks");
  if (e.iccProfile) parts.push(`iCCP "${e.iccProfile.name}"`);
  if (e.zlib)
    parts.push(`zlib FLEVEL ${e.zlib.level}, ${2 ** (e.zlib.windowBits - 10)} KiB window`);
  const idat = e.idat.runs.map((r) => (r.count > 1 ? `${r.length} x${r.count}` : r.length));
  parts.push(`IDAT ${idat.join(", ")}`);
  if (e.filters) {
    const counts = [
      e.filters.none,
      e.filters.sub,
      e.filters.up,
      e.filters.average,
      e.filters.paeth,
    ];
    const named = counts
      .map((n, i) => (n > 0 ? `${FILTER_NAMES[i]} ${n}` : ""))
      .filter((text) => text !== "");
    parts.push(`row filters ${named.join(", ")}`);
  }
  if (e.pillowFilters) {
    parts.push(
      e.pillowFilters.match
        ? `each row filtered as Pillow's heuristic chooses (${e.pillowFilters.rowsChecked} of ${e.rows.total} rows checked)`
        : "not the filters Pillow's heuristic chooses",
    );
  }
  return parts.join(", ");
}

function webpShows(e: WebpEvidence): string {
  const parts: string[] = [];
  if (e.codec === "VP8") {
    parts.push(
      e.quality
        ? `lossy, libwebp quality ${qualityText(e)}${e.quality.sns === 50 ? "" : ` (sns ${e.quality.sns})`}`
        : "lossy, quantisers fit no libwebp quality",
    );
  } else parts.push(e.codec === "VP8L" ? "lossless (VP8L)" : "no image chunk");
  parts.push(`${e.layout} container`);
  if (e.alpha) parts.push(e.alpha.chunk ? `alpha (ALPH, ${e.alpha.filter} filter)` : "alpha");
  if (e.icc) parts.push(`ICC "${e.icc.description ?? "?"}"${e.icc.skia ? " (Skia's)" : ""}`);
  if (e.exif) parts.push("EXIF");
  if (e.xmp) parts.push("XMP");
  if (e.animation) parts.push("animated");
  return parts.join(", ");
}

/** What the bytes show, in one line. */
export function describeEvidence(e: ClientEvidence): string {
  return e.format === "jpeg" ? jpegShows(e) : e.format === "png" ? pngShows(e) : webpShows(e);
}
