// What Ollama's Go engine makes of a JPEG: image/jpeg's Decode, then the image drawn onto a white
// *image.RGBA (draw.Src of a white Uniform, then draw.Over). Go 1.26 (Ollama's go.mod) decodes
// with the DCT of golang/go CL 705518 (src/image/jpeg/dct.go, issue golang/go#75603), which
// replaced idct.go; Go 1.19 and earlier use idct.go's integer IDCT. Both are here, the default
// being Go 1.26's. Dequantisation, clipping (scan.go reconstructBlock), the planes Go allocates
// (makeImg), and the conversion to RGBA (reader.go applyBlack / convertToRGB, image/color's
// YCbCr and CMYK conversions, image/draw's drawGray / drawCMYK / imageutil.DrawYCbCr) follow
// golang/go src/image at go1.19 and dct.go at c63cbc8b27087c933d6f3f6bf7318dee23d98eb0 (the
// current reader.go, huffman.go and reconstructBlock read the same as go1.19's).

import {
  type BlockSink,
  decodeJpegCoefficients,
  JpegError,
  type JpegFrame,
  UNZIG,
} from "./jpeg-coefficients.js";

type Idct = (block: Int32Array) => void;

// Go 1.19 idct.go: 2048*sqrt(2)*cos(k*pi/16) and 256/sqrt(2), rows then columns.
const W1 = 2841;
const W2 = 2676;
const W3 = 2408;
const W5 = 1609;
const W6 = 1108;
const W7 = 565;
const R2 = 181;

function idctGo119(s: Int32Array): void {
  for (let o = 0; o < 64; o += 8) {
    let ac = 0;
    for (let k = o + 1; k < o + 8; k++) ac |= s[k] as number;
    if (ac === 0) {
      s.fill((s[o] as number) << 3, o, o + 8);
      continue;
    }
    let x0 = (((s[o] as number) << 11) + 128) | 0;
    let x1 = (s[o + 4] as number) << 11;
    let x2 = s[o + 6] as number;
    let x3 = s[o + 2] as number;
    let x4 = s[o + 1] as number;
    let x5 = s[o + 7] as number;
    let x6 = s[o + 5] as number;
    let x7 = s[o + 3] as number;
    let x8 = Math.imul(W7, x4 + x5);
    x4 = (x8 + Math.imul(W1 - W7, x4)) | 0;
    x5 = (x8 - Math.imul(W1 + W7, x5)) | 0;
    x8 = Math.imul(W3, x6 + x7);
    x6 = (x8 - Math.imul(W3 - W5, x6)) | 0;
    x7 = (x8 - Math.imul(W3 + W5, x7)) | 0;
    x8 = (x0 + x1) | 0;
    x0 = (x0 - x1) | 0;
    x1 = Math.imul(W6, x3 + x2);
    x2 = (x1 - Math.imul(W2 + W6, x2)) | 0;
    x3 = (x1 + Math.imul(W2 - W6, x3)) | 0;
    x1 = (x4 + x6) | 0;
    x4 = (x4 - x6) | 0;
    x6 = (x5 + x7) | 0;
    x5 = (x5 - x7) | 0;
    x7 = (x8 + x3) | 0;
    x8 = (x8 - x3) | 0;
    x3 = (x0 + x2) | 0;
    x0 = (x0 - x2) | 0;
    x2 = (Math.imul(R2, x4 + x5) + 128) >> 8;
    x4 = (Math.imul(R2, x4 - x5) + 128) >> 8;
    s[o] = (x7 + x1) >> 8;
    s[o + 1] = (x3 + x2) >> 8;
    s[o + 2] = (x0 + x4) >> 8;
    s[o + 3] = (x8 + x6) >> 8;
    s[o + 4] = (x8 - x6) >> 8;
    s[o + 5] = (x0 - x4) >> 8;
    s[o + 6] = (x3 - x2) >> 8;
    s[o + 7] = (x7 - x1) >> 8;
  }
  for (let x = 0; x < 8; x++) {
    let y0 = (((s[x] as number) << 8) + 8192) | 0;
    let y1 = (s[x + 32] as number) << 8;
    let y2 = s[x + 48] as number;
    let y3 = s[x + 16] as number;
    let y4 = s[x + 8] as number;
    let y5 = s[x + 56] as number;
    let y6 = s[x + 40] as number;
    let y7 = s[x + 24] as number;
    let y8 = (Math.imul(W7, y4 + y5) + 4) | 0;
    y4 = (y8 + Math.imul(W1 - W7, y4)) >> 3;
    y5 = (y8 - Math.imul(W1 + W7, y5)) >> 3;
    y8 = (Math.imul(W3, y6 + y7) + 4) | 0;
    y6 = (y8 - Math.imul(W3 - W5, y6)) >> 3;
    y7 = (y8 - Math.imul(W3 + W5, y7)) >> 3;
    y8 = (y0 + y1) | 0;
    y0 = (y0 - y1) | 0;
    y1 = (Math.imul(W6, y3 + y2) + 4) | 0;
    y2 = (y1 - Math.imul(W2 + W6, y2)) >> 3;
    y3 = (y1 + Math.imul(W2 - W6, y3)) >> 3;
    y1 = (y4 + y6) | 0;
    y4 = (y4 - y6) | 0;
    y6 = (y5 + y7) | 0;
    y5 = (y5 - y7) | 0;
    y7 = (y8 + y3) | 0;
    y8 = (y8 - y3) | 0;
    y3 = (y0 + y2) | 0;
    y0 = (y0 - y2) | 0;
    y2 = (Math.imul(R2, y4 + y5) + 128) >> 8;
    y4 = (Math.imul(R2, y4 - y5) + 128) >> 8;
    s[x] = (y7 + y1) >> 14;
    s[x + 8] = (y3 + y2) >> 14;
    s[x + 16] = (y0 + y4) >> 14;
    s[x + 24] = (y8 + y6) >> 14;
    s[x + 32] = (y8 - y6) >> 14;
    s[x + 40] = (y0 - y4) >> 14;
    s[x + 48] = (y3 - y2) >> 14;
    s[x + 56] = (y7 - y1) >> 14;
  }
}

