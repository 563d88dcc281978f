/**
 * Writes the committed test images in fixtures/. Everything is drawn here from integer
 * geometry, a seeded PRNG and a built-in 5x7 bitmap font (no system fonts), so a rerun with
 * the same sharp/libvips produces byte-identical files; a file is rewritten only when its
 * bytes change, which keeps git clean.
 *
 * Run with `npm run fixtures` (builds, then runs dist/scripts/make-fixtures.js).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { writeFixture } from "./fixture-file.js";
import { rng } from "./random.js";

// dist/scripts/make-fixtures.js -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

type Rgb = readonly [number, number, number];

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const YELLOW: Rgb = [255, 255, 0];

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

class Canvas {
  readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: 1 | 3 | 4,
    fill: readonly number[],
  ) {
    this.data = Buffer.alloc(width * height * channels);
    for (let i = 0; i < width * height; i++) this.data.set(fill, i * channels);
  }

  set(x: number, y: number, colour: readonly number[]): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(colour, (y * this.width + x) * this.channels);
  }

  get(x: number, y: number): number[] {
    const i = (y * this.width + x) * this.channels;
    return [...this.data.subarray(i, i + this.channels)];
  }

  rect(x: number, y: number, w: number, h: number, colour: readonly number[]): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, colour);
  }

  /** Bresenham: exactly one pixel wide, no antialiasing. */
  line(x0: number, y0: number, x1: number, y1: number, colour: readonly number[]): void {
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    let x = x0;
    let y = y0;
    for (;;) {
      this.set(x, y, colour);
      if (x === x1 && y === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Calls paint(x, y) for every pixel; paint returns the new value. */
  shade(paint: (x: number, y: number, old: number[]) => readonly number[]): void {
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) this.set(x, y, paint(x, y, this.get(x, y)));
  }
}

// --- 5x7 bitmap font ---------------------------------------------------------------------

const GLYPH_ROWS: Record<string, string> = {
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "###.. #..#. #...# #...# #...# #..#. ###..",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  " ": "..... ..... ..... ..... ..... ..... .....",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... .##.. ..#.. .#...",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  "-": "..... ..... ..... ##### ..... ..... .....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "/": "..... ....# ...#. ..#.. .#... #.... .....",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "'": "..#.. ..#.. .#... ..... ..... ..... .....",
};

/** Glyph as a 7x5 grid of booleans; unknown characters draw as a box so gaps are visible. */
function glyph(ch: string): boolean[][] {
  const rows = GLYPH_ROWS[ch.toUpperCase()] ?? "##### #...# #...# #...# #...# #...# #####";
  return rows.split(" ").map((row) => [...row].map((c) => c === "#"));
}

const ADVANCE = 6;
const LINE = 9;

/** Each font pixel becomes a scale x scale block: strokes are `scale` pixels wide. */
function drawText(
  c: Canvas,
  x0: number,
  y0: number,
  text: string,
  colour: readonly number[],
  scale = 1,
): void {
  [...text].forEach((ch, i) => {
    glyph(ch).forEach((row, gy) => {
      row.forEach((on, gx) => {
        if (on) c.rect(x0 + (i * ADVANCE + gx) * scale, y0 + gy * scale, scale, scale, colour);
      });
    });
  });
}

/**
 * Text `scale` times larger whose strokes stay one pixel wide: font pixels become points on a
 * `scale` grid joined by 1-px lines, like a hairline typeface.
 */
function drawThinText(
  c: Canvas,
  x0: number,
  y0: number,
  text: string,
  colour: readonly number[],
  scale: number,
): void {
  [...text].forEach((ch, i) => {
    const g = glyph(ch);
    const on = (gx: number, gy: number) => g[gy]?.[gx] === true;
    const px = (gx: number) => x0 + (i * ADVANCE + gx) * scale;
    const py = (gy: number) => y0 + gy * scale;
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        if (!on(gx, gy)) continue;
        c.set(px(gx), py(gy), colour);
        if (on(gx + 1, gy)) c.line(px(gx), py(gy), px(gx + 1), py(gy), colour);
        if (on(gx, gy + 1)) c.line(px(gx), py(gy), px(gx), py(gy + 1), colour);
        // Diagonals only where no orthogonal path already joins the two points.
        if (on(gx + 1, gy + 1) && !on(gx + 1, gy) && !on(gx, gy + 1))
          c.line(px(gx), py(gy), px(gx + 1), py(gy + 1), colour);
        if (on(gx - 1, gy + 1) && !on(gx - 1, gy) && !on(gx, gy + 1))
          c.line(px(gx), py(gy), px(gx - 1), py(gy + 1), colour);
      }
    }
  });
}

