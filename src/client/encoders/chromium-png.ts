import { constants, deflateSync } from "node:zlib";
import { PNG_SIGNATURE, pngChunk } from "../../image/png.js";
import { adler32 } from "./zlib-deflate.js";

/** The png crate's StreamWriter cuts the zlib stream into IDAT chunks of this size. */
const IDAT_SIZE = 4096;
const FILTER_UP = 2;

/**
 * 8-bit RGBA as Chromium's `canvas.toDataURL()` writes it. Blink asks Skia's SkPngRustEncoder
 * for kLow compression (chromium/chromium@f24a8e1
 * third_party/blink/renderer/platform/image-encoders/image_encoder.cc), which Skia maps to
 * `Level1WithUpFilter`: every row Up-filtered, deflate level 1 (google/skia@0ca53ad
 * experimental/rust_png/ffi/FFI.rs). The chunks are laid out as the png crate writes them: IHDR,
 * no sBIT, sRGB, gAMA or iCCP, 4 KiB IDATs, a sync flush, then a last IDAT holding only the final
 * empty block and the Adler-32. The deflate stream itself is zlib's, not the Rust backend's
 * (miniz_oxide), so the bytes differ and Chromium's file is larger; the pixels are the same.
 */
export function chromiumPng(rgba: Buffer, width: number, height: number): Buffer {
  const stride = width * 4;
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const out = y * (stride + 1);
    filtered[out] = FILTER_UP;
    for (let i = 0; i < stride; i++) {
      const above = y === 0 ? 0 : (rgba[row - stride + i] as number);
      filtered[out + 1 + i] = ((rgba[row + i] as number) - above) & 0xff;
    }
  }
  const body = deflateSync(filtered, { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
  const end = Buffer.alloc(6);
  end[0] = 0x03; // a final, empty block with fixed codes
  end.writeUInt32BE(adler32(filtered), 2);

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 6; // RGBA: a canvas reads back unpremultiplied, never flagged opaque
  const chunks = [PNG_SIGNATURE, pngChunk("IHDR", header)];
  for (let i = 0; i < body.length; i += IDAT_SIZE) {
    chunks.push(pngChunk("IDAT", body.subarray(i, i + IDAT_SIZE)));
  }
  chunks.push(pngChunk("IDAT", end), pngChunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(chunks);
}
