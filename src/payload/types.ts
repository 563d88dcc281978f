import { SETTINGS, type SettingValue } from "../settings.js";

/** lossless/lossy for one source; a/b when two sources are compared as given. */
export type PayloadRole = "lossless" | "lossy" | "a" | "b";

export type LosslessMode = SettingValue<"lossless">;
export type Subsampling = SettingValue<"subsampling">;

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

/** Pillow's default save, which is imgenc's default lossy payload. */
export const PILLOW_DEFAULT_JPEG: JpegSettings = {
  quality: SETTINGS.quality.default,
  subsampling: SETTINGS.subsampling.default,
};