// --- value noise ---------------------------------------------------------------------------

/** Smooth lattice noise in [0, 1): the texture of grass, clouds and walls in the photo. */
function valueNoise(seed: number, cell: number, octaves: number): (x: number, y: number) => number {
  const size = 64;
  const rnd = rng(seed);
  const lattice = Float64Array.from({ length: size * size }, () => rnd());
  const at = (ix: number, iy: number) =>
    lattice[(((iy % size) + size) % size) * size + (((ix % size) + size) % size)] ?? 0;
  const octave = (x: number, y: number) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = smoothstep(0, 1, x - ix);
    const fy = smoothstep(0, 1, y - iy);
    const top = at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx;
    const bottom = at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
  return (x, y) => {
    let sum = 0;
    let weight = 0;
    for (let o = 0; o < octaves; o++) {
      const f = 2 ** o / cell;
      const w = 0.5 ** o;
      // Offset each octave so their lattices do not line up.
      sum += w * octave(x * f + o * 17.3, y * f + o * 31.7);
      weight += w;
    }
    return sum / weight;
  };
}

// --- the fixtures ------------------------------------------------------------------------

const PANGRAMS = [
  "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG 0123456789",
  "PACK MY BOX WITH FIVE DOZEN LIQUOR JUGS! (1-PX, 5X7)",
  "WHAT DOES JPEG Q75 4:2:0 DO TO FINE TEXT? +-/.,'",
];