// Go 1.26 dct.go (Loeffler, Lightenberg and Moschytz's 11-multiply 1-D DCT run backward): the
// constants are floor(0.5 + x * 2**60) rounded to `bits` bits, as dct.go's c(x, bits) does.
const fix = (x: bigint, bits: number): number =>
  Number((x + (1n << BigInt(59 - bits))) >> BigInt(60 - bits));
const COS1 = 1130768441178740757n;
const SIN1 = 224923827593068887n;
const COS3 = 958619196450722178n;
const SIN3 = 640528868967736374n;
const SQRT2INV = 815238614083298888n;
const SQRT2INV_COS6 = 311978311033955632n;
const SQRT2INV_SIN6 = 753182269664427492n;
const C6R = fix(SQRT2INV_COS6, 18);
const S6R = -fix(SQRT2INV_SIN6, 18);
const INV8 = fix(SQRT2INV, 8);
const C3 = fix(COS3, 12);
const S3 = -fix(SIN3, 12);
const C1 = fix(COS1, 12);
const S1 = -fix(SIN1, 12);
const C6C = fix(SQRT2INV_COS6, 12);
const S6C = -fix(SQRT2INV_SIN6, 12);
const INV14 = fix(SQRT2INV, 14);

// dctBox(x0, x1, kcos, ksin): ksum = kcos*(x0+x1); y0 = ksum + (ksin-kcos)*x1;
// y1 = ksum - (kcos+ksin)*x0, all in wrapping int32.
function idctGo126(b: Int32Array): void {
  for (let o = 0; o < 64; o += 8) {
    let x0 = (b[o] as number) << 17;
    let x7 = b[o + 1] as number;
    let x2 = b[o + 2] as number;
    let x5 = b[o + 3] as number;
    let x1 = (b[o + 4] as number) << 17;
    let x6 = b[o + 5] as number;
    let x3 = b[o + 6] as number;
    let x4 = b[o + 7] as number;
    let t = x0;
    x0 = (t + x1) | 0;
    x1 = (t - x1) | 0;
    let k = Math.imul(C6R, x2 + x3);
    t = (k + Math.imul(S6R - C6R, x3)) | 0;
    x3 = (k - Math.imul(C6R + S6R, x2)) | 0;
    x2 = t;
    t = x1;
    x1 = (t + x2) | 0;
    x2 = (t - x2) | 0;
    t = x0;
    x0 = (t + x3) | 0;
    x3 = (t - x3) | 0;
    x4 <<= 7;
    x7 <<= 7;
    t = x7;
    x7 = (t + x4) | 0;
    x4 = (t - x4) | 0;
    x6 = Math.imul(x6, INV8);
    x5 = Math.imul(x5, INV8);
    t = x7;
    x7 = (t + x5) | 0;
    x5 = (t - x5) | 0;
    t = x4;
    x4 = (t + x6) | 0;
    x6 = (t - x6) | 0;
    let p = x4 >> 2;
    let q = x7 >> 2;
    k = Math.imul(C3, p + q);
    x4 = (k + Math.imul(S3 - C3, q)) | 0;
    x7 = (k - Math.imul(C3 + S3, p)) | 0;
    p = x5 >> 2;
    q = x6 >> 2;
    k = Math.imul(C1, p + q);
    x5 = (k + Math.imul(S1 - C1, q)) | 0;
    x6 = (k - Math.imul(C1 + S1, p)) | 0;
    b[o] = x0 + x7;
    b[o + 7] = x0 - x7;
    b[o + 1] = x1 + x6;
    b[o + 6] = x1 - x6;
    b[o + 2] = x2 + x5;
    b[o + 5] = x2 - x5;
    b[o + 3] = x3 + x4;
    b[o + 4] = x3 - x4;
  }
  for (let i = 0; i < 8; i++) {
    let x0 = ((b[i] as number) + (1 << 19)) | 0;
    let x7 = b[i + 8] as number;
    let x2 = b[i + 16] as number;
    let x5 = b[i + 24] as number;
    let x1 = b[i + 32] as number;
    let x6 = b[i + 40] as number;
    let x3 = b[i + 48] as number;
    let x4 = b[i + 56] as number;
    let t = x0;
    x0 = (t + x1) >> 2;
    x1 = (t - x1) >> 2;
    let p = x2 >> 13;
    let q = x3 >> 13;
    let k = Math.imul(C6C, p + q);
    x2 = (k + Math.imul(S6C - C6C, q)) | 0;
    x3 = (k - Math.imul(C6C + S6C, p)) | 0;
    t = x1;
    x1 = (t + x2) | 0;
    x2 = (t - x2) | 0;
    t = x0;
    x0 = (t + x3) | 0;
    x3 = (t - x3) | 0;
    t = x7;
    x7 = (t + x4) | 0;
    x4 = (t - x4) | 0;
    x5 = Math.imul(x5 >> 13, INV14);
    x6 = Math.imul(x6 >> 13, INV14);
    t = x7;
    x7 = (t + x5) | 0;
    x5 = (t - x5) | 0;
    t = x4;
    x4 = (t + x6) | 0;
    x6 = (t - x6) | 0;
    p = x4 >> 14;
    q = x7 >> 14;
    k = Math.imul(C3, p + q);
    x4 = (k + Math.imul(S3 - C3, q)) | 0;
    x7 = (k - Math.imul(C3 + S3, p)) | 0;
    p = x5 >> 14;
    q = x6 >> 14;
    k = Math.imul(C1, p + q);
    x5 = (k + Math.imul(S1 - C1, q)) | 0;
    x6 = (k - Math.imul(C1 + S1, p)) | 0;
    b[i] = (x0 + x7) >> 18;
    b[i + 56] = (x0 - x7) >> 18;
    b[i + 8] = (x1 + x6) >> 18;
    b[i + 48] = (x1 - x6) >> 18;
    b[i + 16] = (x2 + x5) >> 18;
    b[i + 40] = (x2 - x5) >> 18;
    b[i + 24] = (x3 + x4) >> 18;
    b[i + 32] = (x3 - x4) >> 18;
  }
}

