import type { ClientSteps } from "../client/types.js";
import type { DecodedImage, ImageInfo } from "../image/decode.js";
import { loadSharp } from "../image/sharp.js";
import type { ChromaError } from "../metrics/chroma.js";
import { deltaE } from "../metrics/colour.js";
import { chromaErrorWasm } from "../metrics/pixels-wasm.js";
import { codesInGroup } from "./codes.js";
import { createFinding, fixed } from "./messages.js";
import type { Finding } from "./types.js";

/** Every code these checks can raise; none fires on a clean 8-bit sRGB photo without alpha or EXIF. */
export const PITFALL_CODES = codesInGroup("pitfall");

/** Below this mean CIEDE2000, a profile is treated as sRGB in all but name. */
const ICC_VISIBLE_DELTA_E = 0.5;
/**
 * 4:2:0 is flagged when its chroma error is visible (PSNR under 35 dB) and 4:4:4 at the same
 * quality would keep at least 6 dB more: fine colour detail, not the gentle chroma of photos.
 */
const CHROMA_VISIBLE_DB = 35;
const CHROMA_GAIN_DB = 6;

/** What a path shows where alpha was: the stored colour, or a blend onto black or white. */
type AlphaShown = "stored-colour" | "black" | "white";

function alphaDropped(image: DecodedImage, shows?: AlphaShown): Finding | undefined {
  if (!image.info.hasAlpha) return undefined;
  const { rgba, pillowRgba } = image;
  let count = 0;
  const stored = [0, 0, 0];
  const white = [0, 0, 0];
  const black = [0, 0, 0];
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] as number;
    if (a === 255) continue;
    count++;
    for (let c = 0; c < 3; c++) {
      stored[c] = (stored[c] as number) + (pillowRgba[i + c] as number);
      white[c] = (white[c] as number) + ((rgba[i + c] as number) * a + 255 * (255 - a)) / 255;
      black[c] = (black[c] as number) + ((rgba[i + c] as number) * a) / 255;
    }
  }
  if (count === 0) return undefined;
  const mean = (sums: number[]) => sums.map((s) => s / count) as [number, number, number];
  const [ms, mw, mb] = [mean(stored), mean(white), mean(black)];
  const pixels = image.width * image.height;
  const shown = shows === "black" ? mb : shows === "white" ? mw : ms;
  return createFinding(
    "alpha-dropped",
    {
      pixels: count,
      share: count / pixels,
      storedR: fixed(ms[0], 2),
      storedG: fixed(ms[1], 2),
      storedB: fixed(ms[2], 2),
      whiteR: fixed(mw[0], 2),
      whiteG: fixed(mw[1], 2),
      whiteB: fixed(mw[2], 2),
      ...(shows !== undefined && { shows }),
    },
    { imagePixels: pixels, stored: ms, white: mw, shown },
  );
}

function orientationLost(info: ImageInfo): Finding | undefined {
  const o = info.orientation;
  if (o === undefined || o === 1) return undefined;
  return createFinding("orientation-lost", { orientation: o });
}

function depthReduced(info: ImageInfo, image: DecodedImage): Finding | undefined {
  if (info.bitDepth <= 8) return undefined;
  if (image.pillowRgba === image.rgba || info.space !== "grey16") {
    return createFinding("depth-reduced", { bitDepth: info.bitDepth });
  }
  // Pillow's mode "I" clips at 255 instead of scaling: most of the image turns white.
  let clipped = 0;
  for (let i = 0; i < image.pillowRgba.length; i += 4) if (image.pillowRgba[i] === 255) clipped++;
  const clippedShare = clipped / (image.width * image.height);
  return createFinding("depth-reduced", { bitDepth: info.bitDepth, clippedShare });
}

function framesDropped(info: ImageInfo): Finding | undefined {
  if (info.pages <= 1) return undefined;
  return createFinding("frames-dropped", { frames: info.pages }, { format: info.format });
}

async function cmykConverted(info: ImageInfo, image: DecodedImage): Promise<Finding | undefined> {
  if (info.space !== "cmyk") return undefined;
  const diff = deltaE(image.rgba, image.pillowRgba, image.width, image.height);
  return createFinding("cmyk-converted", {
    meanDeltaE: diff.mean,
    maxDeltaE: diff.max,
    p95DeltaE: diff.p95,
    formula: "CIEDE2000",
  });
}

/** Stored values against the colour-managed rendering: what a viewer sees shift. */
async function iccDropped(
  info: ImageInfo,
  bytes: Buffer,
  image: DecodedImage,
): Promise<Finding | undefined> {
  const profile = info.iccProfile;
  // Measured rather than trusted by name: a profile called "sRGB" can still be linear or wide.
  if (!info.hasIccProfile || info.space === "cmyk") return undefined;
  const sharp = await loadSharp();
  let managed: Buffer;
  try {
    managed = await sharp(bytes, { limitInputPixels: false })
      .toColourspace("srgb")
      .ensureAlpha(1)
      .raw()
      .toBuffer();
  } catch {
    return undefined;
  }
  if (managed.length !== image.rgba.length) return undefined;
  const diff = deltaE(managed, image.rgba, image.width, image.height);
  if (diff.mean < ICC_VISIBLE_DELTA_E) return undefined;
  return createFinding("icc-dropped", {
    profile: profile?.description ?? "an embedded",
    meanDeltaE: diff.mean,
    maxDeltaE: diff.max,
    p95DeltaE: diff.p95,
    formula: "CIEDE2000",
  });
}

