/**
 * WebP container and VP8 frame-header parsing, and an estimate of the libwebp quality a lossy
 * frame was written at. Like the JPEG parser it never throws: it reads what is there.
 */

interface WebpChunk {
  fourcc: string;
  /** Payload length as the chunk header states it. */
  length: number;
}

/** The VP8 key frame's first-partition header: what the encoder chose, before any pixel. */
export interface Vp8FrameHeader {
  width: number;
  height: number;
  /** Frame-tag version 0-3 (libwebp writes 0). */
  version: number;
  /** filter_type: 1 for the simple loop filter, 0 for the normal one (libwebp's default). */
  simpleFilter: boolean;
  filterLevel: number;
  sharpness: number;
  /** Number of DCT token partitions (1, 2, 4 or 8). */
  partitions: number;
  /** Base AC luma quantiser index (0-127); with segments, libwebp puts segment 0's here. */
  baseQuant: number;
  /** Quantiser index deltas: y_dc, y2_dc, y2_ac, uv_dc, uv_ac. */
  deltas: { yDc: number; y2Dc: number; y2Ac: number; uvDc: number; uvAc: number };
  /** null when segmentation is off: every macroblock uses baseQuant. */
  segments: {
    /** true: the values below are absolute indices; false: deltas on baseQuant. */
    absolute: boolean;
    /** Per segment (4) quantiser value; a value not sent is 0 (RFC 6386 section 9.3). */
    quant: number[];
    /** The segment-tree probabilities (0-255; 255 when not sent), when the map is updated. */
    treeProbs: number[] | null;
  } | null;
}

export interface WebpStructure {
  /** Chunks after the RIFF header, in file order. */
  chunks: WebpChunk[];
  /** "simple" (one VP8 or VP8L chunk) or "extended" (VP8X first). */
  layout: "simple" | "extended";
  /** The image chunk: lossy VP8, lossless VP8L; null when neither is there. */
  codec: "VP8" | "VP8L" | null;
  /** VP8X flags, when there is a VP8X chunk. */
  vp8x: { icc: boolean; alpha: boolean; exif: boolean; xmp: boolean; animation: boolean } | null;
  /** The ALPH chunk's header byte, decoded (RFC 9649 section 2.7.1.2). */
  alph: {
    compression: "none" | "lossless" | "reserved";
    filter: "none" | "horizontal" | "vertical" | "gradient";
    preprocessing: number;
  } | null;
  /** VP8L header: alpha_is_used hint. */
  vp8l: { width: number; height: number; alphaUsed: boolean } | null;
  vp8: Vp8FrameHeader | null;
  /** The ICCP chunk's bytes, when present. */
  iccProfile: Uint8Array | null;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function u32le(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16)) +
    (bytes[at + 3] ?? 0) * 0x1000000
  );
}

