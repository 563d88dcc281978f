import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT } from "./cli.js";

/**
 * The `skip` option for node:test from a reason the test cannot run here (or null). With CI=true
 * nothing is skipped: the test runs and fails loudly instead of passing silently.
 */
export function skipUnless(reason: string | null): string | false {
  return reason === null || process.env.CI === "true" ? false : reason;
}

let tmpfsReason: string | null | undefined;

/** Why a small tmpfs cannot be mounted here (not root, no mount(8), no permission), or null. */
export function tmpfsMissing(): string | null {
  if (tmpfsReason !== undefined) return tmpfsReason;
  if (process.getuid?.() !== 0) {
    tmpfsReason = "needs root to mount a small tmpfs (a real full disk)";
    return tmpfsReason;
  }
  const probe = mkdtempSync(join(tmpdir(), "imgenc-tmpfs-probe-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  tmpfsReason =
    mounted.error !== undefined || mounted.status !== 0
      ? `cannot mount a tmpfs: ${mounted.error?.message ?? mounted.stderr.toString().trim()}`
      : null;
  if (tmpfsReason === null) spawnSync("umount", [probe]);
  rmSync(probe, { recursive: true, force: true });
  return tmpfsReason;
}

export interface Tmpfs {
  dir: string;
  /** Unmounts and removes the mount point. */
  remove: () => void;
}

/** A real small filesystem, `mount -t tmpfs -o size=<size>[,ro]`, for full-disk tests. */
export function mountTmpfs(size = "64k", options: { readOnly?: boolean } = {}): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), "imgenc-tmpfs-"));
  const flags = `size=${size}${options.readOnly ? ",ro" : ""}`;
  execFileSync("mount", ["-t", "tmpfs", "-o", flags, "tmpfs", dir]);
  return {
    dir,
    remove: () => {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the filesystem holding `dir` until it has no block left. */
export function fill(dir: string): void {
  const fd = openSync(join(dir, "filler"), "w");
  const block = Buffer.alloc(4096, 0x55);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

export interface FdRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns bin/imgenc.js with stdin and/or stdout on real file descriptors (a file, /dev/full),
 * as a shell's `< file` and `> file` do; stderr is collected.
 */
export function runCliOnFds(
  args: string[],
  fds: { stdin?: number; stdout?: number },
  options: { cwd?: string } = {},
): Promise<FdRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ["NO_COLOR", "FORCE_COLOR"]) delete env[key];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: [fds.stdin ?? "ignore", fds.stdout ?? "pipe", "pipe"],
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}
