/**
 * A deterministic photo-like image generator (seeded PRNG, integer hashing; no Math.random):
 * the same RGB bytes on every platform, for benchmarks and memory measurements.
 */

import { rng } from "./random.js";

/** Integer hash of a pixel position: per-pixel sensor noise without a sequential PRNG. */
function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Value noise on a lattice of `cell` pixels, smoothstep-interpolated; values in [-1, 1]. */
class ValueNoise {
  private readonly cols: number;
  private readonly values: Float32Array;
  private readonly ix: Int32Array;
  private readonly fx: Float32Array;
  private readonly row: Float32Array;

  constructor(
    width: number,
    height: number,
    private readonly cell: number,
    rand: () => number,
  ) {
    this.cols = Math.ceil(width / cell) + 2;
    const rows = Math.ceil(height / cell) + 2;
    this.values = new Float32Array(this.cols * rows);
    for (let i = 0; i < this.values.length; i++) this.values[i] = rand() * 2 - 1;
    this.ix = new Int32Array(width);
    this.fx = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      const g = x / cell;
      const i = Math.floor(g);
      const f = g - i;
      this.ix[x] = i;
      this.fx[x] = f * f * (3 - 2 * f);
    }
    this.row = new Float32Array(this.cols);
  }

  /** Interpolate the lattice for row y; `at(x)` then reads it. */
  setRow(y: number): void {
    const g = y / this.cell;
    const j = Math.floor(g);
    const f0 = g - j;
    const f = f0 * f0 * (3 - 2 * f0);
    const r0 = j * this.cols;
    const r1 = r0 + this.cols;
    const v = this.values;
    for (let i = 0; i < this.cols; i++) {
      const a = v[r0 + i] as number;
      this.row[i] = a + ((v[r1 + i] as number) - a) * f;
    }
  }

  at(x: number): number {
    const i = this.ix[x] as number;
    const a = this.row[i] as number;
    return a + ((this.row[i + 1] as number) - a) * (this.fx[x] as number);
  }
}

