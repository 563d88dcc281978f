/**
 * Performance benchmark: every figure of the performance targets, measured side by side in one
 * run and reported as ratios (never timed unit tests).
 *
 * - Generates, deterministically (seeded PRNG, integer hashing; no Math.random), a 6000x4000
 *   photo-like RGB PNG and 200 fixture-sized images under .bench/ (git-ignored), and reuses
 *   them while the generator version is unchanged.
 * - Measures, median of N after a warm-up run: the serial floor (sharp decode + PNG encode +
 *   JPEG q75 4:2:0 encode + JPEG decode, in this process); `imgenc compare` on the big PNG as a
 *   child process (wall time, peak RSS); ImageMagick's `convert` + `compare -metric PSNR`;
 *   the same with four client paths at once; a Pillow + NumPy script; `imgenc --version`/`--help`
 *   against `node -e 0`; `imgenc compare` on a 512x512 image against a node script doing the
 *   four sharp steps on it; and `imgenc check --jobs 1` and `--jobs 2` on the fixture-sized set
 *   against the same four steps in a node loop on one core and a Python script (Pillow, NumPy
 *   PSNR and SSIM), with each one's CPU time.
 * - Prints an aligned table with every measurement, each target, the ratio and PASS/FAIL, and
 *   writes the same to .bench/results.json. It is a report: the exit code is 0 even when a
 *   target is missed (1 only when the bench itself cannot run).
 *
 * Usage: `npm run bench` (builds first) or `node dist/scripts/bench.js [--quick] [--regen]`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { paintPhoto } from "./photo.js";

// dist/scripts/bench.js -> <repo>/
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "imgenc.js");
const BENCH_DIR = join(ROOT, ".bench");
/** Bump when the generator's output changes: the cached images are then made again. */
const GENERATOR_VERSION = 1;
const DATA_DIR = join(BENCH_DIR, `data-v${GENERATOR_VERSION}`);
const CHECK_DIR = join(DATA_DIR, "check");
const TMP_DIR = join(BENCH_DIR, "tmp");
const RESULTS = join(BENCH_DIR, "results.json");
const BIG_WIDTH = 6000;
const BIG_HEIGHT = 4000;
const BIG_PNG = join(DATA_DIR, `photo-${BIG_WIDTH}x${BIG_HEIGHT}.png`);
const SMALL_SIDE = 512;
const SMALL_PNG = join(DATA_DIR, `photo-${SMALL_SIDE}x${SMALL_SIDE}.png`);
/** The four client paths compared at once against the default single lossy payload. */
const FOUR_CLIENTS = "pillow,opencv,canvas-jpeg,gradio";
const CHECK_COUNT = 200;
const QUICK_CHECK_COUNT = 40;
/** Fixture-sized variants for the check set, cycled through. */
const CHECK_SIZES: ReadonlyArray<readonly [number, number]> = [
  [384, 256],
  [480, 320],
  [512, 384],
  [640, 480],
  [600, 400],
  [400, 600],
  [448, 448],
  [640, 360],
];
const METRIC_KEYS = [
  "psnr",
  "ssim",
  "mismatchedPixels",
  "changedPixels",
  "maxChannelDiff",
  "meanAbsError",
] as const;
const PYTHON = "/usr/bin/python3";
const IM_CONVERT = "/usr/bin/convert";
const IM_COMPARE = "/usr/bin/compare";
const GNU_TIME = "/usr/bin/time";

// ---------------------------------------------------------------------------------------------
// Settings

interface Settings {
  mode: "full" | "quick";
  /** Repetitions of the big-image measurements (floor, compare, ImageMagick). */
  reps: number;
  pillowReps: number;
  startupReps: number;
  checkReps: number;
  checkCount: number;
  /** Repetitions of the four-client compare on the big image. */
  clientReps: number;
  /** Repetitions of the 512x512 compare and its node floor script. */
  smallReps: number;
  /** Warm-up runs of the slow externals (Pillow, check); the fast ones always warm up. */
  warmSlow: boolean;
  regen: boolean;
}

function parseArgs(argv: string[]): Settings {
  const known = new Set(["--quick", "--regen", "--help", "-h"]);
  for (const arg of argv) {
    if (!known.has(arg)) throw new BenchError(`unknown option ${arg} (try --help)`);
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      "Usage: node dist/scripts/bench.js [--quick] [--regen]\n" +
        "  --quick  one repetition each and a smaller check set: a fast sanity run\n" +
        "  --regen  make the generated images again even if cached under .bench/\n",
    );
    process.exit(0);
  }
  const quick = argv.includes("--quick");
  const regen = argv.includes("--regen");
  return quick
    ? {
        mode: "quick",
        reps: 1,
        pillowReps: 1,
        startupReps: 5,
        checkReps: 1,
        checkCount: QUICK_CHECK_COUNT,
        clientReps: 1,
        smallReps: 3,
        warmSlow: false,
        regen,
      }
    : {
        mode: "full",
        reps: 3,
        pillowReps: 2,
        startupReps: 15,
        checkReps: 2,
        checkCount: CHECK_COUNT,
        clientReps: 2,
        smallReps: 11,
        warmSlow: true,
        regen,
      };
}

class BenchError extends Error {
  override name = "BenchError";
}

interface Manifest {
  generator: number;
  big: { file: string; width: number; height: number };
  check: string[];
}

async function writePng(path: string, rgb: Buffer, width: number, height: number): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

/** Make (or reuse) the generated images; returns the check-set file paths. */
async function ensureData(settings: Settings): Promise<Manifest> {
  const manifestPath = join(DATA_DIR, "manifest.json");
  const manifest = await ensureBigAndCheck(settings, manifestPath);
  if (!existsSync(SMALL_PNG)) {
    const rgb = paintPhoto(SMALL_SIDE, SMALL_SIDE, 0x5eed512);
    await writePng(SMALL_PNG, rgb, SMALL_SIDE, SMALL_SIDE);
  }
  return manifest;
}