/** One sample plane as Go allocates it (whole MCUs, zero-filled). */
interface Plane {
  pix: Uint8Array;
  stride: number;
}

/** Go's makeImg and reconstructBlock: dequantise, IDCT, level-shift and clip into the planes. */
class GoPlanes implements BlockSink {
  frame: JpegFrame | null = null;
  planes: Plane[] = [];
  /** Chroma subsampling as Go's image.YCbCrSubsampleRatio: horizontal and vertical divisors. */
  hRatio = 1;
  vRatio = 1;

  constructor(readonly idct: Idct) {}

  begin(frame: JpegFrame): void {
    this.frame = frame;
    const [c0, c1, , c3] = frame.components;
    if (c0 === undefined) return;
    const plane = (width: number, height: number): Plane => ({
      pix: new Uint8Array(width * height),
      stride: width,
    });
    const w = 8 * c0.h * frame.mcusX;
    const h = 8 * c0.v * frame.mcusY;
    if (c1 === undefined) {
      this.planes = [plane(w, h)];
      return;
    }
    this.hRatio = c0.h / c1.h;
    this.vRatio = c0.v / c1.v;
    const chroma = plane(Math.ceil(w / this.hRatio), Math.ceil(h / this.vRatio));
    const other = plane(chroma.stride, chroma.pix.length / chroma.stride);
    this.planes = [plane(w, h), chroma, other];
    if (c3 !== undefined) this.planes.push(plane(8 * c3.h * frame.mcusX, 8 * c3.v * frame.mcusY));
  }

