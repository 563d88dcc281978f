export { type MismatchOptions, type MismatchResult, mismatch } from "./mismatch.js";
export { type ErrorStats, errorStats } from "./psnr.js";
export { SSIM_WEIGHTS, ssim } from "./ssim.js";
