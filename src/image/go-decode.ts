import type { ServerPixels, ServerRefusal } from "../server/types.js";
import { decodeGoJpeg, type GoVersion } from "./go-jpeg.js";
import { loadSharp } from "./sharp.js";
import { readTiffLayout } from "./tiff.js";

/**
 * Go's `image.Decode` with the formats Ollama's Go engine registers (model/model.go imports
 * image/jpeg, image/png and golang.org/x/image bmp, tiff and webp; nothing registers GIF), then
 * model/imageproc `Composite`: `draw.Draw` of white onto a new `*image.RGBA` with `draw.Src`,
 * then the image with `draw.Over` (Go's image/draw, read in Go 1.19 and unchanged in the
 * paths used here since). Every source type ends in the same 16-bit arithmetic onto opaque
 * white: `(0xffff - a + c) >> 8`, with `c` the premultiplied 16-bit colour Go's colour model
 * gives (`drawNRGBAOver` for 8-bit NRGBA and the generic `RGBA64At` path for NRGBA64, Gray16,
 * RGBA64 and Paletted agree on it). EXIF orientation and ICC profiles are never read.
 */

/** `image.RegisterFormat` magic strings, `?` matching any byte (image/format.go `match`). */
const MAGIC: [format: GoFormat, magic: string][] = [
  ["jpeg", "\xff\xd8"],
  ["png", "\x89PNG\r\n\x1a\n"],
  ["bmp", "BM????\x00\x00\x00\x00"],
  ["tiff", "MM\x00\x2a"],
  ["tiff", "II\x2a\x00"],
  ["webp", "RIFF????WEBPVP8"],
];

type GoFormat = "jpeg" | "png" | "bmp" | "tiff" | "webp";

function sniff(bytes: Uint8Array): GoFormat | undefined {
  const found = MAGIC.find(
    ([, magic]) =>
      bytes.length >= magic.length &&
      [...magic].every((c, i) => c === "?" || bytes[i] === c.charCodeAt(0)),
  );
  return found?.[0];
}

/**
 * Straight (non-premultiplied) samples, 1 to 4 channels of 8 or 16 bits, or premultiplied
 * RGBA (a TIFF with associated alpha decodes to Go's `*image.RGBA` / `*image.RGBA64`).
 */
interface Samples {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint16Array;
  premultiplied: boolean;
}

/** `draw.Draw(white RGBA, img, Over)` for every pixel, as 8-bit RGB. */
function compositeOnWhite({ width, height, channels, data, premultiplied }: Samples): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const wide = data instanceof Uint16Array;
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0, s = 0, d = 0; i < width * height; i++, s += channels, d += 3) {
    const alpha = hasAlpha ? (data[s + channels - 1] as number) : wide ? 0xffff : 0xff;
    const a = wide ? alpha : alpha * 0x101;
    for (let c = 0; c < 3; c++) {
      const v = data[s + (channels < 3 ? 0 : c)] as number;
      const v16 = wide ? v : v * 0x101;
      const premul = premultiplied ? v16 : Math.floor((v16 * a) / 0xffff);
      out[d + c] = (0xffff - a + premul) >> 8;
    }
  }
  return out;
}

/**
 * PNG, TIFF and WebP through libvips at their stored depth: for PNG and lossless WebP these are
 * the samples Go's decoders produce (tRNS becomes alpha in both; 1, 2 and 4-bit grey scale by
 * replication in both). Lossy WebP is not: libwebp upsamples chroma smoothly and converts with
 * its own fixed point, where Go's x/image/vp8 gives 4:2:0 planes that image/draw converts with
 * nearest chroma.
 */
async function viaLibvips(bytes: Uint8Array, format: GoFormat): Promise<Samples | ServerRefusal> {
  const refusal = format === "tiff" ? goTiffRefusal(bytes) : undefined;
  if (refusal !== undefined) return refusal;
  const sharp = await loadSharp();
  const open = () =>
    sharp(bytes, { failOn: "error", limitInputPixels: false, autoOrient: false, ignoreIcc: true });
  try {
    const meta = await open().metadata();
    const grey = meta.channels !== undefined && meta.channels < 3;
    const wide = meta.depth === "ushort";
    const pipeline = wide ? open().toColourspace(grey ? "grey16" : "rgb16") : open();
    const { data, info } = await pipeline
      .raw(wide ? { depth: "ushort" } : {})
      .toBuffer({ resolveWithObject: true });
    const samples = wide
      ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length))
      : new Uint8Array(data);
    const layout = format === "tiff" ? readTiffLayout(bytes) : undefined;
    return {
      width: info.width,
      height: info.height,
      channels: info.channels,
      data: samples,
      premultiplied: layout?.extraSamples[0] === 1,
    };
  } catch (error) {
    return { error: `${format}: ${(error as Error).message.split("\n")[0]}` };
  }
}

const TIFF_COMPRESSIONS = [0, 1, 3, 4, 5, 8, 32773, 32946];

/**
 * The layouts golang.org/x/image/tiff v0.22.0 (reader.go newDecoder, Decode) refuses, in its
 * words: 1, 8 or 16 bits; RGB with 3 samples or 4 with associated or unassociated alpha; grey
 * or palette with 1 sample; no JPEG, CCITT RLE or other compression.
 */
