import { assertPixelPair } from "./psnr.js";

type DeltaEFormula = "ciede2000" | "cie76";

export interface DeltaEOptions {
  /** CIEDE2000 (kL = kC = kH = 1) by default; CIE76 is plain Euclidean distance in Lab. */
  formula?: DeltaEFormula;
  /**
   * Measure only pixels whose x and y are both multiples of this (default 1: every pixel).
   * Prefer an odd stride: an even one always lands on the same phase of every 2x2 chroma
   * block and 8x8 DCT block, where JPEG's error is not typical.
   */
  sample?: number;
}

/** ΔE statistics over the measured pixels (alpha ignored). */
export interface DeltaEStats {
  /** Pixels measured: all of them unless `sample` is above 1. */
  pixels: number;
  mean: number;
  max: number;
  /**
   * Nearest-rank 95th percentile, read from a 0.01-wide histogram: the upper edge of the bin
   * holding it, capped at max. At least 95% of pixels are ≤ p95, and p95 overshoots the exact
   * nearest-rank value by less than 0.01.
   */
  p95: number;
}

/** sRGB-encoded value 0-255 to linear light 0-1 (IEC 61966-2-1 piecewise curve). */
function linearise(v: number): number {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

const LINEAR = new Float64Array(256);
for (let v = 0; v < 256; v++) LINEAR[v] = linearise(v);

// Linear sRGB → XYZ from the sRGB primaries and the D65 white (x, y) = (0.3127, 0.3290) at full
// precision (the CSS Color 4 values). The standard's 4-decimal matrix would leave white off
// a* = b* = 0 against that white point.
const WX = 0.3127 / 0.329;
const WZ = (1 - 0.3127 - 0.329) / 0.329;
// Rows pre-divided by the reference white, so the loop goes straight to X/Xn, Y/Yn, Z/Zn.
const MX0 = 0.4123907992659594 / WX;
const MX1 = 0.35758433938387796 / WX;
const MX2 = 0.1804807884018343 / WX;
const MY0 = 0.2126390058715103;
const MY1 = 0.7151686787677559;
const MY2 = 0.07219231536073371;
const MZ0 = 0.019330818715591825 / WZ;
const MZ1 = 0.11919477979462596 / WZ;
const MZ2 = 0.9505321522496607 / WZ;

// CIE's exact rationals, not the rounded 0.008856 and 7.787 some libraries use.
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

// Math.cbrt is an out-of-line call (~20 ns here), and six per pixel dominated CIE76. Linear
// interpolation in this table is good to ~5e-6 for t above ε, and one Halley step brings it
// within 5e-16 (relative) of Math.cbrt, in ~3 ns.
const CBRT_STEPS = 8192;
const CBRT = new Float64Array(CBRT_STEPS + 2);
for (let i = 0; i < CBRT.length; i++) CBRT[i] = Math.cbrt(i / CBRT_STEPS);

/** CIELAB's f(t), for t = X/Xn, Y/Yn or Z/Zn of an sRGB colour: at most 1 plus rounding. */
function f(t: number): number {
  if (t <= EPSILON) return (KAPPA * t + 16) / 116;
  const s = t * CBRT_STEPS;
  const i = s | 0;
  const lo = CBRT[i] as number;
  const y = lo + (s - i) * ((CBRT[i + 1] as number) - lo);
  const y3 = y * y * y;
  return (y * (y3 + 2 * t)) / (2 * y3 + t);
}

/** f for any t ≥ 0: srgbToLab accepts values outside 0-255. */
function fAny(t: number): number {
  return t <= 1 ? f(t) : Math.cbrt(t);
}

/** CIELAB (D65) of one sRGB colour given as 0-255 values; as deltaE computes it. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lr = linearise(r);
  const lg = linearise(g);
  const lb = linearise(b);
  const fx = fAny(MX0 * lr + MX1 * lg + MX2 * lb);
  const fy = fAny(MY0 * lr + MY1 * lg + MY2 * lb);
  const fz = fAny(MZ0 * lr + MZ1 * lg + MZ2 * lb);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;
const COS6 = Math.cos(6 * DEG);
const SIN6 = Math.sin(6 * DEG);
const COS30 = Math.cos(30 * DEG);
const COS63 = Math.cos(63 * DEG);
const SIN63 = Math.sin(63 * DEG);
const COS125 = Math.cos(125 * DEG);
// Below this |u1 + u2| (unit hue vectors) the hues are within ~0.06° of opposite, where the
// bisector loses digits and Sharma's 180° rule decides h̄': take the angle-based path.
const OPPOSITE = 1e-3;

function pow7(x: number): number {
  const x2 = x * x;
  return x2 * x2 * x2 * x; // x ** 7 is a ~50 ns pow() call
}

/**
 * CIEDE2000 of the n Lab pairs packed as [L1, a1, b1, L2, a2, b2, ...] in lab, into out.
 * Batched because V8 boxes doubles passed to or returned from a call it does not inline, and
 * this body is too large to inline into the pixel loop.
 *
 * Works on hue vectors, not angles. With u = (a', b')/C', ΔH' = 2√(C1'C2')·sin(Δh'/2) is
 * √(C1'C2')·|u1 − u2| signed by u1 × u2, and the mean hue h̄' (Sharma's wrap rules included)
 * is the direction of u1 + u2. So T needs no trig, and only the rotation term, for h̄' above
 * 125°, needs an angle. Scaling both u by C1'C2' also removes the divisions.
 */
function de2000Batch(lab: Float64Array, n: number, out: Float64Array): void {
  for (let k = 0, p = 0; k < n; k++, p += 6) {
    const L1 = lab[p] as number;
    const a1 = lab[p + 1] as number;
    const b1 = lab[p + 2] as number;
    const L2 = lab[p + 3] as number;
    const a2 = lab[p + 4] as number;
    const b2 = lab[p + 5] as number;
    const c7 = pow7(0.5 * (Math.sqrt(a1 * a1 + b1 * b1) + Math.sqrt(a2 * a2 + b2 * b2)));
    const scale = 1 + 0.5 * (1 - Math.sqrt(c7 / (c7 + POW25_7)));
    const ap1 = a1 * scale;
    const ap2 = a2 * scale;
    const C1 = Math.sqrt(ap1 * ap1 + b1 * b1);
    const C2 = Math.sqrt(ap2 * ap2 + b2 * b2);
    const cc = C1 * C2;
    const v1x = ap1 * C2;
    const v1y = b1 * C2;
    const v2x = ap2 * C1;
    const v2y = b2 * C1;
    const sx = v1x + v2x;
    const sy = v1y + v2y;
    const sum2 = sx * sx + sy * sy;
    // Also catches cc = 0: a zero chroma has no hue and takes Sharma's special case.
    if (!(sum2 >= OPPOSITE * OPPOSITE * cc * cc) || cc === 0) {
      out[k] = de2000Angles(L1, ap1, b1, C1, L2, ap2, b2, C2);
      continue;
    }

    const lBar = 0.5 * (L1 + L2);
    const l50 = (lBar - 50) * (lBar - 50);
    const lTerm = (L2 - L1) / (1 + (0.015 * l50) / Math.sqrt(20 + l50));
    const cBar = 0.5 * (C1 + C2);
    const cTerm = (C2 - C1) / (1 + 0.045 * cBar);

    const dx = v1x - v2x;
    const dy = v1y - v2y;
    const chord = Math.sqrt((dx * dx + dy * dy) / cc);
    const dH = ap1 * b2 - b1 * ap2 < 0 ? -chord : chord;

    const rs = 1 / Math.sqrt(sum2);
    const c1 = sx * rs;
    const s1 = sy * rs;
    const c2 = c1 * c1 - s1 * s1;
    const s2 = 2 * s1 * c1;
    const c3 = c2 * c1 - s2 * s1;
    const s3 = s2 * c1 + c2 * s1;
    const c4 = c2 * c2 - s2 * s2;
    const s4 = 2 * s2 * c2;
    const T =
      1 -
      0.17 * (c1 * COS30 + s1 * 0.5) +
      0.24 * c2 +
      0.32 * (c3 * COS6 - s3 * SIN6) -
      0.2 * (c4 * COS63 + s4 * SIN63);
    const hTerm = dH / (1 + 0.015 * cBar * T);

    let d2 = lTerm * lTerm + cTerm * cTerm + hTerm * hTerm;
    // exp(-((h̄' − 275°)/25°)²) < 3e-16 for h̄' in [0°, 125°]: no rotation term there.
    if (s1 < 0 || c1 < COS125) {
      let h = Math.atan2(sy, sx) / DEG;
      if (h < 0) h += 360;
      d2 += rotation(h, cBar, cTerm, hTerm);
    }
    out[k] = d2 > 0 ? Math.sqrt(d2) : 0;
  }
}

/** R_T·(ΔC'/S_C)·(ΔH'/S_H), the hue-rotation term, for mean hue h̄' in degrees. */
function rotation(hBarDeg: number, cBar: number, cTerm: number, hTerm: number): number {
  const x = (hBarDeg - 275) / 25;
  const dTheta = 30 * DEG * Math.exp(-x * x);
  const cb7 = pow7(cBar);
  return -Math.sin(2 * dTheta) * 2 * Math.sqrt(cb7 / (cb7 + POW25_7)) * cTerm * hTerm;
}

/**
 * Sharma, Wu & Dalal's angle formulation from the a' step on: for a zero chroma (hue 0,
 * h̄' = h1' + h2', ΔH' = 0) and for near-opposite hues, where their 180° rule picks h̄'.
 */
function de2000Angles(
  L1: number,
  ap1: number,
  b1: number,
  C1: number,
  L2: number,
  ap2: number,
  b2: number,
  C2: number,
): number {
  let h1 = Math.atan2(b1, ap1);
  if (h1 < 0) h1 += 2 * Math.PI;
  let h2 = Math.atan2(b2, ap2);
  if (h2 < 0) h2 += 2 * Math.PI;

  const lBar = 0.5 * (L1 + L2);
  const l50 = (lBar - 50) * (lBar - 50);
  const lTerm = (L2 - L1) / (1 + (0.015 * l50) / Math.sqrt(20 + l50));
  const cBar = 0.5 * (C1 + C2);
  const cTerm = (C2 - C1) / (1 + 0.045 * cBar);

  const hDiff = h2 - h1;
  const cc = C1 * C2;
  let dh = 0;
  let hBar = h1 + h2;
  if (cc !== 0) {
    dh = hDiff > Math.PI ? hDiff - 2 * Math.PI : hDiff < -Math.PI ? hDiff + 2 * Math.PI : hDiff;
    if (Math.abs(hDiff) > Math.PI) hBar += hBar < 2 * Math.PI ? 2 * Math.PI : -2 * Math.PI;
    hBar *= 0.5;
  }
  const dH = 2 * Math.sqrt(cc) * Math.sin(dh / 2);
  const T =
    1 -
    0.17 * Math.cos(hBar - 30 * DEG) +
    0.24 * Math.cos(2 * hBar) +
    0.32 * Math.cos(3 * hBar + 6 * DEG) -
    0.2 * Math.cos(4 * hBar - 63 * DEG);
  const hTerm = dH / (1 + 0.015 * cBar * T);

  const d2 =
    lTerm * lTerm + cTerm * cTerm + hTerm * hTerm + rotation(hBar / DEG, cBar, cTerm, hTerm);
  return d2 > 0 ? Math.sqrt(d2) : 0;
}

function cie76Batch(lab: Float64Array, n: number, out: Float64Array): void {
  for (let k = 0, p = 0; k < n; k++, p += 6) {
    const dl = (lab[p] as number) - (lab[p + 3] as number);
    const da = (lab[p + 1] as number) - (lab[p + 4] as number);
    const db = (lab[p + 2] as number) - (lab[p + 5] as number);
    out[k] = Math.sqrt(dl * dl + da * da + db * db);
  }
}

const PAIR = new Float64Array(6);
const ONE = new Float64Array(1);

/** CIEDE2000 colour difference (kL = kC = kH = 1) between two CIELAB colours. */
export function ciede2000(
  lab1: readonly [number, number, number],
  lab2: readonly [number, number, number],
): number {
  PAIR.set(lab1);
  PAIR.set(lab2, 3);
  de2000Batch(PAIR, 1, ONE);
  return ONE[0] as number;
}

/**
 * Packs [L1, a1, b1, L2, a2, b2] for every step-th pixel in [start, end) whose RGB differ
 * (equal RGB is ΔE 0 under any formula) and returns how many it packed.
 */
function labRow(
  a: Uint8Array,
  b: Uint8Array,
  start: number,
  end: number,
  step: number,
  lab: Float64Array,
): number {
  let p = 0;
  for (let i = start; i < end; i += step) {
    const ra = a[i] as number;
    const ga = a[i + 1] as number;
    const ba = a[i + 2] as number;
    const rb = b[i] as number;
    const gb = b[i + 1] as number;
    const bb = b[i + 2] as number;
    if (ra === rb && ga === gb && ba === bb) continue;
    let lr = LINEAR[ra] as number;
    let lg = LINEAR[ga] as number;
    let lb = LINEAR[ba] as number;
    let fx = f(MX0 * lr + MX1 * lg + MX2 * lb);
    let fy = f(MY0 * lr + MY1 * lg + MY2 * lb);
    let fz = f(MZ0 * lr + MZ1 * lg + MZ2 * lb);
    lab[p] = 116 * fy - 16;
    lab[p + 1] = 500 * (fx - fy);
    lab[p + 2] = 200 * (fy - fz);
    lr = LINEAR[rb] as number;
    lg = LINEAR[gb] as number;
    lb = LINEAR[bb] as number;
    fx = f(MX0 * lr + MX1 * lg + MX2 * lb);
    fy = f(MY0 * lr + MY1 * lg + MY2 * lb);
    fz = f(MZ0 * lr + MZ1 * lg + MZ2 * lb);
    lab[p + 3] = 116 * fy - 16;
    lab[p + 4] = 500 * (fx - fy);
    lab[p + 5] = 200 * (fy - fz);
    p += 6;
  }
  return p / 6;
}

const BINS_PER_UNIT = 100;
// CIE76 between sRGB colours stays under about 260 and CIEDE2000 well under that; anything
// beyond lands in the last bin, whose edge is then capped at max.
const BINS = 300 * BINS_PER_UNIT + 1;

/**
 * Mean, max and 95th percentile of the per-pixel colour difference between two RGBA images
 * whose RGB are sRGB-encoded (sRGB → linear → XYZ → CIELAB, all D65). Alpha is ignored.
 */
export function deltaE(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  options: DeltaEOptions = {},
): DeltaEStats {
  assertPixelPair(a, b, width, height);
  const formula = options.formula ?? "ciede2000";
  if (formula !== "ciede2000" && formula !== "cie76") {
    throw new RangeError(`unknown ΔE formula ${String(formula)}`);
  }
  const stride = options.sample ?? 1;
  if (!Number.isInteger(stride) || stride < 1) {
    throw new RangeError(`sample must be a positive integer, not ${stride}`);
  }
  const cie76 = formula === "cie76";
  const pixels = Math.ceil(width / stride) * Math.ceil(height / stride);
  // A row at a time: Lab of the changed pixels, then their ΔE, then the statistics.
  const lab = new Float64Array(Math.ceil(width / stride) * 6);
  const dist = new Float64Array(Math.ceil(width / stride));
  const histogram = new Float64Array(BINS);
  let changed = 0;
  let sum = 0;
  let max = 0;
  for (let row = 0; row < height; row += stride) {
    const n = labRow(a, b, row * width * 4, (row + 1) * width * 4, stride * 4, lab);
    changed += n;
    if (cie76) cie76Batch(lab, n, dist);
    else de2000Batch(lab, n, dist);
    let rowSum = 0;
    for (let k = 0; k < n; k++) {
      const d = dist[k] as number;
      rowSum += d;
      if (d > max) max = d;
      const bin = Math.floor(d * BINS_PER_UNIT);
      const slot = bin < BINS ? bin : BINS - 1;
      histogram[slot] = (histogram[slot] as number) + 1;
    }
    sum += rowSum;
  }
  if (pixels === 0) return { pixels, mean: 0, max: 0, p95: 0 };
  const p95 = percentile(histogram, pixels - changed, pixels, 95, max);
  return { pixels, mean: sum / pixels, max, p95 };
}

/** Nearest-rank percentile from the histogram plus a separate count of exact zeros. */
function percentile(
  histogram: Float64Array,
  zeros: number,
  total: number,
  percent: number,
  max: number,
): number {
  const rank = Math.ceil((percent * total) / 100); // not 0.95 * total, which can round up

  let seen = zeros;
  if (seen >= rank) return 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    seen += histogram[bin] as number;
    if (seen >= rank) return Math.min((bin + 1) / BINS_PER_UNIT, max);
  }
  return max;
}
