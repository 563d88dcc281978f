export {
  type AccuracyGate,
  type AskDatasetOptions,
  askDataset,
  type CaseReport,
  type DatasetReport,
  type DatasetTotals,
  type VariantAccuracy,
} from "./ask/dataset.js";
export { type AskOptions, type AskRequestOptions, ask } from "./ask/index.js";
export * from "./ask/types.js";
export {
  type CheckConfig,
  type CheckSettings,
  loadConfig,
  parseConfig,
  settingsFor,
} from "./check/config.js";
export type { Shard } from "./check/discover.js";
export {
  type CheckOptions,
  type CheckResult,
  type CheckStart,
  type CheckWarning,
  check,
  describeWarning,
} from "./check/index.js";
export type { CheckItem, CheckTotals } from "./check/types.js";
export {
  type ClientCandidate,
  type ClientEvidence,
  type ClientIdentification,
  describeEvidence,
  type IccEvidence,
  identifyClient,
  type JpegEvidence,
  type NearMiss,
  type PngEvidence,
  type WebpEvidence,
} from "./client/identify.js";
export { CLIENT_PATHS, clientPath } from "./client/index.js";
export { SIGNATURES, type Signature } from "./client/signatures.js";
export * from "./client/types.js";
export {
  type ClientComparison,
  type ClientPayloadReport,
  type ClientRefusal,
  type CompareArtifacts,
  type CompareOptions,
  type CompareReport,
  type CompareResult,
  compare,
  diffPng,
  type PayloadReport,
  type RgbaPixels,
  type SourceReport,
} from "./compare.js";
export { API_FORMATS, type EncodeOptions, type EncodeResult, encode } from "./encode.js";
export { type ErrorCode, ImgencError, isImgencError } from "./errors.js";
export {
  FINDING_CODES,
  type FindingCode,
  type FindingCodeInfo,
  type FindingGroup,
} from "./findings/codes.js";
export { DATA_URI_CODES, type DataUriLint, lintDataUri } from "./findings/lint-data-uri.js";
export type { Finding, Severity } from "./findings/types.js";
export { evaluateGates, type GateResult, type Gates, type MismatchLimit } from "./gates.js";
export { type DecodedImage, decode, type ImageInfo, readInfo } from "./image/decode.js";
export { type SniffedFormat, sniffFormat } from "./image/format.js";
export { type IccSummary, readIcc } from "./image/icc.js";
export { estimateQuality, type JpegHeader, readJpegHeader } from "./image/jpeg.js";
export {
  type ImageDetails,
  type InspectOptions,
  type InspectReport,
  inspect,
  type JpegDetails,
} from "./inspect.js";
export { type Metrics, measure } from "./metrics/measure.js";
export { mismatch } from "./metrics/mismatch.js";
export { errorStats } from "./metrics/psnr.js";
export { ssim } from "./metrics/ssim.js";
export * from "./models/index.js";
export { type Budget, type BudgetSteps, fitBudget } from "./payload/budget.js";
export { base64Length, dataUriLength, toDataUri } from "./payload/build-data-uri.js";
export { type EncodeFormat, type EncodeSettings, encodeImage } from "./payload/encode.js";
export { originalPayload, pngPayload } from "./payload/lossless.js";
export { pillowJpegPayload } from "./payload/pillow-jpeg.js";
export { formatPayload, type PayloadForm } from "./payload/request.js";
export * from "./payload/types.js";
export {
  type AnalyseOptions,
  analyseImage,
  analyseRequest,
  type ImageAnalysis,
  type RequestAnalysis,
} from "./proxy/analyse.js";
export type { ListenAddress } from "./proxy/defaults.js";
export { describeImage } from "./proxy/describe.js";
export { gateFailures, type ProxyGates } from "./proxy/gates.js";
export {
  API_KINDS,
  type ApiKind,
  detectApi,
  type FoundImage,
  findImages,
  type Transport,
} from "./proxy/request.js";
export {
  type ProxyFailure,
  type ProxyImageEvent,
  type ProxyOptions,
  type ProxySummary,
  type RunningProxy,
  startProxy,
} from "./proxy/server.js";
export { checkReportPage, compareReportPage, type ReportPageOptions } from "./report/index.js";
export type {
  EntryError,
  ReportCrop,
  ReportEntry,
  ReportImage,
  ReportImages,
  ReportView,
  StoredBytes,
} from "./report/types.js";
export { defaultServer, SERVER_PATHS, serverFor, serverPath, serverPaths } from "./server/index.js";
export * from "./server/types.js";
export {
  CONFIG_KEYS,
  type CommandName,
  type ConfigKey,
  invalidValue,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValue,
} from "./settings.js";
export { readSource } from "./source/index.js";
export * from "./source/types.js";
