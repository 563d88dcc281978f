import type { SharpOptions } from "sharp";
import { ImgencError } from "../errors.js";
import { dropAlpha } from "./channels.js";
import type { DecodedImage } from "./decode.js";
import { applyOrientation } from "./orientation.js";
import { loadSharp } from "./sharp.js";
import { readTiffLayout, type TiffLayout } from "./tiff.js";

/**
 * `cv2.imread(path)` with its default flag (IMREAD_COLOR) as Debian's OpenCV 4.6 reads an
 * image: always 8-bit, 3 channels, alpha dropped, ICC profiles ignored. Every rule here was
 * measured against python3-opencv 4.6.0+dfsg (libjpeg-turbo 2.1.5, libpng 1.6.39, libwebp
 * 1.2.4, libtiff 4.5.0). The 4.6.0 tag was not available to read; the opencv/opencv
 * modules/imgcodecs/src versions read agree with the measurements: grfmt_png.cpp @227c2c9
 * (PngDecoder::readData: png_set_strip_16, png_set_strip_alpha, eXIf), grfmt_jpeg.cpp @495f6d9
 * (JpegDecoder::readData: JCS_RGB or raw JCS_CMYK output), utils.cpp @036f721
 * (icvCvt_CMYK2BGR_8u_C4C3R).
 */
export interface ImreadResult {
  /** width * height * 3 bytes, RGB order (OpenCV holds BGR; imencode swaps it back). */
  rgb: Buffer;
  width: number;
  height: number;
  /** An EXIF orientation other than 1: turned upright by imread, or ignored. */
  orientation: "none" | "applied" | "lost";
  /** Alpha dropped with the stored colour showing, or premultiplied (shown on black). */
  alpha: "none" | "stored-colour" | "black";
  notes: string[];
}

/** The formats OpenCV 4.6's imgcodecs reads that imgenc decodes too. */
const READERS = new Set(["jpeg", "png", "webp", "tiff"]);

const FORMAT_NAMES: Record<string, string> = { gif: "GIF", avif: "AVIF", heif: "HEIF" };

/** Opens the source bytes as decode() does: stored values, no orientation, first frame. */
const OPEN: SharpOptions = {
  ignoreIcc: true,
  autoOrient: false,
  failOn: "warning",
  limitInputPixels: false,
};

/**
 * imread returns None for the formats 4.6 has no reader for (GIF, AVIF, HEIF) and for an
 * animated WebP (measured); the program's next call, cv2.imencode(".jpg", None), then raises
 * `!image.empty()`. The refusal names that chain.
 */
function refuse(what: string, why: string, input: string | undefined): ImgencError {
  return new ImgencError(
    "client-unsupported",
    `cv2.imread returns None for ${what} (${why}), so cv2.imencode(".jpg", img) raises on the empty image`,
    input === undefined ? {} : { input },
  );
}

/** A VP8X header with the animation flag: WebPGetFeatures' has_animation. */
function isAnimatedWebp(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 21 &&
    Buffer.from(bytes.subarray(12, 16)).toString("latin1") === "VP8X" &&
    ((bytes[20] as number) & 0x02) !== 0
  );
}

/** Orientation is applied by the readers that fill imread's EXIF: JPEG, PNG (eXIf), TIFF. */
const ORIENTING_READERS = new Set(["jpeg", "png", "tiff"]);

export async function opencvImread(
  image: DecodedImage,
  bytes: Buffer,
  input?: string,
): Promise<ImreadResult> {
  const { info } = image;
  if (!READERS.has(info.format)) {
    const name = FORMAT_NAMES[info.format] ?? info.format.toUpperCase();
    throw refuse(`this ${name} file`, `OpenCV 4.6 has no ${name} reader`, input);
  }
  if (info.format === "webp" && isAnimatedWebp(bytes)) {
    throw refuse("an animated WebP", "OpenCV 4.6 reads still WebP only", input);
  }
  const notes: string[] = [];
  const stored = await storedRgb(image, bytes, notes);
  const alpha = stored.premultiplied ? "black" : info.hasAlpha ? "stored-colour" : "none";
  const turn = info.orientation !== undefined && info.orientation !== 1;
  const applies = turn && ORIENTING_READERS.has(info.format);
  const upright = applyOrientation(
    stored.rgb,
    image.width,
    image.height,
    3,
    applies ? info.orientation : 1,
  );
  return {
    rgb: upright.data,
    width: upright.width,
    height: upright.height,
    orientation: applies ? "applied" : turn ? "lost" : "none",
    alpha,
    notes,
  };
}

interface Stored {
  rgb: Buffer;
  /** libtiff premultiplied the colour by an unassociated alpha. */
  premultiplied: boolean;
}

async function storedRgb(image: DecodedImage, bytes: Buffer, notes: string[]): Promise<Stored> {
  const { info } = image;
  if (info.format === "jpeg" && info.space === "cmyk") {
    notes.push("CMYK converted by OpenCV's own formula, without a profile");
    return { rgb: await cmykToRgb(bytes, jpegCmyk), premultiplied: false };
  }
  if (info.format === "png") {
    if (info.bitDepth === 16) {
      // grfmt_png.cpp: png_set_strip_16 keeps each sample's high byte.
      notes.push("16-bit samples cut to their high byte (libpng's png_set_strip_16)");
      return { rgb: dropAlpha(await rgba16(image, bytes, (v) => v >> 8)), premultiplied: false };
    }
    return { rgb: dropAlpha(image.rgba), premultiplied: false };
  }
  if (info.format === "tiff") return tiffRgb(image, bytes, notes);
  return { rgb: dropAlpha(image.rgba), premultiplied: false };
}

