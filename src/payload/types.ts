/** lossless/lossy for one source; a/b when two sources are compared as given. */
export type PayloadRole = "lossless" | "lossy" | "a" | "b";

export type LosslessMode = "png" | "original";
export type Subsampling = "4:2:0" | "4:4:4";

export interface JpegSettings {
  quality: number;
  subsampling: Subsampling;
}

export interface Payload {
  role: PayloadRole;
  /** How the payload was made, e.g. "PNG (sharp)", "JPEG q75 4:2:0 (Pillow default)". */
  label: string;
  mime: string;
  width: number;
  height: number;
  bytes: Buffer;
  jpeg?: JpegSettings;
}

export const PILLOW_DEFAULT_JPEG: JpegSettings = { quality: 75, subsampling: "4:2:0" };
