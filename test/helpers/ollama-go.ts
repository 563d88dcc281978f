import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.js";
import { runGo } from "./go.js";

/** test/server/ollama-go.go: Go's decode, composite, SmartResize, BiLinear and decodeImageURL. */
const SOURCE = readFileSync(join(ROOT, "test", "server", "ollama-go.go"), "utf8");

export interface GoRequest {
  op: "image" | "scale" | "url";
  plans?: { factor: number; minPixels: number; maxPixels: number }[];
  sw?: number;
  sh?: number;
  dw?: number;
  dh?: number;
  url?: string;
}

export interface GoReply {
  error?: string;
  type?: string;
  width?: number;
  height?: number;
  plans?: { width: number; height: number; panic?: string }[];
}

/** Runs every request through one process of the Go reference; returns replies and payloads. */
export function runOllamaGo(
  requests: { request: GoRequest; payload?: Uint8Array }[],
): { reply: GoReply; payload: Buffer }[] {
  const frames = requests.map(({ request, payload = new Uint8Array(0) }) => {
    const head = Buffer.from(JSON.stringify(request));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    return Buffer.concat([length, head, payload]);
  });
  return runGo(SOURCE, frames).map((answer) => {
    const size = answer.readUInt32BE(0);
    const reply = JSON.parse(answer.subarray(4, 4 + size).toString("utf8")) as GoReply;
    return { reply, payload: answer.subarray(4 + size) };
  });
}

/** The largest channel difference and the share of pixels (3 bytes each) that differ at all. */
export function pixelDiff(a: Uint8Array, b: Uint8Array): { max: number; share: number } {
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i += 3) {
    let pixel = 0;
    for (let c = 0; c < 3; c++)
      pixel = Math.max(pixel, Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0)));
    if (pixel > 0) differing++;
    max = Math.max(max, pixel);
  }
  return { max, share: a.length === 0 ? 0 : differing / (a.length / 3) };
}
