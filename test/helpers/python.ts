import { spawnSync } from "node:child_process";

/** Debian's interpreter: the one python3-pil and python3-numpy install into. */
export const PYTHON = "/usr/bin/python3";

const cache = new Map<string, string | null>();

/**
 * Returns null when `/usr/bin/python3` can import every module, else the reason it cannot.
 * Tests use it through `skipUnlessPython`, which turns a missing module into a failure in CI.
 */
export function pythonMissing(modules: string[]): string | null {
  const key = modules.join(",");
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const check = modules.length === 0 ? "pass" : `import ${modules.join(", ")}`;
  const result = spawnSync(PYTHON, ["-c", check], { encoding: "utf8" });
  const reason =
    result.error !== undefined
      ? `${PYTHON} not found`
      : result.status === 0
        ? null
        : `${PYTHON} lacks ${modules.join(", ")} (apt-get install python3-pil python3-numpy python3-skimage)`;
  cache.set(key, reason);
  return reason;
}

/**
 * The `skip` option for node:test. Locally a missing module skips the test; with CI=true it
 * is not skipped, so the test runs and fails loudly instead of passing silently.
 */
export function skipUnlessPython(modules: string[]): string | false {
  const reason = pythonMissing(modules);
  if (reason === null || process.env.CI === "true") return false;
  return reason;
}

/** Runs a Python script with Debian's interpreter; throws with stderr when it fails. */
export function runPython(script: string, args: string[] = [], input?: Buffer): Buffer {
  const result = spawnSync(PYTHON, ["-c", script, ...args], {
    input,
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`python failed (${result.status}): ${result.stderr.toString()}`);
  }
  return result.stdout;
}
