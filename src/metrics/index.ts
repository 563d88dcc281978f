export { mismatch } from "./mismatch.js";
export { errorStats } from "./psnr.js";
export { SSIM_WEIGHTS, ssim } from "./ssim.js";
