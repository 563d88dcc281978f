export {
  type CompareArtifacts,
  type CompareOptions,
  type CompareReport,
  type CompareResult,
  compare,
  diffPng,
  type PayloadReport,
  type SourceReport,
} from "./compare.js";
export { type ErrorCode, ImgencError, isImgencError } from "./errors.js";
export type { Finding, Severity } from "./findings/types.js";
export { evaluateGates, type GateResult, type Gates, type MismatchLimit } from "./gates.js";
export { type DecodedImage, decode, type ImageInfo, readInfo } from "./image/decode.js";
export { type SniffedFormat, sniffFormat } from "./image/format.js";
export { errorStats } from "./metrics/error.js";
export { mismatch } from "./metrics/mismatch.js";
export { type Metrics, measure } from "./metrics/report.js";
export { ssim } from "./metrics/ssim.js";
export { base64Length, dataUriLength, toDataUri } from "./payload/datauri.js";
export { originalPayload, pngPayload } from "./payload/lossless.js";
export { pillowJpegPayload } from "./payload/lossy.js";
export * from "./payload/types.js";
export { readSource } from "./source/index.js";
export * from "./source/types.js";
