import { ImgencError } from "../errors.js";
import { applyOrientation } from "../image/orientation.js";

/** Straight RGBA, width * height * 4 bytes. */
interface RgbaImage {
  rgba: Buffer;
  width: number;
  height: number;
}

import { loadSharp } from "../image/sharp.js";
import { checkEncodable } from "../payload/limits.js";
import type { JpegSettings } from "../payload/types.js";
import { chromiumPng } from "./encoders/chromium-png.js";
import type { ClientInput, ClientPath, ClientSteps } from "./types.js";

/** `toDataURL("image/jpeg")` without a quality: 0.92, and 4:2:0 below 100. */
const CANVAS_JPEG: JpegSettings = { quality: 92, subsampling: "4:2:0" };

const REPRODUCES = "Chromium 156 (Debian 156.0.8078.108)";

/** What sharp decodes and Chromium's <img> also shows; a canvas never receives a TIFF. */
const SHOWN = new Set(["jpeg", "png", "gif", "webp", "avif"]);

/** A canvas over 16384 x 16384 pixels has no backing store: toDataURL returns "data:,". */
const MAX_CANVAS_PIXELS = 16_384 * 16_384;

/**
 * The sRGB profile Skia writes into every canvas JPEG (google/skia@072f9be
 * src/encode/SkJpegEncoderImpl.cpp AppendICC: a canvas snapshot is tagged sRGB), 456 bytes as
 * Skia's SkICC builds it: desc "sRGB", cprt "Google Inc. 2016", parametric curves.
 */
const SKIA_SRGB_ICC = Buffer.from(
  "AAAByAAAAAAEMAAAbW50clJHQiBYWVogB+AAAQABAAAAAAAAYWNzcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAPbW" +
    "AAEAAAAA0y0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJZGVzYwAAAPAAAAAk" +
    "clhZWgAAARQAAAAUZ1hZWgAAASgAAAAUYlhZWgAAATwAAAAUd3RwdAAAAVAAAAAUclRSQwAAAWQAAAAoZ1RSQwAAAWQAAAAo" +
    "YlRSQwAAAWQAAAAoY3BydAAAAYwAAAA8bWx1YwAAAAAAAAABAAAADGVuVVMAAAAIAAAAHABzAFIARwBCWFlaIAAAAAAAAG+i" +
    "AAA49QAAA5BYWVogAAAAAAAAYpkAALeFAAAY2lhZWiAAAAAAAAAkoAAAD4QAALbPWFlaIAAAAAAAAPbWAAEAAAAA0y1wYXJh" +
    "AAAAAAAEAAAAAmZmAADypwAADVkAABPQAAAKWwAAAAAAAAAAbWx1YwAAAAAAAAABAAAADGVuVVMAAAAgAAAAHABHAG8AbwBn" +
    "AGwAZQAgAEkAbgBjAC4AIAAyADAAMQA2",
  "base64",
);

/** libjpeg's default JFIF APP0, which Skia's encoder keeps: JFIF 1.01, no units, 1x1. */
const JFIF_APP0 = Buffer.from([
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00,
]);

/** An APP2 segment holding a whole ICC profile (chunk 1 of 1). */
function iccApp2(profile: Buffer): Buffer {
  const head = Buffer.from("\xff\xe2\0\0ICC_PROFILE\0\x01\x01", "latin1");
  head.writeUInt16BE(2 + 14 + profile.length, 2);
  return Buffer.concat([head, profile]);
}

/** c * a / 255, rounded to nearest: Skia's SkMulDiv255Round. */
function mulDiv255(c: number, a: number): number {
  const t = c * a + 128;
  return (t + (t >> 8)) >> 8;
}

/** libwebp premultiplies its own output (src/dsp/alpha_processing.c): (c * a * 32897) >> 23. */
function webpPremultiply(c: number, a: number): number {
  return Math.floor((c * a * 32_897) / 2 ** 23);
}

const f32 = Math.fround;
const INV_255 = f32(1 / 255);

/**
 * A premultiplied sample read back unpremultiplied, as Skia's raster pipeline does it in float
 * (unpremul scales by 1/a, the store rounds half to even). Exact rounding would differ on 2,886
 * of the 196,608 (colour, alpha) samples where the quotient is a tie or near one.
 */