  block(component: number, bx: number, by: number, b: Int32Array): void {
    const frame = this.frame as JpegFrame;
    const q = ((frame.components[component] as { tq: number }).tq as number) * 64;
    const quant = frame.quant;
    for (let zig = 0; zig < 64; zig++) {
      const u = UNZIG[zig] as number;
      b[u] = Math.imul(b[u] as number, quant[q + zig] as number);
    }
    this.idct(b);
    const { pix, stride } = this.planes[component] as Plane;
    let row = 8 * (by * stride + bx);
    for (let y = 0; y < 64; y += 8, row += stride) {
      for (let x = 0; x < 8; x++) {
        const c = (b[y + x] as number) + 128;
        pix[row + x] = c < 0 ? 0 : Math.min(c, 255);
      }
    }
  }
}

/** image/color's YCbCrToRGB (the same arithmetic as imageutil.DrawYCbCr) into rgba at i. */
function ycbcrToRgb(rgba: Uint8Array, i: number, y: number, cb: number, cr: number): void {
  const yy = y * 0x10101;
  const cb1 = cb - 128;
  const cr1 = cr - 128;
  const r = yy + 91881 * cr1;
  const g = yy - 22554 * cb1 - 46802 * cr1;
  const b = yy + 116130 * cb1;
  rgba[i] = (r & 0xff000000) === 0 ? r >> 16 : ~(r >> 31);
  rgba[i + 1] = (g & 0xff000000) === 0 ? g >> 16 : ~(g >> 31);
  rgba[i + 2] = (b & 0xff000000) === 0 ? b >> 16 : ~(b >> 31);
  rgba[i + 3] = 255;
}

/** image/color's CMYKToRGB, as draw's drawCMYK applies it, into rgba at i. */
function cmykToRgb(rgba: Uint8Array, i: number, c: number, m: number, y: number, k: number) {
  const w = 0xffff - k * 0x101;
  rgba[i] = Math.floor(((0xffff - c * 0x101) * w) / 0xffff) >> 8;
  rgba[i + 1] = Math.floor(((0xffff - m * 0x101) * w) / 0xffff) >> 8;
  rgba[i + 2] = Math.floor(((0xffff - y * 0x101) * w) / 0xffff) >> 8;
  rgba[i + 3] = 255;
}

