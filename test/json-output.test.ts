import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ROOT, runMain } from "./helpers/cli.js";

/**
 * The JSON documents scripts depend on, byte for byte, for every fixture. Refactoring must not
 * change them; a deliberate change regenerates the files with IMGENC_UPDATE_GOLDEN=1 and shows
 * up in review as a diff of test/golden/.
 */
const GOLDEN = fileURLToPath(new URL("../../test/golden/", import.meta.url));
const UPDATE = process.env.IMGENC_UPDATE_GOLDEN === "1";
const fixtures = readdirSync(join(ROOT, "fixtures"))
  .filter((name) => /\.(png|jpe?g|gif|webp)$/i.test(name))
  .sort();

const RUNS: Array<{ name: string; args: (fixture: string) => string[] }> = [
  { name: "compare", args: (f) => ["compare", f, "--json"] },
  { name: "compare-model", args: (f) => ["compare", f, "--json", "--model", "qwen2.5-vl"] },
  { name: "inspect", args: (f) => ["inspect", f, "--json"] },
];

// Inputs are echoed as given: relative to the repository, whatever the runner's folder.
process.chdir(ROOT);

describe("JSON output on the fixtures is unchanged", () => {
  if (UPDATE) mkdirSync(GOLDEN, { recursive: true });
  for (const fixture of fixtures) {
    for (const run of RUNS) {
      test(`${run.name} ${fixture}`, async () => {
        const result = await runMain(run.args(`fixtures/${fixture}`));
        assert.ok(result.code === 0 || result.code === 1, result.stderr);
        const file = join(GOLDEN, `${fixture}.${run.name}.json`);
        if (UPDATE) writeFileSync(file, result.stdout);
        assert.equal(result.stdout, readFileSync(file, "utf8"));
      });
    }
  }
});