function unpremultiply(p: number, a: number): number {
  if (a === 0) return 0;
  const v = f32(f32(f32(p * INV_255) * f32(1 / f32(a * INV_255))) * 255);
  const clamped = Math.min(Math.max(v, 0), 255);
  const floor = Math.floor(clamped);
  const rest = clamped - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/**
 * The pixels as Chromium decodes them for an <img>: EXIF orientation applied (CSS
 * `image-orientation: from-image`, the default), an embedded ICC profile converted to sRGB,
 * CMYK without a profile turned to RGB with Blink's own formula.
 */
async function browserDecode({ image, bytes }: ClientInput): Promise<RgbaImage> {
  const { info } = image;
  if (!SHOWN.has(info.format)) {
    throw new ImgencError(
      "decode",
      `Chromium cannot display ${info.format.toUpperCase()} images, so no canvas can draw this one`,
    );
  }
  let rgba = image.rgba;
  if (info.hasIccProfile) rgba = await toSrgb(bytes);
  else if (info.space === "cmyk") rgba = await blinkCmyk(bytes);
  const turned = applyOrientation(rgba, image.width, image.height, 4, info.orientation);
  return { rgba: turned.data, width: turned.width, height: turned.height };
}

/**
 * Chromium converts with skcms; libvips converts with lcms. Measured on fixtures/adobe-rgb.jpg
 * and fixtures/photo-p3.png against Chromium 156: at most 1 level apart, on 4.8% and 2.3% of
 * the samples.
 */
async function toSrgb(bytes: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(bytes, { autoOrient: false, failOn: "warning", limitInputPixels: false })
    .toColourspace("srgb")
    .ensureAlpha(1)
    .raw()
    .toBuffer();
}

/**
 * Blink's JPEG decoder reads CMYK as Adobe's inverted CMYK and computes R = iC * iK / 255 in
 * integers (chromium/chromium@eff455e
 * third_party/blink/renderer/platform/image-decoders/jpeg/jpeg_image_decoder.cc
 * SetPixel<JCS_CMYK>); libvips gives the un-inverted samples.
 */
async function blinkCmyk(bytes: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, {
    ignoreIcc: true,
    autoOrient: false,
    failOn: "warning",
  })
    .pipelineColourspace("cmyk")
    .toColourspace("cmyk")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const out = Buffer.alloc(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const i = p * info.channels;
    const k = 255 - (data[i + 3] as number);
    for (let c = 0; c < 3; c++)
      out[p * 4 + c] = Math.floor(((255 - (data[i + c] as number)) * k) / 255);
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * What `ctx.getImageData()` and `toDataURL()` read from a canvas the image was drawn on at its
 * natural size: the 8-bit canvas stores premultiplied colour (Blink's decoders premultiply,
 * rounding to nearest; libwebp with its own formula), and the readback divides by alpha again.
 * Colour under alpha 0 becomes black; at low alpha it loses precision.
 */
async function canvasReadback(input: ClientInput): Promise<RgbaImage> {
  const decoded = await browserDecode(input);
  const { rgba, width, height } = decoded;
  if (width * height > MAX_CANVAS_PIXELS) {
    throw new ImgencError(
      "cannot-fit",
      `too large for a Chromium canvas (${width}x${height}; at most 16384x16384 pixels in all)`,
    );
  }
  const premultiply = input.image.info.format === "webp" ? webpPremultiply : mulDiv255;
  const out = Buffer.alloc(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] as number;
    if (a === 255) {
      rgba.copy(out, i, i, i + 4);
      continue;
    }
    for (let c = 0; c < 3; c++)
      out[i + c] = unpremultiply(premultiply(rgba[i + c] as number, a), a);
    out[i + 3] = a;
  }
  return { rgba: out, width, height };
}

function canvasSteps(input: ClientInput, format: "jpeg" | "png"): ClientSteps {
  const { info } = input.image;
  const notes: string[] = [];
  if (info.hasAlpha) {
    notes.push(
      format === "jpeg"
        ? "transparent pixels blended onto black (the canvas stores premultiplied colour)"
        : "colour under alpha 0 turned black, colour under low alpha rounded (premultiplied canvas)",
    );
  }
  if (info.bitDepth > 8) notes.push("16-bit samples cut to 8 bits");
  if (info.space === "cmyk" && !info.hasIccProfile) notes.push("CMYK converted without a profile");
  if (info.pages > 1) notes.push("first frame only");
  if (format === "jpeg") notes.push("Skia's sRGB ICC profile attached");
  const orientation = info.orientation;
  return {
    format,
    ...(format === "jpeg" && {
      quality: CANVAS_JPEG.quality,
      subsampling: CANVAS_JPEG.subsampling,
      huffman: "optimized" as const,
    }),
    ...(format === "png" && { lossless: true }),
    alpha: info.hasAlpha ? (format === "jpeg" ? "black" : "kept") : "none",
    orientation: orientation !== undefined && orientation !== 1 ? "applied" : "none",
    icc: info.hasIccProfile ? "converted" : "none",
    notes,
  };
}

/** `canvas.toDataURL("image/jpeg")` after `ctx.drawImage(img, 0, 0)` in Chromium. */
export const canvasJpeg: ClientPath = {
  name: "canvas-jpeg",
  description: 'Browser canvas: drawImage, then toDataURL("image/jpeg"), JPEG q92 4:2:0 on black',
  reproduces: `${REPRODUCES}: Skia's SkJpegEncoder on Debian's libjpeg-turbo 2.1.5`,
  source:
    "chromium/chromium@f24a8e1 third_party/blink/renderer/platform/image-encoders/image_encoder.cc; google/skia@072f9be src/encode/SkJpegEncoderImpl.cpp",
  async encode(input) {
    const { rgba, width, height } = await canvasReadback(input);
    checkEncodable("JPEG", width, height);
    // kBlendOnBlack: Skia premultiplies the unpremultiplied readback again and drops alpha.
    const rgb = Buffer.alloc(width * height * 3);
    for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
      const a = rgba[i + 3] as number;
      for (let c = 0; c < 3; c++) rgb[o + c] = mulDiv255(rgba[i + c] as number, a);
    }
    const sharp = await loadSharp();
    // libjpeg defaults plus optimize_coding = TRUE, as SkJpegEncoderImpl sets them.
    const encoded = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .jpeg({
        quality: CANVAS_JPEG.quality,
        chromaSubsampling: CANVAS_JPEG.subsampling,
        optimiseCoding: true,
        trellisQuantisation: false,
        overshootDeringing: false,
        optimiseScans: false,
        progressive: false,
      })
      .toBuffer();
    const bytes = Buffer.concat([
      encoded.subarray(0, 2),
      JFIF_APP0,
      iccApp2(SKIA_SRGB_ICC),
      withoutAppSegments(encoded.subarray(2)),
    ]);
    return {
      role: "lossy",
      label: `JPEG q${CANVAS_JPEG.quality} ${CANVAS_JPEG.subsampling} (canvas)`,
      mime: "image/jpeg",
      width,
      height,
      bytes,
      jpeg: CANVAS_JPEG,
      client: "canvas-jpeg",
      sentPrefix: "data:image/jpeg;base64,",
      steps: canvasSteps(input, "jpeg"),
    };
  },
};