/** The RGBA Go's draw produces from the decoded planes, or Go's error. */
function toRgba(planes: GoPlanes, frame: JpegFrame): Uint8Array | string {
  const { width, height } = frame;
  const rgba = new Uint8Array(width * height * 4);
  const [Y, Cb, Cr, K] = planes.planes as [Plane, Plane?, Plane?, Plane?];
  if (Cb === undefined || Cr === undefined) {
    for (let y = 0, i = 0; y < height; y++) {
      const row = y * Y.stride;
      for (let x = 0; x < width; x++, i += 4) {
        const p = Y.pix[row + x] as number;
        rgba[i] = p;
        rgba[i + 1] = p;
        rgba[i + 2] = p;
        rgba[i + 3] = 255;
      }
    }
    return rgba;
  }
  const hShift = planes.hRatio === 4 ? 2 : planes.hRatio === 2 ? 1 : 0;
  const vShift = planes.vRatio === 2 ? 1 : 0;
  const jfif = frame.jfif;
  const adobe = frame.adobeTransform;
  const ids = frame.components.map((c) => c.id);
  if (K !== undefined) {
    if (adobe < 0) {
      return "unsupported JPEG feature: unknown color model: 4-component JPEG doesn't have Adobe APP14 metadata";
    }
    for (let y = 0, i = 0; y < height; y++) {
      const yRow = y * Y.stride;
      const cRow = (y >> vShift) * Cb.stride;
      const kRow = y * K.stride;
      for (let x = 0; x < width; x++, i += 4) {
        const ci = cRow + (x >> hShift);
        const k = 255 - (K.pix[kRow + x] as number);
        if (adobe !== 0) {
          // YCbCrK: the YCbCr part to RGB, read back as C, M, Y with K inverted.
          ycbcrToRgb(
            rgba,
            i,
            Y.pix[yRow + x] as number,
            Cb.pix[ci] as number,
            Cr.pix[ci] as number,
          );
          cmykToRgb(rgba, i, rgba[i] as number, rgba[i + 1] as number, rgba[i + 2] as number, k);
        } else {
          const c = 255 - (Y.pix[yRow + x] as number);
          cmykToRgb(rgba, i, c, 255 - (Cb.pix[ci] as number), 255 - (Cr.pix[ci] as number), k);
        }
      }
    }
    return rgba;
  }
  const isRgb = !jfif && (adobe === 0 || (ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42));
  for (let y = 0, i = 0; y < height; y++) {
    const yRow = y * Y.stride;
    const cRow = (y >> vShift) * Cb.stride;
    for (let x = 0; x < width; x++, i += 4) {
      const ci = cRow + (x >> hShift);
      if (isRgb) {
        rgba[i] = Y.pix[yRow + x] as number;
        rgba[i + 1] = Cb.pix[ci] as number;
        rgba[i + 2] = Cr.pix[ci] as number;
        rgba[i + 3] = 255;
      } else {
        ycbcrToRgb(rgba, i, Y.pix[yRow + x] as number, Cb.pix[ci] as number, Cr.pix[ci] as number);
      }
    }
  }
  return rgba;
}

const IDCTS: Record<GoVersion, Idct> = { "1.19": idctGo119, "1.26": idctGo126 };

/** The Go release whose image/jpeg to reproduce: 1.26 (Ollama) or 1.19 (the IDCT before it). */
export type GoVersion = "1.19" | "1.26";

/**
 * Decodes a JPEG as Ollama's Go engine does: image/jpeg's Decode, then drawn onto a white RGBA
 * (opaque, so the source's colours as image/draw converts them). `error` is Go's error text,
 * as image.Decode returns it when only image/jpeg matches the bytes.
 */
export function decodeGoJpeg(
  bytes: Uint8Array,
  go: GoVersion = "1.26",
): { width: number; height: number; rgba: Uint8Array } | { error: string } {
  // image.Decode picks the decoder by the "\xff\xd8" prefix; without it no format matches.
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return { error: "image: unknown format" };
  const planes = new GoPlanes(IDCTS[go]);
  let frame: JpegFrame;
  try {
    frame = decodeJpegCoefficients(bytes, planes);
  } catch (error) {
    if (error instanceof JpegError) return { error: error.message };
    throw error;
  }
  const rgba = toRgba(planes, frame);
  if (typeof rgba === "string") return { error: rgba };
  return { width: frame.width, height: frame.height, rgba };
}
