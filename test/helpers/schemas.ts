import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** The schemas shipped in schemas/, by file name without `.schema.json`. */
export type SchemaName =
  | "compare"
  | "inspect"
  | "check"
  | "check-line"
  | "ask"
  | "ask-line"
  | "proxy-log"
  | "config"
  | "common";

const SCHEMAS = fileURLToPath(new URL("../../../schemas/", import.meta.url));
let ajv: Ajv2020 | undefined;

function validator(): Ajv2020 {
  if (ajv !== undefined) return ajv;
  ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
  });
  addFormats.default(ajv);
  for (const file of readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")))
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), "utf8")));
  return ajv;
}

function idOf(name: SchemaName): string {
  return JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), "utf8")).$id;
}

/** The errors ajv finds in `value` against the named schema; empty when it is valid. */
export function schemaErrors(name: SchemaName, value: unknown): ErrorObject[] {
  const validate = validator().getSchema(idOf(name));
  assert.ok(validate, `no schema ${name}`);
  return validate(value) ? [] : (validate.errors ?? []);
}

/** Fails the test when `value` does not match the named schema, naming where and why. */
export function assertSchema(name: SchemaName, value: unknown): void {
  const errors = schemaErrors(name, value);
  const where = errors.map((e) => `${e.instancePath || "/"} ${e.message}`).slice(0, 8);
  assert.equal(errors.length, 0, `not a valid ${name} document: ${where.join("; ")}`);
}

const DOCUMENTS: Record<string, { json: SchemaName; jsonl?: SchemaName }> = {
  compare: { json: "compare" },
  inspect: { json: "inspect" },
  check: { json: "check", jsonl: "check-line" },
  ask: { json: "ask", jsonl: "ask-line" },
};

/**
 * Validates what a run printed on stdout with --json or --jsonl against its command's schema:
 * runMain and runCli call this on every run, so every JSON output of the tests is checked.
 */
export function assertOutputSchema(args: readonly string[], printed: string): void {
  let stdout = printed;
  const end = args.indexOf("--");
  const flags = end === -1 ? args : args.slice(0, end);
  const command = flags.find((arg) => !arg.startsWith("-"));
  const documents = command === undefined ? undefined : DOCUMENTS[command];
  // With --output the document goes to that file, and stdout keeps the table or annotations.
  const output = flags.indexOf("--output");
  if (output !== -1) {
    const file = flags[output + 1];
    if (file === undefined || !existsSync(file)) return;
    stdout = readFileSync(file, "utf8");
  }
  if (documents === undefined || stdout.trim() === "") return;
  if (documents.jsonl !== undefined && flags.includes("--jsonl")) {
    for (const line of stdout.split("\n").filter((l) => l !== ""))
      assertSchema(documents.jsonl, JSON.parse(line));
  } else if (flags.includes("--json")) {
    assertSchema(documents.json, JSON.parse(stdout));
  }
}
