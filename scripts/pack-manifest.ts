/**
 * The packed package.json without `prepare`: a checkout needs it (`npm install` compiles), but
 * in a tarball npm 11 flags it as an install script to approve, and the tarball already holds
 * dist/. `npm pack` runs `prepack` (strip, keeping the original aside) and `postpack` (restore).
 *
 *   node dist/scripts/pack-manifest.js strip | restore
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MANIFEST = `${ROOT}package.json`;
const KEPT = `${ROOT}.package.json.unpacked`;

/** The manifest text without the install-time `prepare` script. */
export function packedManifest(text: string): string {
  const manifest = JSON.parse(text) as { scripts?: Record<string, string> };
  if (manifest.scripts) delete manifest.scripts.prepare;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

// Run as a script (npm's prepack and postpack), not when a test imports packedManifest.
const step = import.meta.url === pathToFileURL(process.argv[1] ?? "").href ? process.argv[2] : "";
if (step === "strip") {
  // A failed earlier pack left the original aside: never overwrite it with a stripped copy.
  if (!existsSync(KEPT)) renameSync(MANIFEST, KEPT);
  writeFileSync(MANIFEST, packedManifest(readFileSync(KEPT, "utf8")));
} else if (step === "restore") {
  if (existsSync(KEPT)) renameSync(KEPT, MANIFEST);
} else if (step !== "") {
  process.stderr.write(`pack-manifest: unknown step ${step} (strip or restore)\n`);
  process.exitCode = 2;
}