/** 512x384 RGB: fine black text and 1-px lines, then red-on-white and blue-on-yellow. */
function textAndLines(): Canvas {
  const c = new Canvas(512, 384, 3, WHITE);
  // 1x: 1-px strokes.
  for (const [i, t] of PANGRAMS.entries()) drawText(c, 8, 6 + i * LINE, t, BLACK);
  // 2x and 3x hairline: bigger glyphs, still 1-px strokes.
  drawThinText(c, 8, 40, "HAIRLINE 2X: THE QUICK BROWN FOX 0123", BLACK, 2);
  drawThinText(c, 8, 62, "HAIRLINE 3X: JUMPS 456789", BLACK, 3);
  // 2x and 3x solid: 2- and 3-px strokes for contrast.
  drawText(c, 8, 92, "SOLID 2X: LAZY DOG 0123456789", BLACK, 2);
  drawText(c, 8, 112, "SOLID 3X: JPEG?", BLACK, 3);

  // One-pixel lines: horizontal, vertical, diagonal, a fan and 1-px-spaced pairs.
  const top = 142;
  for (let i = 0; i < 6; i++) c.line(8, top + i * 4, 200, top + i * 4, BLACK);
  for (let i = 0; i < 12; i++) c.line(8 + i * 3, top + 26, 8 + i * 3, top + 90, BLACK);
  for (let i = 0; i < 10; i++) c.line(50, top + 90, 50 + i * 16, top + 30, BLACK);
  for (let i = 0; i < 8; i++) c.line(210 + i * 2, top, 210 + i * 2, top + 90, BLACK);
  c.line(240, top, 330, top + 90, BLACK);
  c.line(240, top + 90, 330, top, BLACK);
  // A 1-px checkerboard and a 4-px grid.
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 40; x++) if ((x + y) % 2 === 0) c.set(340 + x, top + y, BLACK);
  for (let i = 0; i <= 10; i++) {
    c.line(390 + i * 4, top, 390 + i * 4, top + 40, BLACK);
    c.line(390, top + i * 4, 430, top + i * 4, BLACK);
  }
  drawText(c, 340, top + 50, "CHECKER  GRID", BLACK);

  // Red on white: 4:2:0 averages chroma over 2x2, so 1-px red turns pink and smears.
  const red = 250;
  drawText(c, 8, red, "RED 1-PX TEXT ON WHITE: THE QUICK BROWN FOX 0123456789", RED);
  drawThinText(c, 8, red + 12, "RED HAIRLINE 2X: JUMPS OVER", RED, 2);
  for (let i = 0; i < 4; i++) c.line(8, red + 34 + i * 3, 250, red + 34 + i * 3, RED);
  c.line(260, red + 34, 500, red + 46, RED);
  for (let i = 0; i < 8; i++) c.line(420 + i * 3, red + 12, 420 + i * 3, red + 30, RED);

  // Blue on yellow: complementary colours, the worst case for chroma subsampling.
  const blue = 306;
  c.rect(0, blue - 6, 512, 384 - blue + 6, YELLOW);
  drawText(c, 8, blue, "BLUE 1-PX TEXT ON YELLOW: PACK MY BOX WITH FIVE DOZEN", BLUE);
  drawThinText(c, 8, blue + 12, "BLUE HAIRLINE 2X: LIQUOR JUGS", BLUE, 2);
  drawText(c, 8, blue + 34, "BLUE SOLID 2X: 4:2:0", BLUE, 2);
  for (let i = 0; i < 4; i++) c.line(260, blue + 34 + i * 3, 500, blue + 34 + i * 3, BLUE);
  c.line(260, blue + 60, 500, blue + 48, BLUE);
  for (let i = 0; i < 8; i++) c.line(420 + i * 3, blue + 10, 420 + i * 3, blue + 30, BLUE);
  return c;
}

/** 480x320 RGB: bilinear blend of four corner colours plus a soft radial term. */
function gradient(): Canvas {
  const c = new Canvas(480, 320, 3, BLACK);
  const corners: Rgb[] = [
    [255, 32, 64],
    [32, 128, 255],
    [255, 224, 32],
    [16, 64, 48],
  ];
  const [tl, tr, bl, br] = corners as [Rgb, Rgb, Rgb, Rgb];
  c.shade((x, y) => {
    const u = x / (c.width - 1);
    const v = y / (c.height - 1);
    const r = Math.hypot(x - 240, y - 160) / 288;
    const glow = 40 * (1 - smoothstep(0, 1, r));
    return [0, 1, 2].map((k) => {
      const top = (tl[k] ?? 0) * (1 - u) + (tr[k] ?? 0) * u;
      const bottom = (bl[k] ?? 0) * (1 - u) + (br[k] ?? 0) * u;
      return clamp8(top * (1 - v) + bottom * v + glow);
    });
  });
  return c;
}

