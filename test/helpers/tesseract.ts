import { spawn, spawnSync } from "node:child_process";

let missing: string | null | undefined;

/** Null when Debian's `tesseract` runs and has the English model, else why not. */
function tesseractMissing(): string | null {
  if (missing !== undefined) return missing;
  const result = spawnSync("tesseract", ["--list-langs"], { encoding: "utf8" });
  missing =
    result.error !== undefined
      ? "tesseract not found (apt-get install tesseract-ocr tesseract-ocr-eng)"
      : /^eng$/m.test(result.stdout)
        ? null
        : "tesseract has no English model (apt-get install tesseract-ocr-eng)";
  return missing;
}

/**
 * The `skip` option for node:test. Locally a missing Tesseract skips the test; with CI=true it
 * is not skipped, so the test runs and fails loudly instead of passing silently.
 */
export function skipUnlessTesseract(): string | false {
  const reason = tesseractMissing();
  if (reason === null || process.env.CI === "true") return false;
  return reason;
}

/** Whitespace collapsed to single spaces, trimmed: how every OCR answer is compared. */
function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * What Tesseract reads from an image file's bytes (PNG here): `tesseract - stdout` with the
 * default page segmentation, one thread, whitespace collapsed. Deterministic for the same bytes.
 */
export function readText(image: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("tesseract", ["-", "stdout"], {
      env: { ...process.env, OMP_THREAD_LIMIT: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      err += text;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(collapseWhitespace(Buffer.concat(out).toString("utf8")));
      else reject(new Error(`tesseract failed (${code}): ${err.trim()}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(image);
  });
}
