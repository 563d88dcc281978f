import { readFileSync, writeFileSync } from "node:fs";

/** Writes a generated fixture only when its bytes changed, and says which. */
export function writeFixture(path: string, bytes: Buffer): "created" | "updated" | "unchanged" {
  let old: Buffer | undefined;
  try {
    old = readFileSync(path);
  } catch {
    old = undefined;
  }
  if (old?.equals(bytes)) return "unchanged";
  writeFileSync(path, bytes);
  return old === undefined ? "created" : "updated";
}
