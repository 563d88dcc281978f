/**
 * What each client path, and a few encoders worth naming, leaves in the bytes it writes: the
 * table `identifyClient` matches a file's facts against. One row per way of writing; a path
 * may have two rows (Chromium's PNG writer changed), and two paths may share one layout (vLLM's
 * older helper writes Pillow's JPEG), in which case both are named.
 */

import type { ClientName } from "./types.js";

/** A fact is a value, a set of values (any may match) or an inclusive numeric range. */
export type FactValue = string | number | boolean | null;
export type Fact = FactValue | { set: string[] } | { range: [number, number] };
export type Facts = Record<string, Fact>;

/** An expectation is a value or a list of acceptable values. */
export type Expected = FactValue | readonly FactValue[];

interface SignatureFields {
  format: "jpeg" | "png" | "webp";
  /** A few words for sentences: 'Pillow: img.convert("RGB").save(buf, "JPEG")'. */
  label: string;
  /** What it writes and where that is written down or measured. */
  why: string;
  expect: Record<string, Expected>;
}

/**
 * A client path (`client` is its `--client` name), or another encoder worth naming (`client`
 * is a descriptive label). `{quality}` in a label or text is filled in from the file.
 */
export type Signature = SignatureFields &
  ({ path: true; client: ClientName } | { path: false; client: string });

/** libjpeg's jpeg_set_defaults: JFIF 1.01, no unit, density 1:1. */
const JFIF_DEFAULT = "1.01, no unit, 1:1";

const LIBJPEG_DEFAULTS = {
  components: 3,
  subsampling: "4:2:0",
  tables: "libjpeg",
  huffman: "standard",
  progressive: false,
  arithmetic: false,
  restartInterval: 0,
  jfif: JFIF_DEFAULT,
  exif: false,
  icc: "none",
  adobe: false,
} as const;

/** Pillow's PNG writer on an RGB image (ZipEncode.c, PngImagePlugin.py @ Pillow 9.4.0). */
const PILLOW_RGB_PNG = {
  colourType: 2,
  bitDepth: 8,
  interlaced: false,
  // iCCP is carried from the source (named "ICC Profile"), and tRNS for a palette source's
  // transparent colour; nothing else.
  ancillary: ["none", "iCCP", "tRNS", "iCCP,tRNS"],
  iccpName: [null, "ICC Profile"],
  zlibLevel: 2,
  zlibWindow: 15,
  idat: "pillow",
  pillowFilters: "match",
} as const;

const LIBWEBP_DEFAULTS = {
  codec: "VP8",
  sns: 50,
  simpleFilter: false,
  sharpness: 0,
  partitions: 1,
} as const;

const PILLOW_WEBP = {
  ...LIBWEBP_DEFAULTS,
  layout: "simple",
  alpha: false,
  icc: "none",
  exif: false,
  quality: 80,
} as const;

