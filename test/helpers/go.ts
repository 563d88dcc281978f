import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.js";
import { skipUnless } from "./filesystem.js";

/**
 * Go reference programs for tests. Usage:
 *
 *   test("...", { skip: skipUnlessGo() }, () => {
 *     const outputs = runGo(SOURCE, inputs);   // one process for every input
 *   });
 *
 * SOURCE is a whole `package main` file. It is built once per distinct source (and Go version)
 * into node_modules/.cache/imgenc/go/<hash>/, in GOPATH mode (GO111MODULE=off) with
 * GOPATH=/usr/share/gocode, so the standard library and Debian's golang-*-dev packages (e.g.
 * golang.org/x/image) are importable offline.
 *
 * Protocol: stdin is every input framed as a u32 big-endian length then that many bytes; the
 * program answers each input, in order, the same way on stdout (a u32 BE length, the bytes).
 * What the bytes mean (a tag for errors, a header) is the program's own business.
 */

const GOPATH = "/usr/share/gocode";
const CACHE = join(ROOT, "node_modules", ".cache", "imgenc", "go");

let version: string | null | undefined;

/** `go version` output, or null when no Go toolchain runs here. */
function goVersion(): string | null {
  if (version !== undefined) return version;
  const result = spawnSync("go", ["version"], { encoding: "utf8" });
  version = result.error === undefined && result.status === 0 ? result.stdout.trim() : null;
  return version;
}

/**
 * The `skip` option for node:test: skips locally when `go` is absent; with CI=true the test
 * runs anyway and fails loudly instead of passing silently.
 */
export function skipUnlessGo(): string | false {
  return skipUnless(
    goVersion() === null
      ? "go not found (apt-get install golang-go golang-golang-x-image-dev)"
      : null,
  );
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: "off",
    GOPATH,
    GOFLAGS: "",
    GOCACHE: join(CACHE, "build-cache"),
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
  };
}

/** Builds `source` (a `package main` file) once; returns the path of the executable. */
function buildGo(source: string): string {
  const key = createHash("sha256").update(`${goVersion()}\n${source}`).digest("hex").slice(0, 16);
  const dir = join(CACHE, key);
  const binary = join(dir, "main");
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "build-"));
  try {
    writeFileSync(join(work, "main.go"), source);
    const result = spawnSync("go", ["build", "-o", "main", "main.go"], {
      cwd: work,
      env: goEnv(),
      encoding: "utf8",
    });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`go build failed: ${result.stderr}`);
    mkdirSync(dir, { recursive: true });
    renameSync(join(work, "main"), binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

/**
 * Builds `source` if needed, runs it once with every input (framed as described above) and
 * returns its answers in order. Throws with stderr when the program fails or answers short.
 */
export function runGo(source: string, inputs: Uint8Array[], args: string[] = []): Buffer[] {
  const binary = buildGo(source);
  const frames: Buffer[] = [];
  for (const input of inputs) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(input.length);
    frames.push(length, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }
  const result = spawnSync(binary, args, {
    input: Buffer.concat(frames),
    maxBuffer: 2 ** 31,
    env: goEnv(),
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`go program failed (${result.status}): ${result.stderr.toString()}`);
  }
  const outputs: Buffer[] = [];
  const out = result.stdout;
  let at = 0;
  while (at + 4 <= out.length) {
    const size = out.readUInt32BE(at);
    outputs.push(out.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  if (at !== out.length || outputs.length !== inputs.length) {
    throw new Error(`go program answered ${outputs.length} of ${inputs.length} inputs`);
  }
  return outputs;
}