async function ensureBigAndCheck(settings: Settings, manifestPath: string): Promise<Manifest> {
  if (!settings.regen && existsSync(manifestPath)) {
    try {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
      const complete =
        manifest.generator === GENERATOR_VERSION &&
        manifest.check.length === CHECK_COUNT &&
        existsSync(join(DATA_DIR, manifest.big.file)) &&
        manifest.check.every((f) => existsSync(join(CHECK_DIR, f)));
      if (complete) return manifest;
    } catch {
      // Unreadable manifest: make everything again.
    }
  }
  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(CHECK_DIR, { recursive: true });
  log(`generating ${BIG_WIDTH}x${BIG_HEIGHT} photo-like PNG (generator v${GENERATOR_VERSION})...`);
  const t0 = performance.now();
  const rgb = paintPhoto(BIG_WIDTH, BIG_HEIGHT, 0x1a2b3c4d);
  await writePng(BIG_PNG, rgb, BIG_WIDTH, BIG_HEIGHT);
  log(`  done in ${fmtS((performance.now() - t0) / 1000)}`);
  log(`generating ${CHECK_COUNT} fixture-sized images...`);
  const check: string[] = [];
  for (let i = 0; i < CHECK_COUNT; i++) {
    const [w, h] = CHECK_SIZES[i % CHECK_SIZES.length] as readonly [number, number];
    const file = `img-${String(i).padStart(3, "0")}-${w}x${h}.png`;
    await writePng(join(CHECK_DIR, file), paintPhoto(w, h, 1000 + i * 7919), w, h);
    check.push(file);
  }
  const manifest: Manifest = {
    generator: GENERATOR_VERSION,
    big: { file: relative(DATA_DIR, BIG_PNG), width: BIG_WIDTH, height: BIG_HEIGHT },
    check,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// Children: timeouts, process-group kill, peak RSS

interface RunOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Measure the child's peak resident memory. */
  rss?: boolean;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak RSS in bytes, when asked for and measurable. */
  maxRss?: number;
  /** User + system CPU seconds of the child (and its waited-for children), with the RSS. */
  cpu?: number;
}

type RssMethod = "gnu-time" | "node-preload" | "none";

const active = new Set<ChildProcess>();
let rssMethod: RssMethod = "none";
let rssSeq = 0;

/** Preload for node children when GNU time is missing: write maxRSS (KiB) and CPU s at exit. */
const PRELOAD =
  "data:text/javascript," +
  encodeURIComponent(
    'import{writeFileSync}from"node:fs";process.on("exit",()=>{const f=process.env.BENCH_RSS_FILE;' +
      "if(f){const u=process.resourceUsage();" +
      'writeFileSync(f,[u.maxRSS,u.userCPUTime/1e6,u.systemCPUTime/1e6].join(" "))}});',
  );

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function describe(cmd: string, args: string[]): string {
  const text = [cmd, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ");
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function tail(text: string, lines = 6): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

async function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  let file = cmd;
  let argv = args;
  let env = options.env ?? process.env;
  let rssFile: string | undefined;
  if (options.rss && rssMethod !== "none") {
    rssFile = join(TMP_DIR, `rss-${process.pid}-${rssSeq++}.txt`);
    rmSync(rssFile, { force: true });
    if (rssMethod === "gnu-time") {
      file = GNU_TIME;
      argv = ["-f", "%M %U %S", "-o", rssFile, cmd, ...args];
    } else if (cmd === process.execPath) {
      argv = ["--import", PRELOAD, ...args];
      env = { ...env, BENCH_RSS_FILE: rssFile };
    } else {
      rssFile = undefined;
    }
  }
  const what = describe(cmd, args);
  return new Promise<RunResult>((resolve, reject) => {
    const start = performance.now();
    let exitedAt = 0;
    let timedOut = false;
    const child = spawn(file, argv, {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: a timeout kills the whole tree
    });
    active.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (d: Buffer) => out.push(d));
    child.stderr?.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    child.on("exit", () => {
      exitedAt = performance.now();
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      active.delete(child);
      reject(new BenchError(`cannot run ${what}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      active.delete(child);
      const wallMs = (exitedAt || performance.now()) - start;
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        reject(new BenchError(`timed out after ${options.timeoutMs / 1000} s: ${what}`));
        return;
      }
      if (code === null || !(options.okCodes ?? [0]).includes(code)) {
        const how = code === null ? `killed by ${signal}` : `exit code ${code}`;
        reject(new BenchError(`${how}: ${what}\n${tail(stderr) || "(no stderr)"}`));
        return;
      }
      let maxRss: number | undefined;
      let cpu: number | undefined;
      if (rssFile !== undefined && existsSync(rssFile)) {
        // GNU time writes "Command exited with non-zero status N" first when the code is not 0.
        const last = readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "";
        const [kib, user, sys] = last.split(" ").map(Number);
        if (kib !== undefined && Number.isFinite(kib) && kib > 0) maxRss = kib * 1024;
        if (user !== undefined && sys !== undefined && Number.isFinite(user + sys))
          cpu = user + sys;
        rmSync(rssFile, { force: true });
      }
      resolve({
        code,
        stdout,
        stderr,
        wallMs,
        ...(maxRss !== undefined && { maxRss }),
        ...(cpu !== undefined && { cpu }),
      });
    });
  });
}

async function detectRssMethod(): Promise<RssMethod> {
  mkdirSync(TMP_DIR, { recursive: true });
  if (existsSync(GNU_TIME)) {
    rssMethod = "gnu-time";
    try {
      const r = await run(process.execPath, ["-e", "Buffer.alloc(64e6, 1)"], {
        timeoutMs: 30_000,
        rss: true,
      });
      if (r.maxRss !== undefined && r.maxRss > 64e6) return "gnu-time";
    } catch {
      // Not GNU time, or it failed: try the preload.
    }
  }
  rssMethod = "node-preload";
  try {
    const r = await run(process.execPath, ["-e", "Buffer.alloc(64e6, 1)"], {
      timeoutMs: 30_000,
      rss: true,
    });
    if (r.maxRss !== undefined && r.maxRss > 64e6) return "node-preload";
  } catch {
    // Fall through.
  }
  return "none";
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

interface Series {
  samples: number[];
  median: number;
  min: number;
  max: number;
}

function series(samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  const median =
    n === 0
      ? Number.NaN
      : n % 2
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { samples, median, min: sorted[0] ?? Number.NaN, max: sorted[n - 1] ?? Number.NaN };
}

const fmtS = (s: number): string => `${s.toFixed(3)} s`;
const fmtMs = (ms: number): string => `${ms.toFixed(1)} ms`;
const fmtMB = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const fmtX = (x: number): string => `${x.toFixed(2)}x`;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function table(rows: string[][], rightAligned: Set<number>): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface FloorSample {
  decode: number;
  png: number;
  jpegEncode: number;
  jpegDecode: number;
  total: number;
  /** CPU seconds of this process (all threads) over the four steps. */
  cpu: number;
}

/** The serial floor: decode, PNG encode, JPEG encode, JPEG decode, each awaited in turn. */
async function floorOnce(png: Buffer): Promise<FloorSample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { data: raw, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const t1 = performance.now();
  const input = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await sharp(raw, input).png().toBuffer();
  const t2 = performance.now();
  const jpeg = await sharp(raw, input).jpeg({ quality: 75, chromaSubsampling: "4:2:0" }).toBuffer();
  const t3 = performance.now();
  await sharp(jpeg).raw().toBuffer();
  const t4 = performance.now();
  const c = process.cpuUsage(c0);
  return {
    decode: (t1 - t0) / 1000,
    png: (t2 - t1) / 1000,
    jpegEncode: (t3 - t2) / 1000,
    jpegDecode: (t4 - t3) / 1000,
    total: (t4 - t0) / 1000,
    cpu: (c.user + c.system) / 1e6,
  };
}

interface CompareSample {
  wall: number;
  maxRss?: number;
  cpu?: number;
  psnr: number;
  ssim: number;
}

async function compareOnce(path: string, extra: string[] = []): Promise<CompareSample> {
  const args = [BIN, "compare", path, "--json", "--max-input-bytes", "1GB", ...extra];
  const r = await run(process.execPath, args, { timeoutMs: 180_000, rss: true });
  let doc: { metrics?: Record<string, unknown> | null; clients?: unknown[] };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch {
    throw new BenchError(`imgenc compare printed no JSON document:\n${tail(r.stdout || r.stderr)}`);
  }
  const metrics = doc.metrics ?? {};
  const missing = METRIC_KEYS.filter((k) => typeof metrics[k] !== "number");
  if (missing.length > 0) {
    throw new BenchError(`imgenc compare --json lacks metrics: ${missing.join(", ")}`);
  }
  const clients = extra.includes("--client") ? FOUR_CLIENTS.split(",").length : 0;
  if ((doc.clients?.length ?? 0) !== clients) {
    throw new BenchError(`imgenc compare ${extra.join(" ")}: expected ${clients} client results`);
  }
  return {
    wall: r.wallMs / 1000,
    ...(r.maxRss !== undefined && { maxRss: r.maxRss }),
    ...(r.cpu !== undefined && { cpu: r.cpu }),
    psnr: metrics.psnr as number,
    ssim: metrics.ssim as number,
  };
}

/** The real ImageMagick is an ELF binary (the stand-in on PATH is a shell script). */
async function imageMagickStatus(): Promise<string | undefined> {
  for (const tool of [IM_CONVERT, IM_COMPARE]) {
    if (!existsSync(tool)) return `${tool} missing (apt-get install imagemagick)`;
    const real = realpathSync(tool);
    const head = Buffer.alloc(4);
    const fd = openSync(real, "r");
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
    if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
      return `${tool} -> ${real} is not the ImageMagick binary (a stand-in script?)`;
    }
  }
  try {
    const r = await run(IM_CONVERT, ["-version"], { timeoutMs: 30_000 });
    if (!r.stdout.includes("ImageMagick")) return `${IM_CONVERT} -version does not say ImageMagick`;
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

async function imageMagickVersion(): Promise<string> {
  const r = await run(IM_CONVERT, ["-version"], { timeoutMs: 30_000 });
  return /ImageMagick \S+/.exec(r.stdout)?.[0] ?? "ImageMagick";
}

async function imageMagickOnce(path: string): Promise<ExternalSample> {
  const outJpg = join(TMP_DIR, "imagemagick.jpg");
  rmSync(outJpg, { force: true });
  // The issue's command, with the real binaries named explicitly. compare exits 1 when the
  // images differ, which they do.
  const script = `${IM_CONVERT} "$1" -quality 75 "$2" && ${IM_COMPARE} -metric PSNR "$1" "$2" null:`;
  const r = await run("/bin/sh", ["-c", script, "sh", path, outJpg], {
    timeoutMs: 300_000,
    okCodes: [0, 1],
    rss: true,
  });
  const psnr = Number.parseFloat(r.stderr.trim());
  if (!existsSync(outJpg) || !Number.isFinite(psnr)) {
    throw new BenchError(`ImageMagick failed:\n${tail(r.stderr) || "(no stderr)"}`);
  }
  return { wall: r.wallMs / 1000, ...(r.maxRss !== undefined && { maxRss: r.maxRss }), psnr };
}

const PILLOW_SCRIPT = `
import io, json, math, sys
import numpy as np
from PIL import Image

img = Image.open(sys.argv[1])
img = img.convert("RGB")
png = io.BytesIO()
img.save(png, format="PNG")
jpg = io.BytesIO()
img.save(jpg, format="JPEG")
dec = Image.open(io.BytesIO(jpg.getvalue())).convert("RGB")
d = np.asarray(img, dtype=np.int32) - np.asarray(dec, dtype=np.int32)
mse = float(np.mean(d * d))
psnr = float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)
print(json.dumps({"png": png.tell(), "jpeg": jpg.tell(), "psnr": psnr}))
`;

/** The machine may set OpenBLAS tuning variables that break numpy: unset them for Python only. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

async function pillowStatus(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} missing`;
  try {
    await run(PYTHON, ["-c", "import PIL, numpy"], { timeoutMs: 60_000, env: pythonEnv() });
  } catch (e) {
    return `Pillow + NumPy not importable by ${PYTHON}: ${(e as Error).message.split("\n")[0]}`;
  }
  return undefined;
}

async function pillowVersion(): Promise<string> {
  const r = await run(
    PYTHON,
    [
      "-c",
      "import sys, PIL, numpy; print(sys.version.split()[0], PIL.__version__, numpy.__version__)",
    ],
    { timeoutMs: 60_000, env: pythonEnv() },
  );
  const [py, pil, np] = r.stdout.trim().split(" ");
  return `Python ${py}, Pillow ${pil}, NumPy ${np}`;
}

async function pillowOnce(path: string): Promise<ExternalSample> {
  const r = await run(PYTHON, ["-c", PILLOW_SCRIPT, path], {
    timeoutMs: 600_000,
    env: pythonEnv(),
    rss: true,
  });
  let psnr: number;
  try {
    psnr = (JSON.parse(r.stdout) as { psnr: number }).psnr;
  } catch {
    throw new BenchError(`the Pillow script printed no JSON:\n${tail(r.stdout || r.stderr)}`);
  }
  return { wall: r.wallMs / 1000, ...(r.maxRss !== undefined && { maxRss: r.maxRss }), psnr };
}

/**
 * The sharp floor on many images, as a node script: for each file, decode to raw, PNG encode,
 * JPEG q75 4:2:0 encode, JPEG decode, awaited in turn (one image at a time, one core's work).
 * Also the 512x512 floor: the same four operations on one file, start-up included.
 */
const SHARP_LOOP_SCRIPT = `
const sharp = require("sharp");
const { readFileSync } = require("node:fs");
(async () => {
  for (const path of process.argv.slice(1)) {
    const { data, info } = await sharp(readFileSync(path)).raw().toBuffer({ resolveWithObject: true });
    const input = { raw: { width: info.width, height: info.height, channels: info.channels } };
    await sharp(data, input).png().toBuffer();
    const jpeg = await sharp(data, input).jpeg({ quality: 75, chromaSubsampling: "4:2:0" }).toBuffer();
    await sharp(jpeg).raw().toBuffer();
  }
})();
`;

/**
 * What users write to check many images in Python: Pillow JPEG and PNG, NumPy PSNR, and SSIM
 * as scikit-image's structural_similarity computes it by default (7x7 uniform window, sample
 * covariance, per channel then averaged), written in NumPy (scikit-image is not installed).
 */
const PYTHON_CHECK_SCRIPT = `
import io, json, math, sys
import numpy as np
from PIL import Image

def box7(a):
    c = np.cumsum(np.cumsum(np.pad(a, ((1, 0), (1, 0))), 0), 1)
    s = c[7:, 7:] - c[:-7, 7:] - c[7:, :-7] + c[:-7, :-7]
    return s / 49.0

def ssim_channel(x, y):
    ux, uy = box7(x), box7(y)
    cov = 49.0 / 48.0
    vx = cov * (box7(x * x) - ux * ux)
    vy = cov * (box7(y * y) - uy * uy)
    vxy = cov * (box7(x * y) - ux * uy)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s.mean())

out = []
for path in sys.argv[1:]:
    img = Image.open(path).convert("RGB")
    png = io.BytesIO()
    img.save(png, format="PNG")
    jpg = io.BytesIO()
    img.save(jpg, format="JPEG")
    dec = Image.open(io.BytesIO(jpg.getvalue())).convert("RGB")
    a = np.asarray(img, dtype=np.float64)
    b = np.asarray(dec, dtype=np.float64)
    mse = float(np.mean((a - b) ** 2))
    psnr = float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)
    ssim = sum(ssim_channel(a[:, :, c], b[:, :, c]) for c in range(3)) / 3
    out.append({"psnr": psnr, "ssim": ssim})
print(json.dumps({"images": len(out)}))
`;

interface LoopSample {
  wall: number;
  cpu?: number;
}

async function sharpLoopOnce(paths: string[]): Promise<LoopSample> {
  const r = await run(process.execPath, ["-e", SHARP_LOOP_SCRIPT, ...paths], {
    timeoutMs: 600_000,
    rss: true,
  });
  return { wall: r.wallMs / 1000, ...(r.cpu !== undefined && { cpu: r.cpu }) };
}

async function pythonCheckOnce(paths: string[]): Promise<LoopSample> {
  const r = await run(PYTHON, ["-c", PYTHON_CHECK_SCRIPT, ...paths], {
    timeoutMs: 900_000,
    env: pythonEnv(),
    rss: true,
  });
  let images: number;
  try {
    images = (JSON.parse(r.stdout) as { images: number }).images;
  } catch {
    throw new BenchError(`the Python check script printed no JSON:\n${tail(r.stdout || r.stderr)}`);
  }
  if (images !== paths.length) throw new BenchError(`the Python check script did ${images} images`);
  return { wall: r.wallMs / 1000, ...(r.cpu !== undefined && { cpu: r.cpu }) };
}

interface CheckSample {
  wall: number;
  reportedMs: number;
  cpu?: number;
}

async function checkOnce(paths: string[], jobs: number, expected: number): Promise<CheckSample> {
  const args = [BIN, "check", ...paths, "--jobs", String(jobs), "--json"];
  const r = await run(process.execPath, args, { timeoutMs: 900_000, rss: true });
  let doc: { totals?: { images?: number; errors?: number; durationMs?: number } };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch {
    throw new BenchError(`imgenc check printed no JSON document:\n${tail(r.stdout || r.stderr)}`);
  }
  const totals = doc.totals ?? {};
  if (totals.images !== expected || totals.errors !== 0) {
    throw new BenchError(
      `imgenc check --jobs ${jobs}: expected ${expected} images and no errors, got ${JSON.stringify(totals)}`,
    );
  }
  return {
    wall: r.wallMs / 1000,
    reportedMs: totals.durationMs ?? Number.NaN,
    ...(r.cpu !== undefined && { cpu: r.cpu }),
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement loops

/** First error per measurement: it is reported, and that measurement is not retried. */
class Errors {
  readonly byKey: Record<string, string> = {};

  has(key: string): boolean {
    return key in this.byKey;
  }

  get(key: string): string | undefined {
    return this.byKey[key];
  }

  record(key: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.byKey[key] ??= message;
    log(`  ! ${key}: ${message.split("\n")[0]}`);
  }
}

interface ExternalSample {
  wall: number;
  maxRss?: number;
  psnr: number;
}

interface BigImageSamples {
  floorSamples: FloorSample[];
  compareSamples: CompareSample[];
  fourSamples: CompareSample[];
  imSamples: ExternalSample[];
  pilSamples: ExternalSample[];
}

/** 1-4: the big image, round-robin so drift on the machine hits every contender alike. */
async function measureBigImage(
  settings: Settings,
  bigBytes: Buffer,
  bigRel: string,
  imSkip: string | undefined,
  pilSkip: string | undefined,
  errors: Errors,
): Promise<BigImageSamples> {
  const out: BigImageSamples = {
    floorSamples: [],
    compareSamples: [],
    fourSamples: [],
    imSamples: [],
    pilSamples: [],
  };
  for (let round = 0; round <= settings.reps; round++) {
    const warm = round === 0;
    log(`big image, ${warm ? "warm-up" : `round ${round}/${settings.reps}`}`);
    try {
      const s = await floorOnce(bigBytes);
      if (!warm) out.floorSamples.push(s);
      log(`  floor ${fmtS(s.total)}`);
    } catch (e) {
      errors.record("floor", e);
    }
    if (!errors.has("compare")) {
      try {
        const s = await compareOnce(bigRel);
        if (!warm) out.compareSamples.push(s);
        log(`  imgenc compare ${fmtS(s.wall)}${s.maxRss ? `, ${fmtMB(s.maxRss)}` : ""}`);
      } catch (e) {
        errors.record("compare", e);
      }
    }
    if (!errors.has("four-clients") && round <= settings.clientReps) {
      try {
        const s = await compareOnce(bigRel, ["--client", FOUR_CLIENTS]);
        if (!warm) out.fourSamples.push(s);
        log(`  imgenc compare --client ${FOUR_CLIENTS} ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record("four-clients", e);
      }
    }
    if (imSkip === undefined && !errors.has("imagemagick")) {
      try {
        const s = await imageMagickOnce(bigRel);
        if (!warm) out.imSamples.push(s);
        log(`  ImageMagick ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record("imagemagick", e);
      }
    }
    const pilRound = warm ? settings.warmSlow : round <= settings.pillowReps;
    if (pilSkip === undefined && !errors.has("pillow") && pilRound) {
      try {
        const s = await pillowOnce(bigRel);
        if (!warm) out.pilSamples.push(s);
        log(`  Pillow + NumPy ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record("pillow", e);
      }
    }
  }
  return out;
}

const STARTUP_COMMANDS = {
  node: ["-e", "0"],
  version: [BIN, "--version"],
  help: [BIN, "--help"],
} as const;
type StartupKey = keyof typeof STARTUP_COMMANDS;

/** 5: `node -e 0`, `imgenc --version`, `imgenc --help`, interleaved; wall ms per run. */
async function measureStartup(
  settings: Settings,
  errors: Errors,
): Promise<Record<StartupKey, number[]>> {
  log(`startup, ${settings.startupReps} runs each (+1 warm-up)`);
  const startup: Record<StartupKey, number[]> = { node: [], version: [], help: [] };
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  for (let i = 0; i <= settings.startupReps; i++) {
    for (const key of Object.keys(STARTUP_COMMANDS) as StartupKey[]) {
      if (errors.has(`startup-${key}`)) continue;
      try {
        const r = await run(process.execPath, [...STARTUP_COMMANDS[key]], { timeoutMs: 30_000 });
        if (key === "version" && r.stdout.trim() !== pkg.version) {
          throw new BenchError(`imgenc --version printed ${JSON.stringify(r.stdout.trim())}`);
        }
        if (key === "help" && !r.stdout.includes("Usage: imgenc")) {
          throw new BenchError("imgenc --help printed no usage");
        }
        if (i > 0) startup[key].push(r.wallMs);
      } catch (e) {
        errors.record(`startup-${key}`, e);
      }
    }
  }
  return startup;
}

/** A fixture-sized image: `imgenc compare` against a node script doing the four sharp steps. */
async function measureSmall(
  settings: Settings,
  errors: Errors,
): Promise<{ floor: number[]; compare: number[] }> {
  log(`${SMALL_SIDE}x${SMALL_SIDE} compare, ${settings.smallReps} runs each (+1 warm-up)`);
  const out = { floor: [] as number[], compare: [] as number[] };
  const path = relative(ROOT, SMALL_PNG);
  for (let i = 0; i <= settings.smallReps; i++) {
    if (!errors.has("small-floor")) {
      try {
        const s = await sharpLoopOnce([path]);
        if (i > 0) out.floor.push(s.wall * 1000);
      } catch (e) {
        errors.record("small-floor", e);
      }
    }
    if (!errors.has("small-compare")) {
      try {
        const s = await compareOnce(path);
        if (i > 0) out.compare.push(s.wall * 1000);
      } catch (e) {
        errors.record("small-compare", e);
      }
    }
  }
  return out;
}

interface CheckSamples {
  1: CheckSample[];
  2: CheckSample[];
  floor: LoopSample[];
  python: LoopSample[];
}

/**
 * 6: check on the fixture-sized set, --jobs 1 and --jobs 2, the sharp floor loop on one core
 * and the Python script, round-robin.
 */
async function measureCheck(
  settings: Settings,
  checkArgs: string[],
  checkPaths: string[],
  pilSkip: string | undefined,
  errors: Errors,
): Promise<CheckSamples> {
  log(`check on ${settings.checkCount} images, ${settings.checkReps} run(s) per --jobs`);
  const samples: CheckSamples = { 1: [], 2: [], floor: [], python: [] };
  const rounds = settings.checkReps + (settings.warmSlow ? 1 : 0);
  for (let round = 0; round < rounds; round++) {
    const warm = settings.warmSlow && round === 0;
    if (!errors.has("check-floor")) {
      try {
        const s = await sharpLoopOnce(checkPaths);
        if (!warm) samples.floor.push(s);
        log(`  sharp floor loop${warm ? " (warm-up)" : ""} ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record("check-floor", e);
      }
    }
    // The Python script is the slowest contender and needs no warm-up of its own.
    if (pilSkip === undefined && !errors.has("check-python") && !warm) {
      try {
        const s = await pythonCheckOnce(checkPaths);
        if (!warm) samples.python.push(s);
        log(`  Python script${warm ? " (warm-up)" : ""} ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record("check-python", e);
      }
    }
    for (const jobs of [1, 2] as const) {
      if (errors.has(`check-${jobs}`)) continue;
      try {
        const s = await checkOnce(checkArgs, jobs, settings.checkCount);
        if (!warm) samples[jobs].push(s);
        log(`  --jobs ${jobs}${warm ? " (warm-up)" : ""} ${fmtS(s.wall)}`);
      } catch (e) {
        errors.record(`check-${jobs}`, e);
      }
    }
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Target {
  id: string;
  label: string;
  /** The measured value (a ratio), or null when it could not be measured. */
  value: number | null;
  limit: number;
  /** "max": value must be at most limit; "min": at least. */
  kind: "max" | "min";
  detail: string;
  pass: boolean | null;
  note?: string;
}

function target(
  id: string,
  label: string,
  value: number | null,
  kind: "max" | "min",
  limit: number,
  detail: string,
  note?: string,
): Target {
  const pass =
    value === null || !Number.isFinite(value)
      ? null
      : kind === "max"
        ? value <= limit
        : value >= limit;
  return { id, label, value, limit, kind, detail, pass, ...(note !== undefined && { note }) };
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    // Not Linux.
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(
      readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
    ) as { version: string };
    return pkg.version;
  } catch {
    return "?";
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const settings = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist", "src", "cli", "main.js"))) {
    throw new BenchError("dist/src is missing: build first (npm run build)");
  }
  const startedAt = new Date();
  const loadBefore = loadavg();
  sharp.cache(false); // repeated floor runs must not hit libvips' operation cache
  mkdirSync(TMP_DIR, { recursive: true });
  const manifest = await ensureData(settings);
  const checkPaths = manifest.check
    .slice(0, settings.checkCount)
    .map((f) => relative(ROOT, join(CHECK_DIR, f)));
  const checkArgs = settings.checkCount === CHECK_COUNT ? [relative(ROOT, CHECK_DIR)] : checkPaths;
  const bigBytes = readFileSync(BIG_PNG);
  const bigRel = relative(ROOT, BIG_PNG);
  const rawFrame = BIG_WIDTH * BIG_HEIGHT * 4;

  rssMethod = await detectRssMethod();
  const imSkip = await imageMagickStatus();
  const pilSkip = await pillowStatus();
  const versions = {
    node: process.version,
    sharp: packageVersion("sharp"),
    libvips: sharp.versions.vips,
    imagemagick: imSkip === undefined ? await imageMagickVersion() : null,
    pillow: pilSkip === undefined ? await pillowVersion() : null,
  };
  const machine = {
    cores: availableParallelism(),
    cpu: cpuModel(),
    memoryGB: Math.round(totalmem() / 1e9),
    sharpConcurrency: sharp.concurrency(),
    ...versions,
  };
  const machineLine =
    `machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGB} GB RAM, Node ${machine.node}, ` +
    `sharp ${machine.sharp} (libvips ${machine.libvips}, concurrency ${machine.sharpConcurrency})` +
    (machine.imagemagick ? `, ${machine.imagemagick}` : "") +
    (machine.pillow ? `, ${machine.pillow}` : "");
  log(machineLine);
  log(
    `mode ${settings.mode}: ${settings.reps} rep(s) of the big-image runs, ${settings.pillowReps} of Pillow, ` +
      `${settings.startupReps} of startup, ${settings.checkReps} of check on ${settings.checkCount} images; ` +
      `peak RSS via ${rssMethod}`,
  );

  const errors = new Errors();
  const big = await measureBigImage(settings, bigBytes, bigRel, imSkip, pilSkip, errors);
  const startup = await measureStartup(settings, errors);
  const small = await measureSmall(settings, errors);
  const checkSamples = await measureCheck(settings, checkArgs, checkPaths, pilSkip, errors);
  const { floorSamples, compareSamples, fourSamples, imSamples, pilSamples } = big;

  // Results.
  const floor = {
    decode: series(floorSamples.map((s) => s.decode)),
    png: series(floorSamples.map((s) => s.png)),
    jpegEncode: series(floorSamples.map((s) => s.jpegEncode)),
    jpegDecode: series(floorSamples.map((s) => s.jpegDecode)),
    total: series(floorSamples.map((s) => s.total)),
    cpu: series(floorSamples.map((s) => s.cpu)),
  };
  const cmpCpu = series(compareSamples.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu])));
  const cmp = series(compareSamples.map((s) => s.wall));
  const four = series(fourSamples.map((s) => s.wall));
  const smallFloor = series(small.floor);
  const smallCmp = series(small.compare);
  const cores = machine.cores;
  const loop = series(checkSamples.floor.map((s) => s.wall));
  const loopCpu = series(checkSamples.floor.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu])));
  const py = series(checkSamples.python.map((s) => s.wall));
  const pyCpu = series(checkSamples.python.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu])));
  const checkCpu = (jobs: 1 | 2) =>
    series(checkSamples[jobs].flatMap((s) => (s.cpu === undefined ? [] : [s.cpu])));
  const check1Cpu = checkCpu(1);
  const check2Cpu = checkCpu(2);
  /** Cores kept busy: CPU seconds over wall seconds (medians). */
  const busy = (cpu: Series, wall: Series): string =>
    cpu.samples.length && wall.samples.length
      ? `CPU ${fmtS(cpu.median)}, ${(cpu.median / wall.median).toFixed(2)} of ${cores} cores busy`
      : "";
  const rssList = compareSamples.flatMap((s) => (s.maxRss === undefined ? [] : [s.maxRss]));
  const cmpRss = series(rssList);
  const im = series(imSamples.map((s) => s.wall));
  const pil = series(pilSamples.map((s) => s.wall));
  const nodeStart = series(startup.node);
  const versionStart = series(startup.version);
  const helpStart = series(startup.help);
  const check1 = series(checkSamples[1].map((s) => s.wall));
  const check2 = series(checkSamples[2].map((s) => s.wall));
  const n = settings.checkCount;

  const rows: string[][] = [["measurement", "median", "min", "max", "n", "notes"]];
  const add = (
    label: string,
    s: Series,
    f: (v: number) => string,
    notes = "",
    error?: string,
  ): void => {
    if (s.samples.length === 0) {
      rows.push([label, "-", "-", "-", "0", error ? `ERROR: ${error.split("\n")[0]}` : notes]);
      return;
    }
    rows.push([label, f(s.median), f(s.min), f(s.max), String(s.samples.length), notes]);
  };
  const compareNote = compareSamples[0]
    ? `PSNR ${compareSamples[0].psnr.toFixed(2)} dB, SSIM ${compareSamples[0].ssim.toFixed(4)}`
    : "";
  add("floor: sharp PNG decode -> raw", floor.decode, fmtS, "", errors.get("floor"));
  add("floor: PNG encode (sharp defaults)", floor.png, fmtS, "", errors.get("floor"));
  add("floor: JPEG encode q75 4:2:0", floor.jpegEncode, fmtS, "", errors.get("floor"));
  add("floor: JPEG decode -> raw", floor.jpegDecode, fmtS, "", errors.get("floor"));
  add("floor: total (serial)", floor.total, fmtS, "median of per-run sums", errors.get("floor"));
  add(
    "floor: CPU time (user+sys)",
    floor.cpu,
    fmtS,
    "information: less sensitive to load",
    errors.get("floor"),
  );
  add("imgenc compare (wall)", cmp, fmtS, compareNote, errors.get("compare"));
  if (cmpCpu.samples.length) {
    add("imgenc compare CPU (user+sys)", cmpCpu, fmtS, "information: all threads, incl. startup");
  }
  add(
    `imgenc compare --client ${FOUR_CLIENTS}`,
    four,
    fmtS,
    "four client paths, one read",
    errors.get("four-clients"),
  );
  add(
    "imgenc compare peak RSS",
    cmpRss,
    fmtMB,
    rssList.length ? `raw RGBA frame ${fmtMB(rawFrame)}` : `not measured (${rssMethod})`,
    errors.get("compare"),
  );
  if (imSkip === undefined) {
    add(
      "ImageMagick convert+compare",
      im,
      fmtS,
      imSamples[0] ? `PSNR ${imSamples[0].psnr.toFixed(2)} dB` : "",
      errors.get("imagemagick"),
    );
  } else {
    rows.push(["ImageMagick convert+compare", "-", "-", "-", "0", `SKIPPED: ${imSkip}`]);
  }
  if (pilSkip === undefined) {
    add(
      "Pillow + NumPy script",
      pil,
      fmtS,
      pilSamples[0] ? `PSNR ${pilSamples[0].psnr.toFixed(2)} dB` : "",
      errors.get("pillow"),
    );
  } else {
    rows.push(["Pillow + NumPy script", "-", "-", "-", "0", `SKIPPED: ${pilSkip}`]);
  }
  add("node -e 0", nodeStart, fmtMs, "", errors.get("startup-node"));
  add("imgenc --version", versionStart, fmtMs, "", errors.get("startup-version"));
  add("imgenc --help", helpStart, fmtMs, "", errors.get("startup-help"));
  add(
    `node script: 4 sharp steps, ${SMALL_SIDE}x${SMALL_SIDE}`,
    smallFloor,
    fmtMs,
    "start-up included",
    errors.get("small-floor"),
  );
  add(
    `imgenc compare ${SMALL_SIDE}x${SMALL_SIDE}`,
    smallCmp,
    fmtMs,
    "",
    errors.get("small-compare"),
  );
  add(
    `sharp floor loop, ${n} images, 1 core`,
    loop,
    fmtS,
    busy(loopCpu, loop),
    errors.get("check-floor"),
  );
  if (pilSkip === undefined) {
    add(`Python check script, ${n} images`, py, fmtS, busy(pyCpu, py), errors.get("check-python"));
  }
  const tput = (s: Series): string =>
    s.samples.length ? `${(n / s.median).toFixed(1)} images/s` : "";
  const checkNote = (wall: Series, cpu: Series): string =>
    [tput(wall), busy(cpu, wall)].filter(Boolean).join("; ");
  add(
    `imgenc check --jobs 1 (${n} images)`,
    check1,
    fmtS,
    checkNote(check1, check1Cpu),
    errors.get("check-1"),
  );
  add(
    `imgenc check --jobs 2 (${n} images)`,
    check2,
    fmtS,
    checkNote(check2, check2Cpu),
    errors.get("check-2"),
  );

  const ratio = (a: Series, b: Series): number | null =>
    a.samples.length && b.samples.length ? a.median / b.median : null;
  const targets: Target[] = [
    target(
      "compare-vs-floor",
      "compare wall / serial floor",
      ratio(cmp, floor.total),
      "max",
      0.85,
      `${fmtS(cmp.median)} / ${fmtS(floor.total.median)}`,
    ),
    target(
      "vs-imagemagick",
      "ImageMagick / compare",
      imSkip === undefined ? ratio(im, cmp) : null,
      "min",
      2,
      imSkip === undefined ? `${fmtS(im.median)} / ${fmtS(cmp.median)}` : "",
      imSkip === undefined ? undefined : `skipped: ${imSkip}`,
    ),
    target(
      "vs-pillow",
      "Pillow+NumPy / compare",
      pilSkip === undefined ? ratio(pil, cmp) : null,
      "min",
      7,
      pilSkip === undefined ? `${fmtS(pil.median)} / ${fmtS(cmp.median)}` : "",
      pilSkip === undefined ? undefined : `skipped: ${pilSkip}`,
    ),
    target(
      "peak-memory",
      "compare peak RSS / raw RGBA frame",
      rssList.length ? cmpRss.max / rawFrame : null,
      "max",
      6,
      rssList.length ? `max ${fmtMB(cmpRss.max)} / ${fmtMB(rawFrame)}` : "",
      rssList.length ? undefined : "peak RSS not measurable",
    ),
    target(
      "four-clients",
      "four client paths / one",
      ratio(four, cmp),
      "max",
      2,
      `${fmtS(four.median)} / ${fmtS(cmp.median)}`,
    ),
    target(
      "small-compare",
      `compare ${SMALL_SIDE}x${SMALL_SIDE} / node script, 4 sharp steps`,
      ratio(smallCmp, smallFloor),
      "max",
      2,
      `${fmtMs(smallCmp.median)} / ${fmtMs(smallFloor.median)}`,
    ),
    target(
      "version-startup",
      "imgenc --version / node -e 0",
      ratio(versionStart, nodeStart),
      "max",
      1.2,
      `${fmtMs(versionStart.median)} / ${fmtMs(nodeStart.median)}`,
    ),
    target(
      "help-startup",
      "imgenc --help / node -e 0",
      ratio(helpStart, nodeStart),
      "max",
      1.2,
      `${fmtMs(helpStart.median)} / ${fmtMs(nodeStart.median)}`,
    ),
    target(
      "check-vs-floor",
      `check --jobs ${cores} / (sharp floor loop / ${cores} cores)`,
      loop.samples.length && check2.samples.length ? check2.median / (loop.median / cores) : null,
      "max",
      1.4,
      `${fmtS(check2.median)} / (${fmtS(loop.median)} / ${cores})`,
    ),
    target(
      "check-vs-python",
      `Python check script / check --jobs ${cores}`,
      pilSkip === undefined ? ratio(py, check2) : null,
      "min",
      3.5,
      pilSkip === undefined ? `${fmtS(py.median)} / ${fmtS(check2.median)}` : "",
      pilSkip === undefined ? undefined : `skipped: ${pilSkip}`,
    ),
  ];
  const targetRows: string[][] = [["target", "measured", "limit", "result", "from"]];
  for (const t of targets) {
    targetRows.push([
      t.label,
      t.value === null ? "-" : fmtX(t.value),
      `${t.kind === "max" ? "<=" : ">="} ${fmtX(t.limit)}`,
      t.pass === null
        ? t.note?.startsWith("skipped")
          ? "SKIP"
          : "ERROR"
        : t.pass
          ? "PASS"
          : "FAIL",
      t.note ?? t.detail,
    ]);
  }
  const met = targets.filter((t) => t.pass === true);
  const missed = targets.filter((t) => t.pass === false);
  const unmeasured = targets.filter((t) => t.pass === null);
  const loadAfter = loadavg();
  const summary =
    `SUMMARY (${settings.mode}): ${met.length}/${targets.length} targets met` +
    (missed.length ? `; MISSED: ${missed.map((t) => t.id).join(", ")}` : "") +
    (unmeasured.length ? `; not measured: ${unmeasured.map((t) => t.id).join(", ")}` : "");

  const bigSize = statSync(BIG_PNG).size;
  const header = [
    `imgenc bench (${settings.mode}), ${startedAt.toISOString()}`,
    machineLine,
    `1-min load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after (the bench adds ~2); peak RSS and child CPU via ${rssMethod}`,
    `input: ${bigRel} (${BIG_WIDTH}x${BIG_HEIGHT}, ${fmtMB(bigSize)}); check set: ${n} images ${CHECK_SIZES[0]?.join("x")} .. ${CHECK_SIZES[3]?.join("x")}`,
  ];
  // The bench itself keeps up to ~2 cores busy, so only the load before it started tells of
  // other work; a wide run-to-run spread tells of it during the run.
  if ((loadBefore[0] ?? 0) > machine.cores / 2) {
    header.push(
      `WARNING: the machine was busy when the bench started (1-min load ${loadBefore[0]?.toFixed(2)} ` +
        `on ${machine.cores} cores): absolute times may be inflated and ratios noisy`,
    );
  }
  const spread = (x: Series): number => (x.samples.length > 1 ? (x.max - x.min) / x.median : 0);
  const contenders: Array<[string, Series]> = [
    ["floor", floor.total],
    ["imgenc compare", cmp],
    ["ImageMagick", im],
    ["check --jobs 1", check1],
    ["check --jobs 2", check2],
    ["sharp floor loop", loop],
  ];
  const noisy = contenders.filter(([, x]) => spread(x) > 0.15);
  if (noisy.length > 0) {
    header.push(
      `WARNING: run-to-run spread over 15% (${noisy.map(([name]) => name).join(", ")}): ` +
        "other processes competed for the CPU; rerun on a quiet machine for firm ratios",
    );
  }
  const text = [
    ...header,
    "",
    table(rows, new Set([1, 2, 3, 4])),
    "",
    table(targetRows, new Set([1, 2])),
    "",
    summary,
  ].join("\n");
  process.stdout.write(`${text}\n`);

  const results = {
    generatedAt: startedAt.toISOString(),
    mode: settings.mode,
    settings,
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    rssMethod,
    input: {
      big: { path: bigRel, width: BIG_WIDTH, height: BIG_HEIGHT, bytes: bigSize },
      rawRgbaFrameBytes: rawFrame,
      checkImages: n,
      generatorVersion: GENERATOR_VERSION,
    },
    measurements: {
      floor,
      compare: {
        wallS: cmp,
        cpuS: cmpCpu,
        maxRssBytes: cmpRss,
        psnr: compareSamples[0]?.psnr ?? null,
        ssim: compareSamples[0]?.ssim ?? null,
      },
      fourClients: {
        wallS: four,
        cpuS: series(fourSamples.flatMap((s) => (s.cpu ? [s.cpu] : []))),
      },
      small: { side: SMALL_SIDE, nodeScriptMs: smallFloor, compareMs: smallCmp },
      imagemagick: imSkip
        ? { skipped: imSkip }
        : {
            wallS: im,
            maxRssBytes: series(imSamples.flatMap((s) => (s.maxRss ? [s.maxRss] : []))),
            psnr: imSamples[0]?.psnr ?? null,
          },
      pillow: pilSkip
        ? { skipped: pilSkip }
        : {
            wallS: pil,
            maxRssBytes: series(pilSamples.flatMap((s) => (s.maxRss ? [s.maxRss] : []))),
            psnr: pilSamples[0]?.psnr ?? null,
          },
      startupMs: { node: nodeStart, version: versionStart, help: helpStart },
      check: {
        jobs1: {
          wallS: check1,
          cpuS: check1Cpu,
          reportedMs: checkSamples[1].map((s) => s.reportedMs),
        },
        jobs2: {
          wallS: check2,
          cpuS: check2Cpu,
          reportedMs: checkSamples[2].map((s) => s.reportedMs),
        },
        sharpFloorLoop: { wallS: loop, cpuS: loopCpu },
        python: pilSkip ? { skipped: pilSkip } : { wallS: py, cpuS: pyCpu },
      },
    },
    targets,
    errors: errors.byKey,
    summary,
    table: text,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${relative(ROOT, RESULTS)}`);
  rmSync(TMP_DIR, { recursive: true, force: true });
  return 0;
}

function cleanup(): void {
  for (const child of active) killGroup(child);
}

process.once("SIGINT", () => {
  cleanup();
  process.exit(130);
});
process.once("SIGTERM", () => {
  cleanup();
  process.exit(143);
});

try {
  process.exitCode = await main();
} catch (e) {
  cleanup();
  process.stderr.write(
    `bench: ${e instanceof BenchError ? e.message : ((e as Error).stack ?? String(e))}\n`,
  );
  process.exitCode = 1;
}