/** 384x256 RGB, photo-like: sky, sun glow, clouds, hills, a shaded ball and a box with soft shadows, grain. */
function photo(): Canvas {
  const W = 384;
  const H = 256;
  const c = new Canvas(W, H, 3, BLACK);
  const clouds = valueNoise(11, 48, 4);
  const grass = valueNoise(23, 6, 3);
  const hills = valueNoise(37, 80, 2);
  const grain = rng(42);
  const horizon = (x: number) => 150 + 22 * hills(x, 0) - 8;
  const ball = { x: 118, y: 196, r: 34 };
  const box = { x: 228, y: 150, w: 92, h: 62 };
  const light = [-0.5, -0.6, 0.62];

  c.shade((x, y) => {
    let rgb: number[];
    const h = horizon(x);
    if (y < h) {
      // Sky: vertical gradient, sun with glow, soft clouds.
      const t = y / h;
      rgb = [70 + 120 * t, 120 + 90 * t, 200 + 40 * t];
      const d = Math.hypot(x - 305, y - 52);
      const sun = d < 18 ? 1 : Math.exp(-((d - 18) ** 2) / 500);
      rgb = rgb.map((v, k) => v + (([255, 236, 190][k] ?? 0) - v) * sun);
      const cloud = smoothstep(0.5, 0.72, clouds(x, y * 2)) * (1 - t * 0.6);
      rgb = rgb.map((v) => v + (245 - v) * cloud * 0.85);
    } else {
      // Ground: hazy far field fading into textured grass.
      const depth = Math.min(1, (y - h) / 70);
      const g = grass(x, y * 1.6);
      rgb = [
        (60 + 50 * g) * depth + 120 * (1 - depth),
        (110 + 60 * g) * depth + 150 * (1 - depth),
        (40 + 30 * g) * depth + 150 * (1 - depth),
      ];
    }

    // Soft shadows: Gaussian falloff, cast to the lower right.
    const bs = Math.exp(-(((x - ball.x - 22) / 40) ** 2 + ((y - ball.y - 30) / 10) ** 2));
    const inBoxShadow =
      smoothstep(box.x + 8, box.x + 22, x) *
      (1 - smoothstep(box.x + box.w + 14, box.x + box.w + 34, x)) *
      smoothstep(box.y + box.h - 6, box.y + box.h + 2, y) *
      (1 - smoothstep(box.y + box.h + 8, box.y + box.h + 20, y));
    const shadow = 1 - 0.55 * Math.max(bs, inBoxShadow);
    rgb = rgb.map((v) => v * shadow);

    // The box: hard edges, two faces with flat shading and a faint plank texture.
    if (x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h) {
      const plank = (y - box.y) % 12 === 0 ? 0.8 : 1;
      const face = x < box.x + 60 ? [196, 160, 118] : [150, 118, 84];
      rgb = face.map((v) => v * plank * (0.9 + 0.2 * grass(x * 3, y)));
    }

    // The ball: Lambert-shaded sphere with a specular highlight and a 1-px antialiased rim.
    const dx = (x - ball.x) / ball.r;
    const dy = (y - ball.y) / ball.r;
    const rr = dx * dx + dy * dy;
    const cover = 1 - smoothstep(1 - 1 / ball.r, 1 + 1 / ball.r, Math.sqrt(rr));
    if (cover > 0) {
      const dz = Math.sqrt(Math.max(0, 1 - rr));
      const lambert = Math.max(
        0,
        -dx * (light[0] ?? 0) - dy * (light[1] ?? 0) + dz * (light[2] ?? 0),
      );
      const spec = lambert ** 40;
      const ballRgb = [200, 40, 36].map((v) => v * (0.18 + 0.82 * lambert) + 255 * spec * 0.8);
      rgb = rgb.map((v, k) => v * (1 - cover) + (ballRgb[k] ?? 0) * cover);
    }

    const n = (grain() - 0.5) * 6;
    return rgb.map((v) => clamp8(v + n));
  });
  return c;
}

/**
 * 320x200 RGBA logo on a transparent background. Transparent pixels store magenta
 * (255,0,255,0) in the top half and black (0,0,0,0) in the bottom half, so dropping alpha as
 * Pillow's convert("RGB") does shows two different backgrounds.
 */
