import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { discover, selectShard } from "../../src/check/discover.js";

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), "imgenc-discover-"));
  for (const path of [
    "a.png",
    "b.JPG",
    "notes.txt",
    "sub/c.webp",
    "sub/deeper/d.gif",
    ".hidden/e.png",
    "node_modules/pkg/f.png",
    "sub/.cache/g.png",
  ]) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "x");
  }
  return root;
}

describe("discover", () => {
  test("folders: images recursively, skipping hidden folders and node_modules", async () => {
    const root = tree();
    const files = await discover([root]);
    assert.deepEqual(
      files.map((f) => f.slice(root.length + 1)),
      ["a.png", "b.JPG", "sub/c.webp", "sub/deeper/d.gif"],
    );
  });

  test("globs and explicit files; duplicates merged; sorted", async () => {
    const root = tree();
    // Relative globs resolve against the working directory and stay relative.
    assert.deepEqual(await discover(["sub/**/*.gif"], root), ["sub/deeper/d.gif"]);
    const viaGlob = await discover([`${root}/sub/**/*.gif`]);
    assert.deepEqual(viaGlob, [`${root}/sub/deeper/d.gif`]);
    const explicit = await discover([
      join(root, "notes.txt"),
      join(root, "a.png"),
      join(root, "a.png"),
    ]);
    assert.deepEqual(explicit, [join(root, "a.png"), join(root, "notes.txt")]);
  });

  test("a missing path is kept, so it is reported as an unreadable image", async () => {
    assert.deepEqual(await discover(["no/such/file.png"]), ["no/such/file.png"]);
  });

  test("a glob that matches nothing is a usage error", async () => {
    await assert.rejects(discover(["nothing-here/**/*.png"]), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "usage");
      return true;
    });
  });
});

describe("selectShard", () => {
  const files = Array.from({ length: 200 }, (_, i) => `fixtures/set-${i}/image-${i * 7}.png`);

  test("shards are disjoint, cover every file, and are roughly even", () => {
    const shards = [1, 2, 3, 4].map((index) => selectShard(files, { index, count: 4 }));
    const all = shards.flat().sort();
    assert.deepEqual(all, [...files].sort());
    assert.equal(new Set(all).size, files.length);
    for (const shard of shards)
      assert.ok(shard.length > 25 && shard.length < 75, `${shard.length}`);
  });

  test("a file stays in its shard when others are added", () => {
    const before = selectShard(files, { index: 2, count: 3 });
    const after = selectShard([...files, "new/one.png", "new/two.png"], { index: 2, count: 3 });
    for (const file of before) assert.ok(after.includes(file));
  });
});