/** RFC 6386 section 7.3's boolean decoder; reads zeros past the end of its input. */
class BoolDecoder {
  #value: number;
  #range = 255;
  #bitCount = 0;
  #pos: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#end = end;
    this.#pos = start + 2;
    this.#value = ((this.#byte(start) << 8) | this.#byte(start + 1)) >>> 0;
  }

  #byte(at: number): number {
    return at < this.#end ? (this.#bytes[at] ?? 0) : 0;
  }

  bool(prob: number): number {
    const split = 1 + (((this.#range - 1) * prob) >> 8);
    const bigSplit = split << 8;
    let bit: number;
    if (this.#value >= bigSplit) {
      bit = 1;
      this.#range -= split;
      this.#value -= bigSplit;
    } else {
      bit = 0;
      this.#range = split;
    }
    while (this.#range < 128) {
      this.#value <<= 1;
      this.#range <<= 1;
      if (++this.#bitCount === 8) {
        this.#bitCount = 0;
        this.#value |= this.#byte(this.#pos++);
      }
    }
    return bit;
  }

  /** L(n): an n-bit unsigned literal, most significant bit first. */
  literal(bits: number): number {
    let value = 0;
    for (let i = 0; i < bits; i++) value = (value << 1) | this.bool(128);
    return value;
  }

  /** A magnitude of n bits followed by a sign bit. */
  signed(bits: number): number {
    const magnitude = this.literal(bits);
    return this.bool(128) ? -magnitude : magnitude;
  }

  /** A flag, then the signed value it announces, else 0. */
  optionalSigned(bits: number): number {
    return this.bool(128) ? this.signed(bits) : 0;
  }
}

/** Reads a VP8 key frame's header (RFC 6386 sections 9.2-9.6, 19.2); undefined if not one. */
export function readVp8FrameHeader(data: Uint8Array): Vp8FrameHeader | undefined {
  if (data.length < 10) return undefined;
  const tag = (data[0] as number) | ((data[1] as number) << 8) | ((data[2] as number) << 16);
  const keyFrame = (tag & 1) === 0;
  if (!keyFrame || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return undefined;
  const firstPartition = tag >>> 5;
  const width = ((data[6] as number) | ((data[7] as number) << 8)) & 0x3fff;
  const height = ((data[8] as number) | ((data[9] as number) << 8)) & 0x3fff;
  const d = new BoolDecoder(data, 10, Math.min(data.length, 10 + firstPartition));
  d.literal(1); // colour space
  d.literal(1); // clamping type
  let segments: Vp8FrameHeader["segments"] = null;
  if (d.literal(1)) {
    const updateMap = d.literal(1) === 1;
    const updateData = d.literal(1) === 1;
    let absolute = false;
    const quant = [0, 0, 0, 0];
    if (updateData) {
      absolute = d.literal(1) === 1;
      for (let i = 0; i < 4; i++) quant[i] = d.optionalSigned(7);
      for (let i = 0; i < 4; i++) if (d.bool(128)) d.signed(6);
    }
    let treeProbs: number[] | null = null;
    if (updateMap) treeProbs = [0, 1, 2].map(() => (d.bool(128) ? d.literal(8) : 255));
    segments = { absolute, quant, treeProbs };
  }
  const simpleFilter = d.literal(1) === 1;
  const filterLevel = d.literal(6);
  const sharpness = d.literal(3);
  if (d.literal(1) && d.literal(1)) {
    for (let i = 0; i < 8; i++) if (d.bool(128)) d.signed(6);
  }
  const partitions = 1 << d.literal(2);
  const baseQuant = d.literal(7);
  const deltas = {
    yDc: d.optionalSigned(4),
    y2Dc: d.optionalSigned(4),
    y2Ac: d.optionalSigned(4),
    uvDc: d.optionalSigned(4),
    uvAc: d.optionalSigned(4),
  };
  return {
    width,
    height,
    version: (tag >> 1) & 7,
    simpleFilter,
    filterLevel,
    sharpness,
    partitions,
    baseQuant,
    deltas,
    segments,
  };
}

const ALPH_FILTERS = ["none", "horizontal", "vertical", "gradient"] as const;

/** Walks a RIFF WebP's chunks; undefined when the bytes are not RIFF....WEBP. */
export function readWebp(bytes: Uint8Array): WebpStructure | undefined {
  if (bytes.length < 12 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WEBP") {
    return undefined;
  }
  const result: WebpStructure = {
    chunks: [],
    layout: "simple",
    codec: null,
    vp8x: null,
    alph: null,
    vp8l: null,
    vp8: null,
    iccProfile: null,
  };
  let at = 12;
  while (at + 8 <= bytes.length) {
    const type = fourcc(bytes, at);
    const length = u32le(bytes, at + 4);
    const payload = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length));
    result.chunks.push({ fourcc: type, length });
    if (type === "VP8X" && result.chunks.length === 1 && payload.length >= 1) {
      const flags = payload[0] as number;
      result.layout = "extended";
      result.vp8x = {
        icc: (flags & 0x20) !== 0,
        alpha: (flags & 0x10) !== 0,
        exif: (flags & 0x08) !== 0,
        xmp: (flags & 0x04) !== 0,
        animation: (flags & 0x02) !== 0,
      };
    } else if (type === "ICCP") {
      result.iccProfile = payload;
    } else if (type === "ALPH" && payload.length >= 1) {
      const h = payload[0] as number;
      const c = h & 3;
      result.alph = {
        compression: c === 0 ? "none" : c === 1 ? "lossless" : "reserved",
        filter: ALPH_FILTERS[(h >> 2) & 3] as (typeof ALPH_FILTERS)[number],
        preprocessing: (h >> 4) & 3,
      };
    } else if (type === "VP8 " && result.codec === null) {
      result.codec = "VP8";
      result.vp8 = readVp8FrameHeader(payload) ?? null;
    } else if (type === "VP8L" && result.codec === null) {
      result.codec = "VP8L";
      if (payload.length >= 5 && payload[0] === 0x2f) {
        const bits = u32le(payload, 1);
        result.vp8l = {
          width: (bits & 0x3fff) + 1,
          height: ((bits >>> 14) & 0x3fff) + 1,
          alphaUsed: ((bits >>> 28) & 1) === 1,
        };
      }
    }
    at += 8 + length + (length & 1);
  }
  return result;
}

/**
 * The quantiser index libwebp gives a segment: VP8SetSegmentParams in src/enc/quant_enc.c
 * (webmproject/libwebp v1.6.0 = 4fa2191, unchanged since v1.2.4 = 0d1f125, the version Debian's
 * Pillow links): c = QualityToCompression(quality / 100) ^ (1 - amp * alpha), q = (int)(127 (1 - c)),
 * with amp = 0.9 * sns / 100 / 128 and alpha the segment's susceptibility in -127..127.
 */
export function libwebpSegmentQuant(quality: number, sns: number, alpha: number): number {
  const c = quality / 100;
  const linear = c < 0.75 ? c * (2 / 3) : 2 * c - 1;
  const base = linear ** (1 / 3);
  const amp = (0.9 * sns) / 100 / 128;
  const q = Math.trunc(127 * (1 - base ** (1 - amp * alpha)));
  return Math.min(127, Math.max(0, q));
}

/** libwebp's dq_uv_dc: -4 * sns / 100 (C integer division), what the header's uv_dc delta holds. */
function uvDcDelta(sns: number): number {
  return Math.max(-15, Math.min(15, Math.trunc((-4 * sns) / 100)));
}

export interface WebpQualityEstimate {
  /** The lowest and highest integer quality (0-100) whose quantisers the header shows. */
  min: number;
  max: number;
  /** The spatial noise shaping strength assumed (libwebp's default 50, read from uv_dc). */
  sns: number;
  /** Distinct segment quantiser indices the frame uses, lowest first. */
  quantisers: number[];
  /**
   * "segment-weights": four distinct segments, narrowed with their macroblock shares;
   * "quantisers": from the indices alone (fewer segments, or the shares fit no quality).
   */
  method: "segment-weights" | "quantisers";
}

/** Pre-clip alpha limit: SetSegmentAlphas spreads alphas over 255 before clipping them. */
const SPREAD = 255;

/**
 * Which libwebp qualities give these quantisers, from VP8SetSegmentParams (quant_enc.c) and
 * SetSegmentAlphas / AssignSegments (analysis_enc.c), libwebp v1.6.0 = 4fa2191:
 * - each segment's index is libwebpSegmentQuant(quality, sns, alpha);
 * - alpha_n = 255 (center_n - mid) / (max - min) clipped to -127..127, centers ascending, so
 *   segment 0 has the highest index, the first and last alphas are 255 apart before clipping,
 *   and mid, the macroblocks' mean, lies between them (alpha 0 is within the indices);
 * - with one segment alpha is 0;
 * - the header's segment-tree probabilities (SetSegmentProbas, frame_enc.c) give each
 *   segment's share of macroblocks, and as mid is their mean the shares weigh the pre-clip
 *   alphas to 0: that narrows the range when all four segments are distinct.
 * The header's uv_dc delta (-4 * sns / 100) names the sns strength: -2 for libwebp's default
 * 50. Undefined when the header fits no quality (another encoder, or libwebp with settings
 * this does not model, such as emulate_jpeg_size).
 */
export function estimateWebpQuality(header: Vp8FrameHeader): WebpQualityEstimate | undefined {
  const sns = [50, 80, 25, 0, 100].find((s) => uvDcDelta(s) === header.deltas.uvDc);
  if (sns === undefined) return undefined;
  const stored = header.segments
    ? header.segments.quant.map((q) => (header.segments?.absolute ? q : header.baseQuant + q))
    : [header.baseQuant];
  const quantisers = [...new Set(stored)].sort((a, b) => a - b);
  const lowest = quantisers[0] as number;
  const highest = quantisers[quantisers.length - 1] as number;
  const table = quantTable(sns);
  const at = (quality: number, alpha: number) =>
    (table[quality] as Int8Array)[Math.max(-127, Math.min(127, alpha)) + 127] as number;
  const fitting = (fit: (quality: number) => boolean) => {
    const qualities: number[] = [];
    for (let quality = 0; quality <= 100; quality++) if (fit(quality)) qualities.push(quality);
    return qualities;
  };
  let fits: number[];
  if (quantisers.length > 1) {
    fits = fitting((q) => {
      const middle = at(q, 0);
      const low = at(q, 127);
      const high = at(q, -127);
      return (
        lowest >= low &&
        highest <= high &&
        lowest <= middle &&
        middle <= highest &&
        (lowest === low || highest === high)
      );
    });
  } else {
    // One index: one segment (alpha 0); failing that, segments that quantised alike and were
    // merged (SimplifySegments), the clipped one among them.
    fits = fitting((q) => lowest === at(q, 0));
    if (fits.length === 0) fits = fitting((q) => lowest === at(q, 127) || lowest === at(q, -127));
  }
  if (fits.length === 0) return undefined;
  const probs = header.segments?.treeProbs;
  const distinct =
    stored.length === 4 && stored.every((q, i) => i === 0 || q < (stored[i - 1] as number));
  if (probs && distinct) {
    const narrowed = fits.filter((q) => weightsFit(stored, shares(probs), (a) => at(q, a)));
    if (narrowed.length > 0) {
      return {
        min: narrowed[0] as number,
        max: narrowed[narrowed.length - 1] as number,
        sns,
        quantisers,
        method: "segment-weights",
      };
    }
  }
  return {
    min: fits[0] as number,
    max: fits[fits.length - 1] as number,
    sns,
    quantisers,
    method: "quantisers",
  };
}

const tables = new Map<number, Int8Array[]>();

/** quantTable(sns)[quality][alpha + 127]: every index libwebp can give. */
function quantTable(sns: number): Int8Array[] {
  let table = tables.get(sns);
  if (table === undefined) {
    table = [];
    for (let quality = 0; quality <= 100; quality++) {
      const row = new Int8Array(255);
      for (let alpha = -127; alpha <= 127; alpha++) {
        row[alpha + 127] = libwebpSegmentQuant(quality, sns, alpha);
      }
      table.push(row);
    }
    tables.set(sns, table);
  }
  return table;
}

/** Segment shares of the macroblocks from the tree probabilities (prob of the 0 branch). */
function shares(probs: readonly number[]): number[] {
  const [p0, p1, p2] = probs.map((p) => p / 255) as [number, number, number];
  return [p0 * p1, p0 * (1 - p1), (1 - p0) * p2, (1 - p0) * (1 - p2)];
}

/**
 * Whether some spread fits: first alpha -k and last 255 - k (k in 0..255, pre-clip), middle
 * alphas between, each giving its segment's index, with the shares weighing them to 0 within
 * a tolerance for the rounding of centers, alphas and the 8-bit probabilities.
 */
function weightsFit(
  stored: readonly number[],
  weights: readonly number[],
  quant: (alpha: number) => number,
): boolean {
  const tolerance = 3;
  for (let k = 0; k <= SPREAD; k++) {
    const first = -k;
    const last = SPREAD - k;
    if (quant(first) !== stored[0] || quant(last) !== stored[3]) continue;
    let low = (weights[0] as number) * first + (weights[3] as number) * last;
    let high = low;
    let possible = true;
    for (const n of [1, 2]) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let alpha = first; alpha <= last; alpha++) {
        if (quant(alpha) === stored[n]) {
          lo = Math.min(lo, alpha);
          hi = Math.max(hi, alpha);
        }
      }
      if (lo > hi) {
        possible = false;
        break;
      }
      low += (weights[n] as number) * lo;
      high += (weights[n] as number) * hi;
    }
    if (possible && low - tolerance <= 0 && 0 <= high + tolerance) return true;
  }
  return false;
}