function logoAlpha(): Canvas {
  const W = 320;
  const H = 200;
  const c = new Canvas(W, H, 4, [0, 0, 0, 0]);
  c.shade((_x, y) => (y < H / 2 ? [255, 0, 255, 0] : [0, 0, 0, 0]));

  // Straight-alpha "over" so antialiased edges keep the logo colour with partial alpha.
  const paint = (x: number, y: number, rgb: Rgb, alpha: number) => {
    if (alpha <= 0) return;
    const [r0 = 0, g0 = 0, b0 = 0, a0 = 0] = c.get(x, y);
    const a = alpha + (a0 / 255) * (1 - alpha);
    const mix = (s: number, d: number) => (s * alpha + d * (a0 / 255) * (1 - alpha)) / a;
    c.set(x, y, [
      clamp8(mix(rgb[0], r0)),
      clamp8(mix(rgb[1], g0)),
      clamp8(mix(rgb[2], b0)),
      clamp8(a * 255),
    ]);
  };
  // Coverage from a 4x4 supersample: antialiased, semi-transparent edges.
  const fill = (inside: (x: number, y: number) => boolean, rgb: Rgb, opacity = 1) => {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let hits = 0;
        for (let sy = 0; sy < 4; sy++)
          for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
        paint(x, y, rgb, (hits / 16) * opacity);
      }
    }
  };
  const ring = (cx: number, cy: number, r0: number, r1: number) => (x: number, y: number) => {
    const d = Math.hypot(x - cx, y - cy);
    return d >= r0 && d <= r1;
  };

  // Drop shadow (translucent black), disc, white ring, a tilted bar.
  fill(ring(104, 104, 0, 70), BLACK, 0.35);
  fill(ring(96, 96, 0, 70), [28, 92, 200]);
  fill(ring(96, 96, 44, 54), WHITE);
  fill(
    (x, y) => Math.abs(y - 96 - 0.5 * (x - 96)) < 7 && Math.hypot(x - 96, y - 96) < 44,
    [255, 196, 0],
  );
  // Half-transparent "glass" panel behind the wordmark.
  fill((x, y) => x >= 176 && x < 312 && y >= 64 && y < 132, [255, 255, 255], 0.5);
  const text = new Canvas(W, H, 1, [0]);
  drawText(text, 184, 74, "IMG", [255], 4);
  drawText(text, 184, 110, "ENCODE", [255], 2);
  fill((x, y) => (text.get(Math.floor(x), Math.floor(y))[0] ?? 0) > 0, [20, 40, 90]);
  return c;
}

/** 320x240 single-channel: a 256-step ramp, text, fine lines and a zone plate. */
function grey(): Canvas {
  const c = new Canvas(320, 240, 1, [255]);
  c.shade((x, y) => (y < 32 ? [Math.floor((x * 256) / 320)] : [255]));
  drawText(c, 8, 40, "GREYSCALE 8-BIT, ONE CHANNEL: 0123456789", [0]);
  drawText(c, 8, 52, "MID GREY ON WHITE 1-PX TEXT", [128]);
  drawText(c, 8, 66, "SOLID 2X TEXT", [0], 2);
  for (let i = 0; i < 8; i++) c.line(8, 90 + i * 2, 150, 90 + i * 2, [0]);
  for (let i = 0; i < 16; i++) c.line(160 + i * 2, 84, 160 + i * 2, 106, [0]);
  // Zone plate: frequency rises with radius, reaching Nyquist at r = 200, a stress test for 8x8 DCT blocks.
  for (let y = 112; y < 240; y++) {
    for (let x = 0; x < 320; x++) {
      const r2 = (x - 160) ** 2 + (y - 176) ** 2;
      c.set(x, y, [clamp8(127.5 + 127.5 * Math.cos((Math.PI * r2) / 400))]);
    }
  }
  return c;
}

/**
 * photo() with a big white "UP" and an arrow pointing up, then turned 90° counter-clockwise:
 * stored like this and tagged EXIF orientation 6, a viewer turns it back upright while a
 * reader that ignores EXIF shows the arrow pointing left.
 */
