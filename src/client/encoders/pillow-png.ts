import { PNG_SIGNATURE, pngChunk } from "../../image/png.js";
import { Z_FILTERED, ZlibDeflate, zlibCompress } from "./zlib-deflate.js";

/**
 * Pillow 9.4's PNG writer for a mode "RGB" image saved with its defaults (`save(buf, "PNG")`),
 * byte for byte: python-pillow/Pillow@a5bbab1 (9.4.0) src/PIL/PngImagePlugin.py `_save`,
 * src/libImaging/ZipEncode.c and src/PIL/ImageFile.py `_save`.
 */

/** What `_save` takes from `im.info` besides the pixels. */
export interface PillowPngInfo {
  /** `info["icc_profile"]`: written as an iCCP chunk. */
  iccProfile?: Uint8Array | undefined;
  /**
   * `info["transparency"]` of an RGB image: written as a tRNS chunk, each value as 16 bits
   * (a 16-bit source's colour key keeps its 16-bit values in the 8-bit file).
   */
  transparency?: readonly [number, number, number] | undefined;
}

/** ImageFile.MAXBLOCK. */
const MAXBLOCK = 65536;

/** Pillow's distance from zero of a filtered byte: v for v < 128, else 256 - v. */
const COST = Uint8Array.from({ length: 256 }, (_, v) => (v < 128 ? v : 256 - v));

/** Scratch rows for one image: the candidates Pillow computes for each row. */
export interface FilterBuffers {
  up: Uint8Array;
  sub: Uint8Array;
  paeth: Uint8Array;
}

/**
 * Pillow's own filter choice for one row (ZipEncode.c, not libpng's): None, then Up, then Sub,
 * then Paeth (Average only with optimize=True), each replacing the best so far only when its sum
 * of COST is strictly smaller, and no further candidate tried once a sum is 0. `prev` is zeros
 * for the first row. Writes the filter type and the filtered bytes to `out`.
 */
export function filterRow(
  row: Uint8Array,
  prev: Uint8Array,
  bpp: number,
  { up, sub, paeth }: FilterBuffers,
  out: Uint8Array,
): void {
  const stride = row.length;
  let best: Uint8Array = row;
  let type = 0;
  let sum = 0;
  for (let i = 0; i < stride; i++) sum += COST[row[i] as number] as number;
  if (sum > 0) {
    let s = 0;
    for (let i = 0; i < stride; i++) {
      const v = ((row[i] as number) - (prev[i] as number)) & 0xff;
      up[i] = v;
      s += COST[v] as number;
    }
    if (s < sum) {
      best = up;
      type = 2;
      sum = s;
    }
  }
  if (sum > 0) {
    let s = 0;
    for (let i = 0; i < stride; i++) {
      const v =
        i < bpp ? (row[i] as number) : ((row[i] as number) - (row[i - bpp] as number)) & 0xff;
      sub[i] = v;
      s += COST[v] as number;
    }
    if (s < sum) {
      best = sub;
      type = 1;
      sum = s;
    }
  }
  if (sum > 0) {
    let s = 0;
    for (let i = 0; i < stride; i++) {
      const b = prev[i] as number;
      let predictor = b;
      if (i >= bpp) {
        const a = row[i - bpp] as number;
        const c = prev[i - bpp] as number;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      const v = ((row[i] as number) - predictor) & 0xff;
      paeth[i] = v;
      s += COST[v] as number;
    }
    if (s < sum) {
      best = paeth;
      type = 4;
    }
  }
  out[0] = type;
  out.set(best, 1);
}

/**
 * The zlib stream of Pillow's IDAT data: each filtered row goes to deflate as its own
 * deflate(Z_NO_FLUSH) call, as ZipEncode.c feeds it, with deflateInit2(level 6
 * (Z_DEFAULT_COMPRESSION), Z_DEFLATED, 15, 9, Z_FILTERED).
 */
function pillowIdatStream(rgb: Uint8Array, width: number, height: number): Buffer {
  const bpp = 3;
  const stride = width * bpp;
  const buffers: FilterBuffers = {
    up: new Uint8Array(stride),
    sub: new Uint8Array(stride),
    paeth: new Uint8Array(stride),
  };
  const zlib = new ZlibDeflate({ level: 6, memLevel: 9, strategy: Z_FILTERED });
  const filtered = new Uint8Array(stride + 1);
  let prev: Uint8Array = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * stride, (y + 1) * stride);
    filterRow(row, prev, bpp, buffers, filtered);
    zlib.write(filtered);
    prev = row;
  }
  return zlib.finish();
}

/**
 * The PNG Pillow 9.4 writes for `im.save(buf, "PNG")` when `im` is mode "RGB": IHDR, [iCCP],
 * [tRNS], IDAT..., IEND. `rgb` holds width * height * 3 bytes.
 */
export function pillowPng(
  rgb: Uint8Array,
  width: number,
  height: number,
  info: PillowPngInfo = {},
): Buffer {
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`${rgb.length} bytes are not ${width}x${height} RGB pixels`);
  }
  const parts: Buffer[] = [PNG_SIGNATURE];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 2 (truecolour); compression, filter, interlace 0
  ihdr[9] = 2;
  parts.push(pngChunk("IHDR", ihdr));
  if (info.iccProfile !== undefined && info.iccProfile.length > 0) {
    // b"ICC Profile" + b"\0\0" + zlib.compress(icc), at Python's default level 6.
    const name = Buffer.from("ICC Profile\0\0", "latin1");
    parts.push(pngChunk("iCCP", Buffer.concat([name, zlibCompress(info.iccProfile)])));
  }
  if (info.transparency !== undefined) {
    const trns = Buffer.alloc(6);
    info.transparency.forEach((v, i) => {
      trns.writeUInt16BE(v, i * 2);
    });
    parts.push(pngChunk("tRNS", trns));
  }
  const stream = pillowIdatStream(rgb, width, height);
  // ImageFile._save: the encoder fills blocks of max(MAXBLOCK, width * 4) bytes, and each block
  // becomes its own IDAT chunk.
  const block = Math.max(MAXBLOCK, width * 4);
  for (let at = 0; at < stream.length; at += block) {
    parts.push(pngChunk("IDAT", stream.subarray(at, at + block)));
  }
  parts.push(pngChunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}
