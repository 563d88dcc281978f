/**
 * Removes compiled files from dist/ whose TypeScript source is gone (a renamed or deleted
 * module), so an incremental `tsc` never leaves a stale module or test behind. Plain JavaScript:
 * `npm run build` runs it before tsc.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = join(root, "dist");
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

function prune(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    if (!OUTPUT.test(entry.name)) continue;
    const source = join(root, relative(dist, path)).replace(OUTPUT, ".ts");
    // Plain .js sources (scripts, the report's page script) compile to nothing in dist.
    if (!existsSync(source)) rmSync(path);
  }
}

if (existsSync(dist)) prune(dist);