function sideways(): Canvas {
  const c = photo();
  const outline: Rgb = [24, 24, 24];
  // A dark outline keeps the white shapes readable over the bright sky.
  const shape = (draw: (dx: number, dy: number, colour: Rgb) => void) => {
    for (const [dx, dy] of [
      [-2, 0],
      [2, 0],
      [0, -2],
      [0, 2],
    ] as const)
      draw(dx, dy, outline);
    draw(0, 0, WHITE);
  };
  shape((dx, dy, colour) => drawText(c, 24 + dx, 24 + dy, "UP", colour, 8));
  shape((dx, dy, colour) => {
    c.rect(52 + dx, 112 + dy, 16, 100, colour);
    for (let i = 0; i < 30; i++) c.rect(60 - i + dx, 84 + i + dy, 2 * i + 1, 1, colour);
  });
  const out = new Canvas(c.height, c.width, 3, BLACK);
  // Counter-clockwise: upright (x, y) lands at stored (y, W - 1 - x).
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) out.set(y, c.width - 1 - x, c.get(x, y));
  return out;
}

/**
 * 256x160 RGB, 16 bits per channel: a dark blue-to-teal ramp whose green spans only 24 8-bit
 * levels across 256 px, so it bands at 8 bits where the 16-bit values step once per column.
 */
function deep16(): Uint16Array {
  const W = 256;
  const H = 160;
  const out = new Uint16Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x / (W - 1);
      const v = y / (H - 1);
      const rgb = [20 + 10 * v, 40 + 24 * u, 90 + 16 * u - 8 * v];
      for (let k = 0; k < 3; k++) out[(y * W + x) * 3 + k] = Math.round((rgb[k] ?? 0) * 257);
    }
  }
  return out;
}

/**
 * 128x96 greyscale, 16 bits: a diagonal ramp over the whole 0..65535 range with ±64 of seeded
 * noise. Pillow reads it as mode "I" and convert("RGB") clips at 255, so all but the darkest
 * corner turns white.
 */
function grey16(): Uint16Array {
  const W = 128;
  const H = 96;
  const rnd = rng(61);
  return Uint16Array.from({ length: W * H }, (_, i) => {
    const x = i % W;
    const y = Math.floor(i / W);
    // Overshoots by 128 at both ends, so the corners clip to exactly 0 and 65535.
    const ramp = ((65535 + 256) * (x + y)) / (W - 1 + H - 1) - 128;
    return Math.min(65535, Math.max(0, Math.round(ramp + (rnd() - 0.5) * 128)));
  });
}

/** Three 128x96 frames panning across photo(), each numbered, stacked vertically. */
function panFrames(source: Canvas): Canvas {
  const W = 128;
  const H = 96;
  const frames = 3;
  const c = new Canvas(W, H * frames, 3, BLACK);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) c.set(x, f * H + y, source.get(40 + f * 100 + x, 120 + y));
    drawText(c, 6, f * H + 6, String(f + 1), WHITE, 2);
  }
  return c;
}

// --- ICC -----------------------------------------------------------------------------------

/** s15Fixed16Number, as ICC stores XYZ values. */
const s15 = (v: number): number => Math.round(v * 65536);

function iccTag(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, "latin1");
  return Buffer.concat([head, body]);
}

function xyzTag(x: number, y: number, z: number): Buffer {
  const body = Buffer.alloc(12);
  for (const [i, v] of [x, y, z].entries()) body.writeInt32BE(s15(v), 4 * i);
  return iccTag("XYZ ", body);
}

/** v2 textDescriptionType: ASCII, then an empty Unicode and an empty ScriptCode record. */
function descTag(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, "latin1");
  const count = Buffer.alloc(4);
  count.writeUInt32BE(ascii.length);
  // Unicode language + count (8), ScriptCode code + count (3), the fixed 67-byte Mac field.
  return iccTag("desc", Buffer.concat([count, ascii, Buffer.alloc(8 + 3 + 67)]));
}

