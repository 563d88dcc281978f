export { type ErrorStats, errorStats } from "./error.js";
export { type MismatchOptions, type MismatchResult, mismatch } from "./mismatch.js";
export { SSIM_WEIGHTS, ssim } from "./ssim.js";