/** The JPEG after SOI from its first non-APPn marker on (libvips writes none today). */
function withoutAppSegments(jpeg: Buffer): Buffer {
  let at = 0;
  while (
    jpeg[at] === 0xff &&
    (jpeg[at + 1] as number) >= 0xe0 &&
    (jpeg[at + 1] as number) <= 0xef
  ) {
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return jpeg.subarray(at);
}

/** `canvas.toDataURL()` after `ctx.drawImage(img, 0, 0)` in Chromium. */
export const canvasPng: ClientPath = {
  name: "canvas-png",
  description: "Browser canvas: drawImage, then toDataURL(), PNG RGBA 8-bit",
  reproduces: `${REPRODUCES}: Skia's SkPngRustEncoder (pixels; zlib's deflate, not miniz_oxide's)`,
  source:
    "chromium/chromium@f24a8e1 third_party/blink/renderer/platform/image-encoders/image_encoder.cc; google/skia@0ca53ad experimental/rust_png/ffi/FFI.rs",
  async encode(input) {
    const { rgba, width, height } = await canvasReadback(input);
    return {
      role: "lossy",
      label: "PNG (canvas)",
      mime: "image/png",
      width,
      height,
      bytes: chromiumPng(rgba, width, height),
      client: "canvas-png",
      sentPrefix: "data:image/png;base64,",
      steps: canvasSteps(input, "png"),
    };
  },
};
