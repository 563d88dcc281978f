import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SCRIPT = fileURLToPath(new URL("../../../scripts/build-report-assets.js", import.meta.url));
const REPORT = fileURLToPath(new URL("../../../src/report/", import.meta.url));
const FILES = ["page.css", "page.js", "page-assets.generated.ts"];
const MODULE = "page-assets.generated.ts";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "imgenc-report-assets-"));
  dirs.push(dir);
  return dir;
}

function run(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, "--dir", dir, ...args], {
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The generated module's exports, compiled by the real TypeScript compiler. */
async function load(file: string): Promise<{ PAGE_CSS: string; PAGE_JS: string }> {
  const js = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
}

test("--check passes on the committed files and fails, naming the module, when page.css changes", () => {
  const dir = tempDir();
  for (const name of FILES) copyFileSync(join(REPORT, name), join(dir, name));
  const ok = run(dir, "--check");
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /page-assets\.generated\.ts matches page\.css and page\.js/);

  writeFileSync(join(dir, "page.css"), ".added{color:red}\n", { flag: "a" });
  const stale = run(dir, "--check");
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /page-assets\.generated\.ts is not what page\.css and page\.js give/);
  assert.equal(
    readFileSync(join(dir, MODULE), "utf8"),
    readFileSync(join(REPORT, MODULE), "utf8"),
    "--check writes nothing",
  );

  const rebuilt = run(dir);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(run(dir, "--check").code, 0);
});

test("--check fails when the module is missing", () => {
  const dir = tempDir();
  for (const name of ["page.css", "page.js"]) copyFileSync(join(REPORT, name), join(dir, name));
  const missing = run(dir, "--check");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /page-assets\.generated\.ts/);
});

test("the module holds the two files' text exactly, backticks, backslashes and ${ included", async () => {
  const dir = tempDir();
  // \u0024 is "$": each text holds a template placeholder, which must stay plain text.
  const css = '.a::before{content:"\\\\`\u0024{x}`\\""}\n';
  const js = '"use strict";\nconst t = `a \u0024{1} \\` \\\\ \\n`;\nconsole.log(t, "\\u2028");\n';
  writeFileSync(join(dir, "page.css"), css);
  writeFileSync(join(dir, "page.js"), js);
  const result = run(dir);
  assert.equal(result.code, 0, result.stderr);
  const module = await load(join(dir, MODULE));
  assert.equal(module.PAGE_CSS, css);
  assert.equal(module.PAGE_JS, js);
});