function secondGeneration(
  info: ImageInfo,
  jpegQuality: number | null | undefined,
): Finding | undefined {
  if (info.format !== "jpeg") return undefined;
  return createFinding("second-jpeg-generation", { sourceQuality: jpegQuality ?? null });
}

export interface SourcePitfallInput {
  bytes: Buffer;
  image: DecodedImage;
  /** Estimated quality when the source is a JPEG (null for non-standard tables). */
  jpegQuality?: number | null;
}

/**
 * What the source itself can lose, each measured once: one comparison through several client
 * paths picks from these rather than measuring the profile's colour shift again per path.
 */
export interface SourceLosses {
  image: DecodedImage;
  orientation: Finding | undefined;
  icc: Finding | undefined;
  depth: Finding | undefined;
  frames: Finding | undefined;
  cmyk: Finding | undefined;
  secondGeneration: Finding | undefined;
}

export async function sourceLosses(input: SourcePitfallInput): Promise<SourceLosses> {
  const { image } = input;
  const { info } = image;
  return {
    image,
    orientation: orientationLost(info),
    icc: await iccDropped(info, input.bytes, image),
    depth: depthReduced(info, image),
    frames: framesDropped(info),
    cmyk: await cmykConverted(info, image),
    secondGeneration: secondGeneration(info, input.jpegQuality),
  };
}

function present(found: (Finding | undefined)[]): Finding[] {
  return found.filter((f): f is Finding => f !== undefined);
}

/** Losses that follow from the source itself on the Pillow path (compare and inspect). */
export async function sourcePitfalls(input: SourcePitfallInput): Promise<Finding[]> {
  const losses = await sourceLosses(input);
  return present([
    alphaDropped(input.image),
    losses.orientation,
    losses.icc,
    losses.depth,
    losses.frames,
    losses.cmyk,
    losses.secondGeneration,
  ]);
}

/**
 * The source's losses as one client path causes them: alpha, orientation and the ICC profile
 * are reported only where the path loses them, and re-encoding losses only where it re-encodes.
 */
export function clientPitfalls(losses: SourceLosses, steps: ClientSteps): Finding[] {
  const reencoded = steps.format !== "original";
  return present([
    steps.alpha === "stored-colour" || steps.alpha === "black" || steps.alpha === "white"
      ? alphaDropped(losses.image, steps.alpha)
      : undefined,
    steps.orientation === "lost" ? losses.orientation : undefined,
    steps.icc === "dropped" ? losses.icc : undefined,
    reencoded ? losses.depth : undefined,
    reencoded ? losses.frames : undefined,
    reencoded && steps.icc !== "converted" ? losses.cmyk : undefined,
    steps.format === "jpeg" ? losses.secondGeneration : undefined,
  ]);
}

export interface PayloadPitfallInput {
  sourceBytes: number;
  lossyBytes: number;
  /** With a client path: the format it sends, named in the size finding. */
  format?: string;
  /**
   * The source and the decoded 4:2:0 JPEG (RGBA), and a way to get the same JPEG at 4:4:4,
   * called only when the 4:2:0 chroma error is visible.
   */
  chroma?: {
    source: Uint8Array;
    subsampled: Uint8Array;
    full: () => Promise<Uint8Array>;
    width: number;
    height: number;
  };
}

/** Losses of the lossy payload itself (compare only). */
export async function payloadPitfalls(input: PayloadPitfallInput): Promise<Finding[]> {
  const found: Finding[] = [];
  if (input.lossyBytes > input.sourceBytes) {
    found.push(
      createFinding("payload-larger-than-source", {
        payloadBytes: input.lossyBytes,
        sourceBytes: input.sourceBytes,
        ...(input.format !== undefined && { format: input.format }),
      }),
    );
  }
  const c = input.chroma;
  if (c) {
    const worst = (e: ChromaError) =>
      Math.min(e.cbPsnr ?? Number.POSITIVE_INFINITY, e.crPsnr ?? Number.POSITIVE_INFINITY);
    const sub = chromaErrorWasm(c.source, c.subsampled, c.width, c.height);
    // The 4:4:4 encode is only worth its time when 4:2:0 visibly hurt the chroma.
    const full =
      worst(sub) < CHROMA_VISIBLE_DB
        ? chromaErrorWasm(c.source, await c.full(), c.width, c.height)
        : undefined;
    if (full && worst(full) - worst(sub) >= CHROMA_GAIN_DB) {
      found.push(
        createFinding("chroma-subsampling", {
          cbPsnr: sub.cbPsnr,
          crPsnr: sub.crPsnr,
          cbPsnr444: full.cbPsnr,
          crPsnr444: full.crPsnr,
          lumaPsnr: sub.lumaPsnr,
        }),
      );
    }
  }
  return found;
}
