import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { packedManifest } from "../scripts/pack-manifest.js";
import { ROOT } from "./helpers/cli.js";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** What `npm pack` puts in the tarball, without running the build first. */
async function packed(): Promise<string[]> {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as { files: { path: string }[] }[];
  assert.ok(result);
  return result.files.map((f) => f.path);
}

test("the tarball holds the CLI, the library, its sources and the licence; no tests or fixtures", async () => {
  const files = await packed();
  const set = new Set(files);
  for (const file of [
    "package.json",
    "README.md",
    "LICENSE",
    "bin/imgenc.js",
    "dist/src/index.js",
    "dist/src/index.d.ts",
    "dist/src/cli/main.js",
    "src/index.ts",
    "schemas/compare.schema.json",
  ])
    assert.ok(set.has(file), `${file} is missing`);
  for (const file of files) {
    assert.match(
      file,
      /^(package\.json|README\.md|LICENSE|bin\/|dist\/src\/|src\/|schemas\/)/,
      file,
    );
    assert.doesNotMatch(file, /(^|\/)(test|tests|fixtures|golden)\//, file);
    assert.doesNotMatch(file, /\.test\.|\.tsbuildinfo$|\.tgz$/, file);
  }
  // Every source map ships with the sources it names.
  const maps = files.filter((f) => f.endsWith(".map"));
  assert.ok(maps.length > 0);
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as { sources: string[] };
    for (const source of sources) {
      const path = posix.normalize(posix.join(dirname(map), source));
      assert.ok(set.has(path), `${map} names ${path}, which is not in the tarball`);
    }
  }
});

test("installing the tarball runs no script: dist/ is already built", () => {
  // A checkout compiles on npm install; the packed manifest drops prepare (dist/ is in it).
  assert.equal(pkg.scripts.prepare, "npm run build");
  assert.match(pkg.scripts.prepack, /pack-manifest\.js strip$/);
  assert.match(pkg.scripts.postpack, /pack-manifest\.js restore$/);
  const packed = JSON.parse(packedManifest(readFileSync(join(ROOT, "package.json"), "utf8")));
  for (const hook of ["preinstall", "install", "postinstall", "prepare"])
    assert.equal(packed.scripts[hook], undefined, `scripts.${hook}`);
  assert.deepEqual({ ...packed, scripts: undefined }, { ...pkg, scripts: undefined });
});

/** Whether Node `version` satisfies a simple engines range: ">=x.y.z", "^x.y.z", joined by "||". */
function satisfies(version: string, range: string): boolean {
  const parse = (v: string) => v.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const compare = (a: number[], b: number[]) =>
    (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0);
  const v = parse(version);
  return range.split("||").some((part) => {
    const [, op, bound] = /^\s*(>=|\^)\s*([\d.]+)\s*$/.exec(part) ?? [];
    assert.ok(op && bound, `unexpected engines range ${range}`);
    const b = parse(bound);
    return compare(v, b) >= 0 && (op === ">=" || v[0] === b[0]);
  });
}

test("the licence is MIT, and engines asks for the Node every dependency needs", () => {
  assert.equal(pkg.license, "MIT");
  assert.match(readFileSync(join(ROOT, "LICENSE"), "utf8"), /^MIT License\n/);
  for (const field of ["repository", "homepage", "bugs", "keywords", "author"])
    assert.ok(pkg[field], `package.json has no ${field}`);
  const [, minimum] = /^>=(\d+\.\d+\.\d+)$/.exec(pkg.engines.node) ?? [];
  assert.ok(minimum, pkg.engines.node);
  for (const name of Object.keys(pkg.dependencies)) {
    const dependency = JSON.parse(
      readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
    );
    const range = dependency.engines?.node;
    if (range !== undefined) assert.ok(satisfies(minimum, range), `${name} needs Node ${range}`);
  }
});
