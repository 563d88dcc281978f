import { parentPort } from "node:worker_threads";
import { ssim } from "./ssim.js";

interface Job {
  a: SharedArrayBuffer | Uint8Array;
  b: SharedArrayBuffer | Uint8Array;
  width: number;
  height: number;
}

parentPort?.once("message", (job: Job) => {
  const view = (x: SharedArrayBuffer | Uint8Array) =>
    x instanceof Uint8Array ? x : new Uint8Array(x);
  parentPort?.postMessage(ssim(view(job.a), view(job.b), job.width, job.height));
});