export const SIGNATURES: readonly Signature[] = [
  {
    format: "jpeg",
    client: "pillow",
    path: true,
    label: 'Pillow: img.convert("RGB").save(buf, "JPEG")',
    why: 'img.convert("RGB").save(buf, "JPEG") leaves libjpeg\'s defaults: quality 75, 4:2:0, standard Huffman tables, baseline, JFIF 1.01 (no unit, 1:1), no EXIF or ICC (python-pillow/Pillow@a5bbab1 JpegImagePlugin.py _save; checked against Pillow 9.4)',
    expect: { ...LIBJPEG_DEFAULTS, quality: 75 },
  },
  {
    format: "jpeg",
    client: "vllm-legacy",
    path: true,
    label: "vLLM's older encode_image_base64(image), JPEG",
    why: "composites RGBA onto white, then Pillow's default JPEG save: the same header as `pillow`, so the bytes cannot tell the two apart (vllm-project/vllm@01ee07a vllm/multimodal/utils.py)",
    expect: { ...LIBJPEG_DEFAULTS, quality: 75 },
  },
  {
    format: "jpeg",
    client: "opencv",
    path: true,
    label: 'OpenCV: cv2.imencode(".jpg", img)',
    why: "JpegEncoder::write: quality 95, then libjpeg's defaults: 4:2:0, standard Huffman tables, baseline, JFIF 1.01 (no unit, 1:1), no EXIF or ICC (opencv/opencv@495f6d9 modules/imgcodecs/src/grfmt_jpeg.cpp; checked against OpenCV 4.6)",
    expect: { ...LIBJPEG_DEFAULTS, quality: 95, comment: false },
  },
  {
    format: "jpeg",
    client: "canvas-jpeg",
    path: true,
    label: 'a browser canvas: canvas.toDataURL("image/jpeg")',
    why: "Chromium: quality 92, 4:2:0, Huffman tables optimised for the image, JFIF 1.01 (no unit, 1:1) and Skia's sRGB ICC profile in APP2 (Blink image_encoder.cc ComputeJpegQuality, Skia SkJpegEncoderImpl.cpp; measured on Chromium 156)",
    expect: {
      ...LIBJPEG_DEFAULTS,
      quality: 92,
      huffman: "optimised",
      icc: "skia-srgb",
      comment: false,
    },
  },
  {
    format: "jpeg",
    client: "libjpeg defaults at quality {quality}",
    path: false,
    label: "libjpeg at quality {quality} with its other defaults (cjpeg -quality {quality})",
    why: "libjpeg's jpeg_set_defaults with jpeg_set_quality({quality}): what cjpeg -quality {quality} writes (cjpeg's default is 75), and Pillow or OpenCV given that quality",
    expect: { ...LIBJPEG_DEFAULTS, components: [1, 3], subsampling: [null, "4:2:0"] },
  },
  {
    format: "jpeg",
    client: "sharp (libvips) jpeg() defaults",
    path: false,
    label: "sharp(input).jpeg() with its defaults",
    why: "sharp/libvips: quality 80, 4:2:0, optimised Huffman tables, no JFIF APP0 (libvips writes none), metadata stripped (libvips/libvips@29fd120 libvips/foreign/vips2jpeg.c; measured with sharp 0.35)",
    expect: {
      ...LIBJPEG_DEFAULTS,
      quality: 80,
      huffman: "optimised",
      jfif: "none",
      comment: false,
    },
  },
  {
    format: "png",
    client: "pillow-png",
    path: true,
    label: 'Pillow: img.convert("RGB").save(buf, "PNG")',
    why: "zlib level 6 (FLEVEL 2) with a 32 KiB window, Pillow's own filter choice per row, IDAT chunks of max(65536, 4 x width) bytes (python-pillow/Pillow@a5bbab1 src/libImaging/ZipEncode.c, ImageFile.py; checked against Pillow 9.4)",
    expect: PILLOW_RGB_PNG,
  },
  {
    format: "png",
    client: "vllm",
    path: true,
    label: "vLLM's encode_image_url(image), PNG",
    why: "converts to RGB (RGBA onto white), then Pillow's default PNG save: the same layout as `pillow-png` (vllm-project/vllm@030958a vllm/multimodal/media/image.py)",
    expect: PILLOW_RGB_PNG,
  },
  {
    format: "png",
    client: "Pillow PNG in the image's own mode",
    path: false,
    label: 'Pillow: img.save(buf, "PNG") without convert("RGB")',
    why: "Pillow's PNG writer on a grey, grey+alpha or RGBA image: the same zlib settings, filter choice and IDAT chunking as `pillow-png` (python-pillow/Pillow@a5bbab1 src/libImaging/ZipEncode.c; checked against Pillow 9.4)",
    expect: { ...PILLOW_RGB_PNG, colourType: [0, 4, 6], bitDepth: [8, 16] },
  },
  {
    format: "png",
    client: "canvas-png",
    path: true,
    label: "a browser canvas: canvas.toDataURL()",
    why: "Chromium's Rust PNG writer: RGBA 8-bit, every row filtered Up, zlib level 1 (FLEVEL 0), 4096-byte IDAT chunks, no ancillary chunk for an sRGB canvas (google/skia@5658e91 src/encode/SkPngRustEncoderImpl.cpp kLow, rust/png/FFI.rs Level1WithUpFilter; measured on Chromium 156)",
    expect: {
      colourType: 6,
      bitDepth: 8,
      interlaced: false,
      ancillary: "none",
      zlibLevel: 0,
      rowFilter: "Up",
      idat: "png-crate",
    },
  },
  {
    format: "png",
    client: "canvas-png",
    path: true,
    label: "a browser canvas: canvas.toDataURL() (older Chromium)",
    why: "Chromium's libpng writer before the Rust one: every row filtered Sub, zlib level 3 (FLEVEL 1), an sBIT chunk (Blink image_data_buffer.cc @031423d, Skia SkPngEncoderImpl.cpp @048a14a; from the source, not measured here)",
    expect: {
      colourType: 6,
      bitDepth: 8,
      interlaced: false,
      sBIT: true,
      zlibLevel: 1,
      rowFilter: "Sub",
    },
  },
  {
    format: "png",
    client: "OpenCV cv2.imencode('.png')",
    path: false,
    label: 'OpenCV: cv2.imencode(".png", img)',
    why: "libpng with every row filtered Sub, zlib level 1 with the RLE strategy (FLEVEL 0), libpng's 8192-byte IDAT chunks (opencv/opencv@03e46bb modules/imgcodecs/src/grfmt_png.cpp PngEncoder; measured with OpenCV 4.6)",
    expect: {
      colourType: [0, 2, 6],
      interlaced: false,
      ancillary: "none",
      zlibLevel: 0,
      rowFilter: "Sub",
      idat: "libpng",
    },
  },
  {
    format: "png",
    client: "sharp (libvips) png() defaults",
    path: false,
    label: "sharp(input).png() with its defaults",
    why: "libpng with no row filter (adaptiveFiltering false), zlib level 6 (FLEVEL 2), 8192-byte IDAT chunks and a pHYs chunk (measured with sharp 0.35)",
    expect: {
      interlaced: false,
      ancillary: "pHYs",
      zlibLevel: 2,
      rowFilter: "None",
      idat: "libpng",
    },
  },
  {
    format: "webp",
    client: "pillow-webp",
    path: true,
    label: 'Pillow: img.convert("RGB").save(buf, "WEBP")',
    why: "lossy at quality 80 with libwebp's other defaults (sns 50, normal loop filter, one partition), RGB only, no metadata, simple container (python-pillow/Pillow@a5bbab1 WebPImagePlugin.py _save; checked against Pillow 9.4 with libwebp 1.2.4)",
    expect: PILLOW_WEBP,
  },
  {
    format: "webp",
    client: "gradio",
    path: true,
    label: "Gradio: gr.Image() passing an image on (WebP)",
    why: "converts to RGB, then Pillow's default WebP save, passing on the image's EXIF if it has any: otherwise the same bytes layout as `pillow-webp` (gradio-app/gradio@a535e77 gradio/processing_utils.py encode_pil_to_bytes)",
    expect: { ...PILLOW_WEBP, layout: ["simple", "extended"], exif: [false, true] },
  },
  {
    format: "webp",
    client: "a canvas's toDataURL('image/webp')",
    path: false,
    label: 'a browser canvas: canvas.toDataURL("image/webp")',
    why: "Chromium: lossy at quality 80, extended container with Skia's sRGB ICC profile, alpha in an ALPH chunk when any pixel is translucent (Blink image_encoder.cc ComputeWebpOptions; measured on Chromium 156)",
    expect: { ...LIBWEBP_DEFAULTS, layout: "extended", icc: "skia-srgb", quality: 80 },
  },
  {
    format: "webp",
    client: "sharp (libvips) webp() defaults",
    path: false,
    label: "sharp(input).webp() with its defaults",
    why: "lossy at quality 80 with libwebp's defaults, alpha kept in an ALPH chunk, metadata stripped (libvips/libvips@29fd120 libvips/foreign/webpsave.c; measured with sharp 0.35, libwebp 1.6)",
    expect: { ...LIBWEBP_DEFAULTS, icc: "none", exif: false, quality: 80 },
  },
  {
    format: "webp",
    client: "libwebp defaults at quality {quality}",
    path: false,
    label: "libwebp at quality {quality} with its other defaults (cwebp -q {quality})",
    why: "libwebp's WebPConfigInit settings (sns 50, normal loop filter, one partition) at that quality: cwebp -q {quality} (cwebp's default is 75)",
    expect: LIBWEBP_DEFAULTS,
  },
];

/** Always consistent: a client that sends the file as it is shows nothing of its own. */
export const RAW: Signature = {
  format: "jpeg",
  client: "raw",
  path: true,
  label: "any file, its bytes sent unchanged",
  why: "raw sends the original bytes: any file can arrive this way, so the bytes cannot rule it out",
  expect: {},
};