/**
 * OpenCV 4.6 reads 8-bit TIFF output through libtiff's RGBA interface (TIFFReadRGBAStrip /
 * TIFFReadRGBATile), so libtiff's conversions apply: 16-bit RGB scaled by (v + 128) / 257,
 * 16-bit grey cut to its high byte, RGB with an unassociated alpha premultiplied
 * ((c * a + 127) / 255, libtiff's UaToAa table), CMYK as (255 - K) * (255 - C) / 255.
 */
async function tiffRgb(image: DecodedImage, bytes: Buffer, notes: string[]): Promise<Stored> {
  const layout = readTiffLayout(bytes);
  const photometric = layout?.photometric;
  const bits = layout?.bitsPerSample ?? 8;
  const unassociated = layout?.extraSamples[0] === 2;
  if (photometric === 2 && (bits === 8 || bits === 16)) {
    let rgba = image.rgba;
    if (bits === 16) {
      notes.push("16-bit samples scaled to 8 bits by libtiff ((v + 128) / 257)");
      rgba = await rgba16(image, bytes, (v) => Math.floor((v + 128) / 257));
    }
    if (unassociated) {
      notes.push("libtiff premultiplies the colour by its alpha: transparent areas turn black");
      return { rgb: premultiply(rgba), premultiplied: true };
    }
    return { rgb: dropAlpha(rgba), premultiplied: false };
  }
  if (photometric === 1 && bits === 16) {
    notes.push("16-bit samples cut to their high byte (libtiff)");
    return { rgb: dropAlpha(await rgba16(image, bytes, (v) => v >> 8)), premultiplied: false };
  }
  if (photometric === 5 && bits === 8 && layout?.samplesPerPixel === 4) {
    notes.push("CMYK converted by libtiff's own formula, without a profile");
    return { rgb: await cmykToRgb(bytes, tiffCmyk), premultiplied: false };
  }
  if (!isReproducedTiff(layout)) {
    notes.push(
      `libtiff's conversion of this TIFF (photometric ${photometric ?? "?"}, ${bits}-bit) is not reproduced; colours may differ`,
    );
  }
  return { rgb: dropAlpha(image.rgba), premultiplied: false };
}

/** 8-bit black-is-zero grey, 1-bit, palette, and JPEG-compressed YCbCr: libtiff = libvips. */
function isReproducedTiff(layout: TiffLayout | undefined): boolean {
  if (layout === undefined) return false;
  const { photometric, bitsPerSample: bits, compression } = layout;
  return (
    (photometric === 1 && bits <= 8) ||
    (photometric === 3 && bits <= 8) ||
    (photometric === 6 && compression === 7)
  );
}

function premultiply(rgba: Buffer): Buffer {
  const pixels = rgba.length / 4;
  const rgb = Buffer.alloc(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const a = rgba[p * 4 + 3] as number;
    for (let c = 0; c < 3; c++) {
      rgb[p * 3 + c] = Math.floor(((rgba[p * 4 + c] as number) * a + 127) / 255);
    }
  }
  return rgb;
}

interface Samples16 {
  samples: Uint16Array;
  channels: number;
}

/** The stored 16-bit samples (without the colourspace step libvips casts them to 8 bits). */
async function read16(bytes: Buffer, grey: boolean): Promise<Samples16> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, OPEN)
    .toColourspace(grey ? "grey16" : "rgb16")
    .raw({ depth: "ushort" })
    .toBuffer({ resolveWithObject: true });
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return { samples, channels: info.channels };
}

/** 16-bit samples to 8-bit RGBA by `to8` (grey spread to R = G = B; alpha kept). */
async function rgba16(
  image: DecodedImage,
  bytes: Buffer,
  to8: (v: number) => number,
): Promise<Buffer> {
  const { samples, channels } = await read16(bytes, image.info.channels <= 2);
  const pixels = samples.length / channels;
  const grey = channels < 3;
  const rgba = Buffer.alloc(pixels * 4, 255);
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = to8(samples[s + (grey ? 0 : c)] as number);
    if (channels === 2 || channels === 4)
      rgba[p * 4 + 3] = to8(samples[s + channels - 1] as number);
  }
  return rgba;
}

type CmykFormula = (ink: number, nk: number) => number;

/**
 * utils.cpp icvCvt_CMYK2BGR_8u_C4C3R on libjpeg's raw CMYK, which is inverted (Adobe):
 * k' - ((255 - c') * k' >> 8) with c' = 255 - C, k' = 255 - K.
 */
const jpegCmyk: CmykFormula = (ink, nk) => nk - ((ink * nk) >> 8);

/** libtiff's putRGBcontig8bitCMYKtile: (255 - K) * (255 - C) / 255, truncated. */
const tiffCmyk: CmykFormula = (ink, nk) => Math.floor((nk * (255 - ink)) / 255);

/** CMYK as libvips reads it (C, M, Y, K with 0 = no ink), converted channel by channel. */
async function cmykToRgb(bytes: Buffer, formula: CmykFormula): Promise<Buffer> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, OPEN)
    .pipelineColourspace("cmyk")
    .toColourspace("cmyk")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const rgb = Buffer.alloc(pixels * 3);
  for (let p = 0, i = 0; p < pixels; p++, i += info.channels) {
    const nk = 255 - (data[i + 3] as number);
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = formula(data[i + c] as number, nk);
  }
  return rgb;
}
