import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/build-wasm.js", import.meta.url));
const METRICS = fileURLToPath(new URL("../../../src/metrics/", import.meta.url));
const FILES = ["ssim.wat", "ssim-wasm-module.ts", "pixels.wat", "pixels-wasm-module.ts"];

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the .wat files and their committed modules. */
function copyOfMetrics(): string {
  const dir = mkdtempSync(join(tmpdir(), "imgenc-wasm-"));
  dirs.push(dir);
  for (const name of FILES) copyFileSync(join(METRICS, name), join(dir, name));
  return dir;
}

function run(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, "--dir", dir, ...args], {
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");

test("--check passes when the committed modules are what the .wat files build to", () => {
  const ok = run(copyOfMetrics(), "--check");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stderr, "");
  assert.match(ok.stdout, /match their \.wat files/);
});

test("--check fails naming the module whose .wat changed, and writes nothing", () => {
  const dir = copyOfMetrics();
  const wat = read(dir, "pixels.wat");
  // A different block size: different code, so different bytes.
  const changed = wat.replace("(i32.const 16384)", "(i32.const 8192)");
  assert.notEqual(changed, wat);
  writeFileSync(join(dir, "pixels.wat"), changed);

  const stale = run(dir, "--check");
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /pixels-wasm-module\.ts is not what pixels\.wat builds to/);
  assert.doesNotMatch(stale.stderr, /ssim/);
  assert.equal(read(dir, "pixels-wasm-module.ts"), read(METRICS, "pixels-wasm-module.ts"));

  // Rebuilding brings the module in line with the new .wat.
  const rebuilt = run(dir);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.notEqual(read(dir, "pixels-wasm-module.ts"), read(METRICS, "pixels-wasm-module.ts"));
  assert.equal(read(dir, "ssim-wasm-module.ts"), read(METRICS, "ssim-wasm-module.ts"));
  assert.equal(run(dir, "--check").code, 0);
});

test("--check fails naming a module edited by hand", () => {
  const dir = copyOfMetrics();
  const module = read(dir, "ssim-wasm-module.ts");
  writeFileSync(join(dir, "ssim-wasm-module.ts"), module.replace('"AGFzbQ', '"AGFzbR'));
  const stale = run(dir, "--check");
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /ssim-wasm-module\.ts is not what ssim\.wat builds to/);
  assert.doesNotMatch(stale.stderr, /pixels/);
});
