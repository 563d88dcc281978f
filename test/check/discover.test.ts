import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { discover, selectShard } from "../../src/check/discover.js";
import { ImgencError } from "../../src/errors.js";

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

function isUsage(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ImgencError, String(e));
    assert.equal(e.code, "usage");
    assert.match(e.message, pattern);
    return true;
  };
}

describe("discover", () => {
  test("folders: images recursively, skipping hidden folders and node_modules", async () => {
    const root = tree();
    const { files, problems } = await discover([root]);
    assert.deepEqual(
      files.map((f) => f.slice(root.length + 1)),
      ["a.png", "b.JPG", "sub/c.webp", "sub/deeper/d.gif"],
    );
    assert.deepEqual(problems, []);
  });

  test("globs and explicit files; duplicates merged; sorted", async () => {
    const root = tree();
    // Relative globs resolve against the working directory and stay relative.
    assert.deepEqual((await discover(["sub/**/*.gif"], { cwd: root })).files, ["sub/deeper/d.gif"]);
    const viaGlob = await discover([`${root}/sub/**/*.gif`]);
    assert.deepEqual(viaGlob.files, [`${root}/sub/deeper/d.gif`]);
    const explicit = await discover([
      join(root, "notes.txt"),
      join(root, "a.png"),
      join(root, "a.png"),
    ]);
    assert.deepEqual(explicit.files, [join(root, "a.png"), join(root, "notes.txt")]);
  });

  test("a glob without ** looks no deeper than its own segments", async () => {
    const root = tree();
    assert.deepEqual((await discover(["*.png"], { cwd: root })).files, ["a.png"]);
    assert.deepEqual((await discover(["sub/*/*.gif"], { cwd: root })).files, ["sub/deeper/d.gif"]);
  });

  test("a path that does not exist is a usage error, not a failed image", async () => {
    const root = tree();
    for (const missing of ["no/such/file.png", "no-such-folder/", join(root, "gone.png")]) {
      await assert.rejects(
        discover([join(root, "a.png"), missing], { cwd: root }),
        (e: unknown) => {
          isUsage(/^no such file or folder$/)(e);
          assert.equal((e as ImgencError).input, missing);
          return true;
        },
      );
    }
  });

  test("a glob that matches nothing is a usage error, unless empty runs are allowed", async () => {
    await assert.rejects(
      discover(["nothing-here/**/*.png"]),
      isUsage(/^no files match this pattern$/),
    );
    const root = tree();
    assert.deepEqual(await discover(["nothing-here/**/*.png"], { cwd: root, allowEmpty: true }), {
      files: [],
      problems: [],
    });
  });

  test("a folder with no images is an error naming it, unless empty runs are allowed", async () => {
    const root = tree();
    const empty = join(root, "empty");
    const textOnly = join(root, "text-only");
    mkdirSync(empty);
    mkdirSync(join(textOnly, ".hidden"), { recursive: true });
    writeFileSync(join(textOnly, "notes.txt"), "x");
    writeFileSync(join(textOnly, ".hidden", "skipped.png"), "x");
    for (const folder of [empty, textOnly]) {
      await assert.rejects(discover([join(root, "a.png"), folder]), (e: unknown) => {
        assert.ok(e instanceof ImgencError);
        assert.equal(e.code, "empty");
        assert.equal(e.message, `no images found in ${folder} (pass --allow-empty to accept that)`);
        return true;
      });
      assert.deepEqual(await discover([folder], { allowEmpty: true }), {
        files: [],
        problems: [],
      });
    }
  });

  test("an existing file with glob characters in its name is taken literally", async () => {
    const root = tree();
    for (const name of ["shot[1].png", "what?.png", "star*.png", "{a,b}.png"]) {
      writeFileSync(join(root, name), "x");
      assert.deepEqual((await discover([name], { cwd: root })).files, [name]);
    }
    // shot[1].png as a glob would have matched shot1.png, not itself.
    writeFileSync(join(root, "shot1.png"), "x");
    assert.deepEqual((await discover(["shot[1].png"], { cwd: root })).files, ["shot[1].png"]);
  });

  test("URLs and data URIs are sources, never globs", async () => {
    const specs = [
      "http://127.0.0.1:9/img?a=1&b=[2]",
      "https://127.0.0.1:9/*.png",
      "data:image/png;base64,iVBORw0KGgo=",
    ];
    assert.deepEqual((await discover(specs)).files, [...specs].sort());
  });

  test("a dangling symlink is a failed case naming the cause", async () => {
    const root = tree();
    symlinkSync("missing.png", join(root, "sub", "gone.png"));
    symlinkSync("missing.txt", join(root, "sub", "gone.txt"));
    const { files, problems } = await discover([root]);
    assert.ok(!files.includes(join(root, "sub", "gone.png")));
    assert.deepEqual(problems, [
      {
        file: join(root, "sub", "gone.png"),
        code: "not-found",
        message: "dangling symlink (its target missing.png does not exist)",
      },
    ]);
    // Named on the command line, the same.
    const named = await discover(["sub/gone.png"], { cwd: root });
    assert.deepEqual(named.files, []);
    assert.equal(
      named.problems[0]?.message,
      "dangling symlink (its target missing.png does not exist)",
    );
  });

  test("a symlink loop lists every image once", async () => {
    const root = tree();
    symlinkSync("..", join(root, "sub", "up"));
    symlinkSync(".", join(root, "sub", "deeper", "self"));
    symlinkSync(join(root, "sub"), join(root, "alias"));
    const { files, problems } = await discover([root]);
    assert.deepEqual(
      files.map((f) => f.slice(root.length + 1)),
      ["a.png", "b.JPG", "sub/c.webp", "sub/deeper/d.gif"],
    );
    assert.deepEqual(problems, []);
    // A symlink that points at itself is a loop no stat can follow: a failed case.
    symlinkSync("self.png", join(root, "self.png"));
    const looped = await discover([root]);
    assert.deepEqual(looped.problems, [
      { file: join(root, "self.png"), code: "unreadable", message: "symlink loop" },
    ]);
  });

  test("a file name that is not valid UTF-8 is a failed case, shown with \\x escapes", async () => {
    const root = tree();
    // Linux file names are bytes: 0xE9 alone ("é" in Latin-1) is not UTF-8.
    const latin1 = Buffer.concat([
      Buffer.from(`${root}/sub/caf`),
      Buffer.from([0xe9]),
      Buffer.from(".png"),
    ]);
    writeFileSync(latin1, "x");
    const { files, problems } = await discover([root]);
    assert.equal(files.length, 4, files.join("\n"));
    assert.deepEqual(problems, [
      {
        file: `${root}/sub/caf\\xe9.png`,
        code: "unreadable",
        message: "file name is not valid UTF-8",
      },
    ]);
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