interface Shape {
  kind: "ellipse" | "rect" | "capsule";
  cx: number;
  cy: number;
  /** Half extents (ellipse, rect); half length and radius (capsule). */
  rx: number;
  ry: number;
  cos: number;
  sin: number;
  /** Rounded-corner radius (rects). */
  round: number;
  colour: [number, number, number];
  /** Lighting: brightness change per half extent along (shadeX, shadeY). */
  shade: number;
  shadeX: number;
  shadeY: number;
  /** How much of the global texture shows on the shape (smooth paint .. foliage). */
  texture: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Objects at every scale, as in a photo: a few large ones, many small ones (log-uniform
 * sizes), and thin antialiased lines (wires, branches).
 */
function makeShapes(width: number, height: number, rand: () => number): Shape[] {
  const scale = Math.sqrt(width * height) / 4900; // 1 at 24 MP
  const count = Math.round(25 + 420 * scale * scale);
  const lines = Math.round(6 + 60 * scale * scale);
  const minSize = 6;
  const maxSize = Math.max(40, 520 * scale);
  const shapes: Shape[] = [];
  for (let n = 0; n < count + lines; n++) {
    const line = n >= count;
    const kind = line ? "capsule" : rand() < 0.55 ? "ellipse" : "rect";
    const size = minSize * (maxSize / minSize) ** rand();
    const rx = line ? size * (1 + 3 * rand()) : Math.max(2, size * (0.5 + rand()));
    const ry = line ? 0.6 + rand() * 2.5 : Math.max(2, size * (0.5 + rand()));
    const angle = kind === "rect" ? (rand() - 0.5) * 0.6 : rand() * Math.PI;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const cx = rand() * width;
    const cy = height * (0.2 + 0.8 * rand());
    const hue = rand();
    const base = 40 + rand() * 160;
    const sat = 20 + rand() * 60;
    const colour: [number, number, number] = [
      base + sat * Math.cos(2 * Math.PI * hue),
      base + sat * Math.cos(2 * Math.PI * (hue - 1 / 3)),
      base + sat * Math.cos(2 * Math.PI * (hue - 2 / 3)),
    ];
    const shadeAngle = rand() * 2 * Math.PI;
    // Tight bounding box of the rotated shape, plus the antialiasing margin.
    const ex =
      kind === "capsule"
        ? Math.abs(rx * cos) + ry
        : kind === "rect"
          ? Math.abs(rx * cos) + Math.abs(ry * sin)
          : Math.hypot(rx * cos, ry * sin);
    const ey =
      kind === "capsule"
        ? Math.abs(rx * sin) + ry
        : kind === "rect"
          ? Math.abs(rx * sin) + Math.abs(ry * cos)
          : Math.hypot(rx * sin, ry * cos);
    shapes.push({
      kind,
      cx,
      cy,
      rx,
      ry,
      cos,
      sin,
      round: kind === "rect" ? Math.min(rx, ry) * rand() * 0.3 : 0,
      colour,
      shade: 10 + rand() * 40,
      shadeX: Math.cos(shadeAngle),
      shadeY: Math.sin(shadeAngle),
      texture: line ? 0.2 : 0.3 + 1.4 * rand(),
      top: Math.max(0, Math.floor(cy - ey - 1)),
      bottom: Math.min(height - 1, Math.ceil(cy + ey + 1)),
      left: Math.max(0, Math.floor(cx - ex - 1)),
      right: Math.min(width - 1, Math.ceil(cx + ex + 1)),
    });
  }
  // Far (higher up) objects first, so nearer ones overlap them; lines last.
  return shapes.sort(
    (a, b) =>
      Number(a.kind === "capsule") - Number(b.kind === "capsule") || a.cy + a.ry - (b.cy + b.ry),
  );
}

/** Signed distance (pixels, negative inside) from a point relative to the shape's centre. */
function shapeDistance(s: Shape, dx: number, dy: number): number {
  const u = dx * s.cos + dy * s.sin;
  const v = -dx * s.sin + dy * s.cos;
  if (s.kind === "ellipse") {
    const k = Math.hypot(u / s.rx, v / s.ry);
    return (k - 1) * Math.min(s.rx, s.ry);
  }
  if (s.kind === "capsule") {
    const along = Math.max(0, Math.abs(u) - s.rx);
    return Math.hypot(along, v) - s.ry;
  }
  const qx = Math.abs(u) - s.rx + s.round;
  const qy = Math.abs(v) - s.ry + s.round;
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - s.round;
}

interface Octave {
  noise: ValueNoise;
  amp: number;
}

/**
 * A photo-like RGB frame: sky gradient with soft clouds over a wavy horizon, ground with
 * low-frequency colour variation, antialiased lit shapes, multi-octave texture whose strength
 * varies by region, and mild per-pixel noise. Not noise: JPEG q75 gives a photo's PSNR.
 */
export function paintPhoto(width: number, height: number, seed: number): Buffer {
  const rand = rng(seed);
  const out = Buffer.alloc(width * height * 3);
  const cloud = new ValueNoise(width, height, Math.max(24, width / 14), rand);
  const cloudDetail = new ValueNoise(width, height, Math.max(8, width / 45), rand);
  const tint = [0, 1, 2].map(() => new ValueNoise(width, height, Math.max(32, width / 10), rand));
  const mask = new ValueNoise(width, height, Math.max(24, width / 16), rand);
  const octaves: Octave[] = [
    { noise: new ValueNoise(width, height, 56, rand), amp: 10 },
    { noise: new ValueNoise(width, height, 14, rand), amp: 8 },
    { noise: new ValueNoise(width, height, 4, rand), amp: 8 },
    { noise: new ValueNoise(width, height, 2, rand), amp: 6 },
  ];
  const shapes = makeShapes(width, height, rand);
  const phase1 = rand() * 6.283;
  const phase2 = rand() * 6.283;
  const noiseSeed = Math.floor(rand() * 2 ** 31);
  const skyTop = [60 + rand() * 30, 105 + rand() * 30, 185 + rand() * 30];
  const skyLow = [185 + rand() * 20, 205 + rand() * 20, 225 + rand() * 20];
  const ground = [95 + rand() * 40, 100 + rand() * 40, 60 + rand() * 30];
  const horizon = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const t = x / width;
    horizon[x] =
      height *
      (0.36 +
        0.05 * Math.sin(2 * Math.PI * 1.3 * t + phase1) +
        0.02 * Math.sin(2 * Math.PI * 4.7 * t + phase2));
  }
  const r = new Float32Array(width);
  const g = new Float32Array(width);
  const b = new Float32Array(width);
  const texAmp = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    cloud.setRow(y);
    cloudDetail.setRow(y);
    mask.setRow(y);
    for (const t of tint) t.setRow(y);
    for (const o of octaves) o.noise.setRow(y);
    const [t0, t1, t2] = tint as [ValueNoise, ValueNoise, ValueNoise];
    const depth = y / height;
    // Background: sky above the horizon, ground below, blended over ~1.5 px.
    for (let x = 0; x < width; x++) {
      const hy = horizon[x] as number;
      const s = Math.min(1, y / hy);
      const c = Math.max(0, cloud.at(x) + 0.4 * cloudDetail.at(x) - 0.15) * 90;
      const sr = (skyTop[0] as number) + ((skyLow[0] as number) - (skyTop[0] as number)) * s + c;
      const sg = (skyTop[1] as number) + ((skyLow[1] as number) - (skyTop[1] as number)) * s + c;
      const sb = (skyTop[2] as number) + ((skyLow[2] as number) - (skyTop[2] as number)) * s + c;
      const shadeGround = 0.75 + 0.35 * depth;
      const gr = ((ground[0] as number) + 40 * t0.at(x)) * shadeGround;
      const gg = ((ground[1] as number) + 40 * t1.at(x)) * shadeGround;
      const gb = ((ground[2] as number) + 30 * t2.at(x)) * shadeGround;
      const k = Math.min(1, Math.max(0, (y - hy) / 1.5 + 0.5));
      r[x] = sr + (gr - sr) * k;
      g[x] = sg + (gg - sg) * k;
      b[x] = sb + (gb - sb) * k;
      texAmp[x] = 0.12 + k * (0.35 + 0.65 * Math.max(0, Math.min(1, mask.at(x) + 0.5)));
    }
    // Shapes: antialiased coverage, lit by a linear gradient.
    for (const s of shapes) {
      if (y < s.top || y > s.bottom) continue;
      const dy = y - s.cy;
      for (let x = s.left; x <= s.right; x++) {
        const dx = x - s.cx;
        const d = shapeDistance(s, dx, dy);
        if (d >= 0.75) continue;
        const cover = d <= -0.75 ? 1 : (0.75 - d) / 1.5;
        const light = (s.shade * (dx * s.shadeX + dy * s.shadeY)) / Math.max(s.rx, s.ry);
        r[x] = (r[x] as number) + ((s.colour[0] as number) + light - (r[x] as number)) * cover;
        g[x] = (g[x] as number) + ((s.colour[1] as number) + light - (g[x] as number)) * cover;
        b[x] = (b[x] as number) + ((s.colour[2] as number) + light - (b[x] as number)) * cover;
        texAmp[x] = (texAmp[x] as number) + (s.texture - (texAmp[x] as number)) * cover;
      }
    }
    // Texture and sensor noise.
    const [o0, o1, o2, o3] = octaves as [Octave, Octave, Octave, Octave];
    let p = y * width * 3;
    for (let x = 0; x < width; x++) {
      const tex =
        (texAmp[x] as number) *
        (o0.amp * o0.noise.at(x) +
          o1.amp * o1.noise.at(x) +
          o2.amp * o2.noise.at(x) +
          o3.amp * o3.noise.at(x));
      const h = hash2(x, y, noiseSeed);
      const n = ((h & 0xff) + ((h >>> 8) & 0xff)) / 255 - 1; // triangular, -1..1
      const m = (((h >>> 16) & 0xff) - 127.5) / 127.5; // a little chroma noise
      out[p++] = clamp8((r[x] as number) + tex + 2 * n + 0.8 * m);
      out[p++] = clamp8((g[x] as number) + tex + 2 * n);
      out[p++] = clamp8((b[x] as number) + 0.85 * tex + 2 * n - 0.8 * m);
    }
  }
  return out;
}

function clamp8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
