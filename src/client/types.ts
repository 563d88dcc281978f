import type { DecodedImage } from "../image/decode.js";
import type { JpegSettings, Payload } from "../payload/types.js";

/** What a client path is given: the source as decoded, and the bytes and name it came from. */
export interface ClientInput {
  image: DecodedImage;
  /** The source's bytes as read (a file's contents, a URL's body, a data URI's payload). */
  bytes: Buffer;
  /**
   * The file name or URL path the source came from, for clients that guess a MIME type from
   * its extension; undefined for stdin and data URIs.
   */
  name?: string | undefined;
  /** The `pillow` path's JPEG settings (--quality, --subsampling); other paths ignore them. */
  jpeg?: JpegSettings | undefined;
}

/**
 * What became of transparency: the source had none; it was kept; it was dropped and the colour
 * stored under it shows (Pillow's convert("RGB"), OpenCV); or it was blended onto black
 * (a canvas's JPEG) or white (vLLM).
 */
export type AlphaHandling = "none" | "kept" | "stored-colour" | "black" | "white";

/** An EXIF orientation other than 1: applied to the pixels, or lost (ignored and dropped). */
export type OrientationHandling = "none" | "applied" | "lost" | "kept";

/** An embedded ICC profile: carried into the payload, dropped, or applied (converted to sRGB). */
export type IccHandling = "none" | "kept" | "dropped" | "converted";

/** What a client path did to the image, as data. */
export interface ClientSteps {
  format: "jpeg" | "png" | "webp" | "original";
  /** JPEG and lossy WebP. */
  quality?: number;
  /** JPEG only. */
  subsampling?: JpegSettings["subsampling"];
  /** JPEG only: libjpeg's standard tables, or tables optimised for this image. */
  huffman?: "standard" | "optimized";
  lossless?: boolean;
  alpha: AlphaHandling;
  orientation: OrientationHandling;
  icc: IccHandling;
  /** Where the path changes the size (VLMEvalKit's upscale, a thumbnail); absent: same size. */
  resize?: { width: number; height: number; filter: string };
  /** Anything else a reader needs, one short clause each ("16-bit samples cut to 8 bits"). */
  notes: string[];
}

/** The payload a client path sends, and how it writes it. */
export interface ClientPayload extends Payload {
  client: ClientName;
  steps: ClientSteps;
  /**
   * What comes before the base64 text as this client writes it: "data:image/png;base64,", a
   * wrong or missing media type ("data:None;base64,", "data:image;base64,"), or "" when it
   * sends bare base64.
   */
  sentPrefix: string;
}

/** One way a program turns an image into the bytes it sends to a model. */
export interface ClientPath {
  name: ClientName;
  /** One line: the call this path reproduces. */
  description: string;
  /** The library and version whose output it reproduces. */
  reproduces: string;
  /** The upstream source it follows: repository, commit, file. */
  source: string;
  encode(input: ClientInput): Promise<ClientPayload>;
}

/**
 * The names are part of the interface (flags, config, JSON). Every name here has a module in
 * src/client/ and an entry in CLIENT_PATHS.
 */
export const CLIENT_NAMES = [
  "pillow",
  "pillow-png",
  "pillow-webp",
  "opencv",
  "canvas-jpeg",
  "canvas-png",
  "gradio",
  "vllm",
  "vllm-legacy",
  "raw",
] as const;

export type ClientName = (typeof CLIENT_NAMES)[number];

/** imgenc's default lossy payload: Pillow's default JPEG. */
export const DEFAULT_CLIENT: ClientName = "pillow";
