import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { SHELLS } from "../../src/cli/completion.js";
import { buildProgram } from "../../src/cli/program.js";
import { ROOT, runMain } from "../helpers/cli.js";

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "imgenc-completion-"));
after(() => rmSync(work, { recursive: true, force: true }));

const program = buildProgram(
  { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {} },
  () => {},
);
const version = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version;

/** A shell that is missing skips its tests, except in CI, which installs them all. */
function skipUnlessShell(shell: string): string | false {
  if (spawnSync(shell, ["-c", "exit 0"]).status === 0) return false;
  return process.env.CI === "true" ? false : `${shell} is not installed`;
}

async function script(shell: string): Promise<string> {
  const { code, stdout } = await runMain(["completion", shell]);
  assert.equal(code, 0);
  const file = join(work, `imgenc.${shell}`);
  writeFileSync(file, stdout);
  return file;
}

test("-v prints the version as -V does", async () => {
  for (const flag of ["-v", "-V", "--version"]) {
    const { code, stdout } = await runMain([flag]);
    assert.equal(code, 0);
    assert.equal(stdout, `${version}\n`);
  }
});

test("every command's help lists the global options, --debug among them", async () => {
  for (const command of program.commands) {
    const { code, stdout } = await runMain([command.name(), "--help"]);
    assert.equal(code, 0);
    const global = stdout.split("Global Options:\n")[1] ?? "";
    for (const flag of ["--debug", "--color", "--no-color", "--version"])
      assert.match(global, new RegExp(`^ +(-V, )?${flag} `, "m"), `${command.name()}: ${flag}`);
  }
});

test("an unknown shell is a usage error", async () => {
  const { code, stderr } = await runMain(["completion", "tcsh"]);
  assert.equal(code, 2);
  assert.match(stderr, /Allowed choices are bash, zsh, fish/);
});

test("each script names every command and every option of the program", async () => {
  for (const shell of SHELLS) {
    const { stdout } = await runMain(["completion", shell]);
    for (const command of program.commands) {
      assert.ok(stdout.includes(command.name()), `${shell}: ${command.name()}`);
      for (const option of command.options.filter((o) => !o.hidden)) {
        // fish names a long option without its dashes (-l quality).
        const long = option.long ?? "";
        const name = shell === "fish" ? `-l ${long.slice(2)} ` : long;
        assert.ok(stdout.includes(name), `${shell}: ${command.name()} ${long}`);
      }
    }
  }
});

describe("bash", { skip: skipUnlessShell("bash") }, () => {
  /** COMPREPLY for the words typed so far, the last one being completed. */
  async function complete(file: string, words: string[]): Promise<string[]> {
    const quoted = words.map((w) => `'${w}'`).join(" ");
    const { stdout } = await run("bash", [
      "-c",
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _imgenc; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "bash",
      file,
    ]);
    return stdout.split("\n").filter((line) => line !== "");
  }

  test("the script is valid bash and completes commands, options and choices", async () => {
    const file = await script("bash");
    await run("bash", ["-n", file]);
    assert.deepEqual(await complete(file, ["imgenc", "com"]), ["compare", "completion"]);
    assert.deepEqual(await complete(file, ["imgenc", "--no-color", "insp"]), ["inspect"]);
    assert.deepEqual(await complete(file, ["imgenc", "compare", "--em"]), ["--emit"]);
    assert.deepEqual(await complete(file, ["imgenc", "compare", "--emit", ""]), [
      "lossless",
      "lossy",
    ]);
    assert.deepEqual(await complete(file, ["imgenc", "check", "--deb"]), ["--debug"]);
    assert.deepEqual(await complete(file, ["imgenc", "completion", "z"]), ["zsh"]);
  });
});

describe("zsh", { skip: skipUnlessShell("zsh") }, () => {
  test("the script is valid zsh and completes a command name in a real zsh", async () => {
    const file = await script("zsh");
    await run("zsh", ["-n", file]);
    // An interactive zsh on a pseudo-terminal, where completion runs: two tabs list the matches.
    const driver = join(work, "drive.zsh");
    writeFileSync(
      driver,
      [
        "zmodload zsh/zpty",
        "zpty z zsh -f -i",
        `zpty -w z 'autoload -U compinit; compinit -u -D; source ${file}'`,
        "zpty -w z $'imgenc com\\t\\t'",
        "zpty -r z out '*script for bash*'",
        'print -r -- "$out"',
        "zpty -d z",
      ].join("\n"),
    );
    const { stdout } = await run("zsh", ["-f", driver], { timeout: 20_000 });
    assert.match(stdout, /compare +-- compare a lossless payload/);
    assert.match(stdout, /completion +-- print a shell completion script/);
  });
});

describe("fish", { skip: skipUnlessShell("fish") }, () => {
  test("the script is valid fish and completes commands, options and choices", async () => {
    const file = await script("fish");
    await run("fish", ["--no-execute", file]);
    const complete = async (line: string) => {
      const { stdout } = await run("fish", ["-c", `source $argv[1]; complete -C '${line}'`, file]);
      return stdout.split("\n").map((l) => l.split("\t")[0]);
    };
    assert.deepEqual((await complete("imgenc com")).slice(0, 2), ["compare", "completion"]);
    assert.ok((await complete("imgenc compare --em")).includes("--emit"));
    assert.ok((await complete("imgenc compare --emit ")).includes("lossless"));
    assert.ok((await complete("imgenc completion ")).includes("fish"));
  });
});
