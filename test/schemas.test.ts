import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseConfig } from "../src/check/config.js";
import { CONFIG_KEYS, SETTINGS } from "../src/settings.js";
import { ROOT } from "./helpers/cli.js";
import { assertSchema, type SchemaName, schemaErrors } from "./helpers/schemas.js";

const folder = join(ROOT, "schemas");
const read = (file: string) => JSON.parse(readFileSync(join(folder, file), "utf8"));
const golden = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, "test", "golden", name), "utf8"));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("the JSON Schemas in schemas/", () => {
  test("each is draft 2020-12 with an $id naming its file, and the README links it", () => {
    for (const file of readdirSync(folder)) {
      const schema = read(file);
      assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema", file);
      assert.equal(schema.$id, `https://unpkg.com/imgenc/schemas/${file}`, file);
      if (file !== "common.schema.json") assert.ok(readme.includes(`(schemas/${file})`), file);
    }
  });

  test("they are strict: a wrong type or a missing field fails", () => {
    const doc = golden("photo.png.compare-model.json");
    assertSchema("compare", doc);
    const wrongType = structuredClone(doc);
    wrongType.metrics.psnr = "38.7";
    assert.ok(schemaErrors("compare", wrongType).some((e) => e.instancePath === "/metrics/psnr"));
    const { passed: _passed, ...noPassed } = doc;
    assert.ok(schemaErrors("compare", noPassed).some((e) => e.params.missingProperty === "passed"));
    // Version 1 never carries client paths; version 2 always does.
    assert.notDeepEqual(schemaErrors("compare", { ...doc, schemaVersion: 2 }), []);
    const inspect = golden("photo.png.inspect.json");
    assertSchema("inspect", inspect);
    assert.notDeepEqual(schemaErrors("inspect", { ...inspect, findings: [{ code: "x" }] }), []);
  });

  test("the error document is valid wherever a command prints JSON", () => {
    const error = { schemaVersion: 1, error: { code: "not-found", input: "a.png", message: "m" } };
    const names: SchemaName[] = ["compare", "inspect", "check", "check-line", "ask", "ask-line"];
    for (const name of names) assertSchema(name, error);
    assert.notDeepEqual(schemaErrors("compare", { schemaVersion: 1, error: { code: 2 } }), []);
  });
});

describe("config.schema.json", () => {
  const schema = read("config.schema.json");

  test("has every config key of the settings table, with its choices", () => {
    const keys = Object.keys(schema.properties).filter((k) => k !== "$schema" && k !== "overrides");
    assert.deepEqual(keys.sort(), [...CONFIG_KEYS].sort());
    for (const key of CONFIG_KEYS) {
      const choices = (SETTINGS[key] as { choices?: readonly string[] }).choices;
      if (choices !== undefined) assert.deepEqual(schema.properties[key].enum, [...choices], key);
    }
  });

  test("the README's config is valid, and imgenc reads it with a $schema key", () => {
    const example = /### Configuration[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example);
    const config = { $schema: schema.$id, ...JSON.parse(example) };
    assertSchema("config", config);
    const parsed = parseConfig(config, "imgenc.config.json");
    assert.equal(parsed.overrides.length, 2);
  });

  test("what imgenc refuses, the schema refuses", () => {
    const bad = [
      { minSsim: "high" },
      { quality: 0 },
      { qualty: 75 },
      { maxMismatch: "1 percent" },
      { overrides: [{ minPsnr: 30 }] },
      { client: ["pillow", "pillow"] },
    ];
    for (const config of bad) {
      assert.notDeepEqual(schemaErrors("config", config), [], JSON.stringify(config));
      assert.throws(() => parseConfig(config, "imgenc.config.json"), JSON.stringify(config));
    }
  });
});