function goTiffRefusal(bytes: Uint8Array): ServerRefusal | undefined {
  const layout = readTiffLayout(bytes);
  if (layout === undefined) return undefined;
  const { bitsPerSample: bpp, samplesPerPixel: spp, photometric = 0, compression } = layout;
  const unsupported = (what: string) => ({ error: `tiff: unsupported feature: ${what}` });
  const invalid = (what: string) => ({ error: `tiff: invalid format: ${what}` });
  if (bpp === 0) return invalid("BitsPerSample must not be 0");
  if (bpp !== 1 && bpp !== 8 && bpp !== 16) return unsupported(`BitsPerSample of ${bpp}`);
  if (photometric === 2) {
    const alpha = layout.extraSamples[0];
    if (spp !== 3 && !(spp === 4 && (alpha === 1 || alpha === 2))) {
      return invalid("wrong number of samples for RGB");
    }
  } else if (photometric > 3) {
    return unsupported("color model");
  } else if (spp !== 1) {
    return unsupported("extra samples");
  }
  if (!TIFF_COMPRESSIONS.includes(compression))
    return unsupported(`compression value ${compression}`);
  return undefined;
}

const BMP_UNSUPPORTED = "bmp: unsupported BMP image";

/** The bytes a short `io.ReadFull` leaves: Go's "EOF" when none were read. */
function shortRead(available: number): ServerRefusal {
  return { error: available <= 0 ? "EOF" : "unexpected EOF" };
}

/**
 * golang.org/x/image/bmp at v0.22.0 (reader.go): BITMAPINFOHEADER, V4 or V5; 1 plane; 8-bit
 * paletted (up to 256 colours since a5392f0; v0.5.0 wanted exactly 256), 24-bit, or 32-bit
 * (alpha kept only with a V4/V5 header, as NRGBA); no compression except BI_BITFIELDS with the
 * default masks; pixel data exactly after the header and palette.
 */
function decodeBmp(b: Uint8Array): Samples | ServerRefusal {
  if (b.length < 18) return { error: "unexpected EOF" };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const offset = u32(10);
  const infoLen = u32(14);
  if (infoLen !== 40 && infoLen !== 108 && infoLen !== 124) return { error: BMP_UNSUPPORTED };
  if (b.length < 14 + infoLen) return { error: "unexpected EOF" };
  const width = view.getInt32(18, true);
  let height = view.getInt32(22, true);
  const topDown = height < 0;
  if (topDown) height = -height;
  if (width < 0 || height < 0) return { error: BMP_UNSUPPORTED };
  const planes = u16(26);
  const bpp = u16(28);
  let compression = u32(30);
  if (
    compression === 3 &&
    infoLen > 40 &&
    u32(54) === 0xff0000 &&
    u32(58) === 0xff00 &&
    u32(62) === 0xff &&
    u32(66) === 0xff000000
  ) {
    compression = 0;
  }
  if (planes !== 1 || compression !== 0) return { error: BMP_UNSUPPORTED };
  let at = 14 + infoLen;
  let palette: Uint8Array | undefined;
  if (bpp === 8) {
    let colorUsed = u32(46);
    if (colorUsed === 0) colorUsed = 256;
    else if (colorUsed > 256) return { error: BMP_UNSUPPORTED };
    if (offset !== at + colorUsed * 4) return { error: BMP_UNSUPPORTED };
    if (b.length < at + colorUsed * 4) return shortRead(b.length - at);
    palette = b.subarray(at, at + colorUsed * 4);
    at += colorUsed * 4;
  } else if (bpp === 24 || bpp === 32) {
    if (offset !== at) return { error: BMP_UNSUPPORTED };
  } else {
    return { error: BMP_UNSUPPORTED };
  }
  const allowAlpha = bpp === 32 && infoLen > 40;
  const out = new Uint8Array(width * height * 4);
  const rowBytes = bpp === 8 ? width : bpp === 24 ? (3 * width + 3) & ~3 : 4 * width;
  // decodePaletted reads the row, then its padding separately.
  const stride = bpp === 8 ? (width + 3) & ~3 : rowBytes;
  for (let r = 0; r < height && width > 0; r++) {
    const y = topDown ? r : height - 1 - r;
    if (b.length < at + rowBytes) return shortRead(b.length - at);
    if (b.length < at + stride) return shortRead(b.length - at - rowBytes);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (palette !== undefined) {
        const index = b[at + x] as number;
        if (index * 4 >= palette.length) {
          return {
            error: `runtime error: index out of range [${index}] with length ${palette.length / 4}`,
          };
        }
        out.set([...palette.subarray(index * 4, index * 4 + 3)].reverse(), o);
        out[o + 3] = 255;
      } else {
        const p = at + x * (bpp / 8);
        out.set([...b.subarray(p, p + 3)].reverse(), o);
        out[o + 3] = allowAlpha ? (b[p + 3] as number) : 255;
      }
    }
    at += stride;
  }
  return { width, height, channels: 4, data: out, premultiplied: false };
}

/**
 * Go's decode and composite onto white: the 8-bit RGB Ollama's Go engine resizes, or Go's
 * error (`image: unknown format` for GIF and anything else not registered). `go` picks the
 * image/jpeg IDCT: Ollama was built with Go 1.26; 1.19 is Debian's.
 */
export async function goDecode(
  bytes: Uint8Array,
  go: GoVersion = "1.26",
): Promise<ServerPixels | ServerRefusal> {
  const format = sniff(bytes);
  if (format === undefined) return { error: "image: unknown format" };
  if (format === "jpeg") {
    const decoded = decodeGoJpeg(bytes, go);
    if ("error" in decoded) return decoded;
    const { width, height, rgba } = decoded;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    return { width, height, rgb };
  }
  const samples = format === "bmp" ? decodeBmp(bytes) : await viaLibvips(bytes, format);
  if ("error" in samples) return samples;
  return { width: samples.width, height: samples.height, rgb: compositeOnWhite(samples) };
}