/**
 * Adobe RGB (1998) as an ICC v2 matrix/TRC display profile, built byte by byte because sharp
 * ships only sRGB, P3 and CMYK. Colorants are the Adobe RGB primaries Bradford-adapted to
 * D50; the TRC is the spec's 563/256 gamma as a u8Fixed8 curv (0x0233). wtpt holds the D65
 * white (0.9505, 1, 1.0891) as Adobe's own AdobeRGB1998.icc and Ghostscript's a98.icc do for
 * v2; lcms2 treats a v2 display profile's wtpt as D50 anyway, so conversions do not depend
 * on it, and the colorants sum to the D50 header illuminant.
 */
function adobeRgbIcc(): Buffer {
  const curv = iccTag("curv", Buffer.from([0, 0, 0, 1, 0x02, 0x33]));
  const cprt = iccTag("text", Buffer.from("No copyright, use freely\0", "latin1"));
  const tags: [string, Buffer][] = [
    ["desc", descTag("Adobe RGB (1998)")],
    ["cprt", cprt],
    ["wtpt", xyzTag(0.95045, 1, 1.08905)],
    ["rXYZ", xyzTag(0.6097559, 0.3111145, 0.0194702)],
    ["gXYZ", xyzTag(0.2052401, 0.6256714, 0.0608902)],
    ["bXYZ", xyzTag(0.149224, 0.0632141, 0.7445396)],
    ["rTRC", curv],
    ["gTRC", curv],
    ["bTRC", curv],
  ];
  // Tag data starts after the 128-byte header and the table; each element is 4-byte aligned.
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length);
  const blocks: Buffer[] = [];
  const placed = new Map<Buffer, number>();
  let offset = 128 + table.length;
  tags.forEach(([sig, data], i) => {
    let at = placed.get(data);
    if (at === undefined) {
      at = offset;
      placed.set(data, at);
      const padded = Buffer.alloc(Math.ceil(data.length / 4) * 4);
      data.copy(padded);
      blocks.push(padded);
      offset += padded.length;
    }
    table.write(sig, 4 + 12 * i, "latin1");
    table.writeUInt32BE(at, 8 + 12 * i);
    table.writeUInt32BE(data.length, 12 + 12 * i);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write("mntrRGB XYZ ", 12, "latin1");
  // A fixed creation date: the profile's bytes must not change between runs.
  for (const [i, v] of [2024, 1, 1, 0, 0, 0].entries()) header.writeUInt16BE(v, 24 + 2 * i);
  header.write("acsp", 36, "latin1");
  for (const [i, v] of [0.9642, 1, 0.8249].entries()) header.writeInt32BE(s15(v), 68 + 4 * i);
  return Buffer.concat([header, table, ...blocks]);
}

// --- output --------------------------------------------------------------------------------

function raw(c: Canvas) {
  return sharp(c.data, { raw: { width: c.width, height: c.height, channels: c.channels } });
}

const PNG = { compressionLevel: 9, adaptiveFiltering: true } as const;

/** Copies the iCCP chunk of `withProfile` into `png` after IHDR: same stored values, tagged. */
function spliceIccp(png: Buffer, withProfile: Buffer): Buffer {
  const chunks = (b: Buffer) => {
    const out: { type: string; start: number; end: number }[] = [];
    for (let p = 8; p < b.length; ) {
      const len = b.readUInt32BE(p);
      out.push({ type: b.toString("latin1", p + 4, p + 8), start: p, end: p + 12 + len });
      p += 12 + len;
    }
    return out;
  };
  const iccp = chunks(withProfile).find((c) => c.type === "iCCP");
  const ihdr = chunks(png).find((c) => c.type === "IHDR");
  if (iccp === undefined || ihdr === undefined) throw new Error("no iCCP/IHDR chunk found");
  return Buffer.concat([
    png.subarray(0, ihdr.end),
    withProfile.subarray(iccp.start, iccp.end),
    png.subarray(ihdr.end),
  ]);
}

async function main(): Promise<void> {
  mkdirSync(FIXTURES, { recursive: true });
  const photoCanvas = photo();
  const photoPng = await raw(photoCanvas).png(PNG).toBuffer();
  // withIccProfile converts sRGB -> P3; only its iCCP chunk is kept, so the stored values
  // stay those of photo.png and a reader that ignores ICC sees the same pixels.
  const p3Converted = await raw(photoCanvas).withIccProfile("p3").png(PNG).toBuffer();

  // libvips reads output profiles from files only.
  const work = mkdtempSync(join(tmpdir(), "imgenc-fixtures-"));
  const adobeRgb = join(work, "adobe-rgb-1998.icc");
  writeFileSync(adobeRgb, adobeRgbIcc());
  const sideCanvas = sideways();
  const frames = panFrames(photoCanvas);

  const fixtures: [string, Promise<Buffer> | Buffer][] = [
    ["text-and-lines.png", raw(textAndLines()).png(PNG).toBuffer()],
    ["gradient.png", raw(gradient()).png(PNG).toBuffer()],
    ["photo.png", photoPng],
    ["logo-alpha.png", raw(logoAlpha()).png(PNG).toBuffer()],
    ["photo.jpg", raw(photoCanvas).jpeg({ quality: 90, chromaSubsampling: "4:4:4" }).toBuffer()],
    ["photo-p3.png", spliceIccp(photoPng, p3Converted)],
    ["grey.png", raw(grey()).toColourspace("b-w").png(PNG).toBuffer()],
    [
      "rotated-exif6.jpg",
      // withExif alone cannot set Orientation (libvips writes its own tag over it), and
      // withMetadata also attaches sRGB: keep the file profile-less, like a camera JPEG.
      raw(sideCanvas)
        .withMetadata({ orientation: 6 })
        .withIccProfile("srgb", { attach: false })
        .jpeg({ quality: 90, chromaSubsampling: "4:4:4" })
        .toBuffer(),
    ],
    [
      "adobe-rgb.jpg",
      // Converts the sRGB-intended photo into Adobe RGB and embeds the profile.
      raw(photoCanvas)
        .withIccProfile(adobeRgb)
        .jpeg({ quality: 90, chromaSubsampling: "4:4:4" })
        .toBuffer(),
    ],
    [
      "deep16.png",
      sharp(deep16(), { raw: { width: 256, height: 160, channels: 3 } })
        .toColourspace("rgb16")
        .png(PNG)
        .toBuffer(),
    ],
    [
      "grey16.png",
      sharp(grey16(), { raw: { width: 128, height: 96, channels: 1 } })
        .toColourspace("grey16")
        .png(PNG)
        .toBuffer(),
    ],
    [
      "animated.gif",
      sharp(frames.data, {
        raw: { width: frames.width, height: frames.height, channels: 3, pageHeight: 96 },
      })
        .gif({ delay: [500, 500, 500], loop: 0 })
        .toBuffer(),
    ],
    ["cmyk.jpg", raw(photoCanvas).toColourspace("cmyk").jpeg({ quality: 90 }).toBuffer()],
  ];

  // Every encode must be done with the profile before it is deleted; failures surface below.
  await Promise.allSettled(fixtures.map(([, pending]) => pending));
  rmSync(work, { recursive: true, force: true });

  for (const [name, pending] of fixtures) {
    const bytes = await pending;
    const path = `${FIXTURES}${name}`;
    const status = writeFixture(path, bytes);
    const meta = await sharp(bytes).metadata();
    console.log(
      `fixtures/${name.padEnd(19)} ${`${meta.width}x${meta.height}`.padEnd(8)} ${meta.channels}ch ${String(bytes.length).padStart(7)} B  ${status}`,
    );
  }
}

await main();
