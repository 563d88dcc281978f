import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ImgencError } from "../../src/errors.js";
import { closeHttpAgent, readSource } from "../../src/source/index.js";

process.env.no_proxy = [process.env.no_proxy ?? process.env.NO_PROXY, "127.0.0.1"]
  .filter(Boolean)
  .join(",");

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ImgencError, `expected ImgencError, got ${String(error)}`);
    assert.equal(error.code, code, `message was: ${error.message}`);
    return true;
  };
}

const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe("readSource", () => {
  let dir = "";
  let path = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgenc-source-"));
    path = join(dir, "image.png");
    await writeFile(path, image);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await closeHttpAgent();
  });

  it("reads a path", async () => {
    const source = await readSource(path);
    assert.equal(source.kind, "file");
    assert.equal(source.input, path);
    assert.ok(source.bytes.equals(image));
  });

  it("reads a file: URL", async () => {
    const url = pathToFileURL(path).href;
    const source = await readSource(url);
    assert.equal(source.kind, "file");
    assert.equal(source.input, url);
    assert.ok(source.bytes.equals(image));
  });

  it("passes path errors through with the spec as input", async () => {
    const missing = join(dir, "missing.png");
    await assert.rejects(readSource(missing), (error) => {
      isCode("not-found")(error);
      assert.equal((error as ImgencError).input, missing);
      return true;
    });
  });

  it("reads a data URI and shortens it for display", async () => {
    const text = `data:image/png;base64,${Buffer.alloc(300, 9).toString("base64")}`;
    const source = await readSource(text);
    assert.equal(source.kind, "data-uri");
    assert.ok(source.input.length < 60);
    assert.ok(source.bytes.equals(Buffer.alloc(300, 9)));
    assert.equal(source.dataUri?.mediaType, "image/png");
  });

  it("names a bad data URI by its short form", async () => {
    const text = `data:image/png;base64,${"A".repeat(200)}!`;
    await assert.rejects(readSource(text), (error) => {
      isCode("bad-data-uri")(error);
      assert.ok(((error as ImgencError).input ?? "").length < 60);
      return true;
    });
  });

  it("reads stdin for -, as bytes or as a data URI", async () => {
    const raw = await readSource("-", { stdin: Readable.from([image]) });
    assert.equal(raw.kind, "stdin");
    assert.equal(raw.input, "-");
    assert.ok(raw.bytes.equals(image));
    assert.equal(raw.dataUri, undefined);

    const text = `data:image/png;base64,${image.toString("base64")}\n`;
    const uri = await readSource("-", { stdin: Readable.from([Buffer.from(text)]) });
    assert.equal(uri.kind, "stdin");
    assert.ok(uri.bytes.equals(image));
    assert.equal(uri.dataUri?.base64, true);
  });

  it("requires a stdin stream for -", async () => {
    await assert.rejects(readSource("-"), isCode("usage"));
  });

  it("rejects other URL schemes as usage", async () => {
    await assert.rejects(readSource("ftp://example.com/x.png"), (error) => {
      isCode("usage")(error);
      assert.match((error as Error).message, /ftp:/);
      return true;
    });
  });

  it("fetches http URLs with the final URL and content type", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/start") res.writeHead(302, { location: "/image.png" }).end();
      else res.writeHead(200, { "content-type": "image/png" }).end(image);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const source = await readSource(`${base}/start`, { timeoutMs: 2000 });
      assert.equal(source.kind, "url");
      assert.equal(source.input, `${base}/start`);
      assert.equal(source.finalUrl, `${base}/image.png`);
      assert.equal(source.contentType, "image/png");
      assert.ok(source.bytes.equals(image));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
