import { deflateSync } from "node:zlib";
import { pngChunk } from "../../src/image/png.js";
import { rng } from "./random.js";

export interface RawPng {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: 0 | 2 | 3 | 4 | 6;
  /** Unfiltered scanlines, packed as the PNG stores them (no filter bytes). */
  rows: Uint8Array[];
  /** Chunks between IHDR and IDAT, in order: PLTE, tRNS, tEXt ... */
  chunks?: [string, Uint8Array][];
}

/**
 * A PNG of any colour type and bit depth, with chunks sharp does not write (a tRNS colour key,
 * a grey tRNS value, a short palette): the inputs Pillow reads its own way.
 */
export function rawPng({ width, height, bitDepth, colourType, rows, chunks = [] }: RawPng): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const scanlines = Buffer.concat(rows.map((row) => Buffer.concat([Buffer.from([0]), row])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...chunks.map(([type, data]) => pngChunk(type, data)),
    pngChunk("IDAT", deflateSync(scanlines)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** `height` rows of `bytesPerRow` seeded random bytes. */
export function randomRows(bytesPerRow: number, height: number, seed: number): Uint8Array[] {
  const next = rng(seed);
  return Array.from({ length: height }, () =>
    Uint8Array.from({ length: bytesPerRow }, () => Math.floor(next() * 256)),
  );
}

/** Big-endian 16-bit values. */
export function u16(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => {
    out.writeUInt16BE(v, i * 2);
  });
  return out;
}
