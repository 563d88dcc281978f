import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";

/** Debian's interpreter: the one python3-pil and python3-numpy install into. */
const PYTHON = "/usr/bin/python3";

const cache = new Map<string, string | null>();

/**
 * Returns null when `/usr/bin/python3` can import every module, else the reason it cannot.
 * Tests use it through `skipUnlessPython`, which turns a missing module into a failure in CI.
 */
function pythonMissing(modules: string[]): string | null {
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
        : `${PYTHON} lacks ${modules.join(", ")} (apt-get install python3-pil python3-numpy python3-skimage python3-opencv python3-torch python3-torchvision)`;
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

/**
 * The loop a PythonSession runs: the caller's script defines functions; each request is a JSON
 * line `{fn, args, size}` followed by `size` bytes of input, passed as the first argument. A
 * reply is a tag (K ok, E error with the traceback), a u32 BE length and that many bytes.
 */
const SESSION_LOOP = `
import json, struct, sys, traceback
namespace = {"__name__": "session"}
exec(sys.argv[1], namespace)
requests, replies = sys.stdin.buffer, sys.stdout.buffer
while True:
    line = requests.readline()
    if not line:
        break
    request = json.loads(line)
    data = requests.read(request["size"])
    try:
        result, tag = bytes(namespace[request["fn"]](data, *request["args"])), b"K"
    except BaseException:
        result, tag = traceback.format_exc().encode(), b"E"
    replies.write(tag + struct.pack(">I", len(result)) + result)
    replies.flush()
`;

interface Pending {
  resolve: (value: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * One Debian Python process for many reference calls: starting Python and importing Pillow,
 * NumPy or OpenCV costs 0.1-0.6 s of CPU each time, more than most of the calls themselves.
 * The process is unreferenced while no call is waiting, so a test file never hangs on it.
 */
export class PythonSession {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: Pending[] = [];
  #buffered: Buffer = Buffer.alloc(0);
  #stderr = "";
  #failure: Error | undefined;

  constructor(script: string) {
    this.#child = spawn(PYTHON, ["-c", SESSION_LOOP, script]);
    this.#child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#child.stderr.setEncoding("utf8").on("data", (text: string) => {
      this.#stderr += text;
    });
    this.#child.on("error", (error) => this.#fail(error));
    this.#child.on("exit", (code, signal) =>
      this.#fail(new Error(`python exited (${signal ?? code}): ${this.#stderr}`)),
    );
    this.#child.stdin.on("error", () => undefined);
    this.#setReferenced(false);
  }

  /** Calls `fn(input, *args)` in the script; resolves with the bytes it returns. */
  call(
    fn: string,
    args: (string | number | boolean | null)[] = [],
    input?: Buffer,
  ): Promise<Buffer> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const data = input ?? Buffer.alloc(0);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#setReferenced(true);
      this.#child.stdin.write(`${JSON.stringify({ fn, args, size: data.length })}\n`);
      this.#child.stdin.write(data);
    });
  }

  close(): void {
    this.#child.stdin.end();
  }

  #onData(chunk: Buffer): void {
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    while (this.#buffered.length >= 5) {
      const size = this.#buffered.readUInt32BE(1);
      if (this.#buffered.length < 5 + size) return;
      const tag = String.fromCharCode(this.#buffered[0] ?? 0);
      const body = this.#buffered.subarray(5, 5 + size);
      this.#buffered = this.#buffered.subarray(5 + size);
      const pending = this.#waiting.shift();
      if (this.#waiting.length === 0) this.#setReferenced(false);
      if (tag === "K") pending?.resolve(body);
      else pending?.reject(new Error(`python failed: ${body.toString()}`));
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#waiting.splice(0)) pending.reject(this.#failure);
    this.#setReferenced(false);
  }

  #setReferenced(on: boolean): void {
    for (const handle of [this.#child, this.#child.stdout, this.#child.stdin, this.#child.stderr]) {
      const target = handle as { ref?: () => void; unref?: () => void };
      if (on) target.ref?.();
      else target.unref?.();
    }
  }
}
