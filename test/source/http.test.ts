import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as dns } from "node:dns";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer,
  get,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import sharp from "sharp";
import { ImgencError } from "../../src/errors.js";
import { closeHttpAgent, fetchUrl, parseRetryAfter } from "../../src/source/http.js";
import { runCli, runMain } from "../helpers/cli.js";
import { skippingClock } from "../helpers/clock.js";
import { rng } from "../helpers/random.js";

// If the machine running the tests has a proxy configured, loopback must still be direct.
process.env.no_proxy = [process.env.no_proxy ?? process.env.NO_PROXY, "127.0.0.1"]
  .filter(Boolean)
  .join(",");

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

async function startServer(handler: Handler): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging test handlers keep sockets open; close() alone would wait for them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function withServer(handler: Handler, fn: (base: string) => Promise<void>): Promise<void> {
  const server = await startServer(handler);
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ImgencError, `expected ImgencError, got ${String(error)}`);
    assert.equal(error.code, code, `message was: ${error.message}`);
    return true;
  };
}

const png = await sharp({
  create: { width: 2, height: 2, channels: 3, background: "#f00" },
})
  .png()
  .toBuffer();

after(() => closeHttpAgent());

describe("fetchUrl", () => {
  it("returns the body, final URL and content type of a 200", async () => {
    let seen: IncomingHttpHeaders | undefined;
    await withServer(
      (req, res) => {
        seen = req.headers;
        res.writeHead(200, { "content-type": "image/png" }).end(png);
      },
      async (base) => {
        const result = await fetchUrl(`${base}/img.png`);
        assert.ok(result.bytes.equals(png));
        assert.equal(result.finalUrl, `${base}/img.png`);
        assert.equal(result.contentType, "image/png");
        assert.equal(seen?.["user-agent"], "imgenc");
        assert.equal(seen?.accept, "image/*,*/*;q=0.8");
      },
    );
  });

  describe("redirects", () => {
    // /r/N redirects to /r/N-1; /r/0 is the image. /loop/a <-> /loop/b; /self -> /self.
    const redirects: Handler = (req, res) => {
      const url = req.url ?? "/";
      const hop = /^\/r\/(\d+)$/.exec(url);
      if (hop) {
        const n = Number(hop[1]);
        if (n === 0) res.writeHead(200, { "content-type": "image/png" }).end(png);
        else res.writeHead(302, { location: `/r/${n - 1}` }).end("moved");
        return;
      }
      if (url === "/loop/a") return void res.writeHead(302, { location: "/loop/b" }).end();
      if (url === "/loop/b") return void res.writeHead(301, { location: "/loop/a" }).end();
      if (url === "/self") return void res.writeHead(307, { location: "/self" }).end();
      res.writeHead(404).end();
    };

    it("follows a chain of 3 and reports the final URL", async () => {
      await withServer(redirects, async (base) => {
        const result = await fetchUrl(`${base}/r/3`);
        assert.ok(result.bytes.equals(png));
        assert.equal(result.finalUrl, `${base}/r/0`);
      });
    });

    it("follows exactly 5", async () => {
      await withServer(redirects, async (base) => {
        const result = await fetchUrl(`${base}/r/5`);
        assert.equal(result.finalUrl, `${base}/r/0`);
      });
    });

    it("fails on the 6th", async () => {
      await withServer(redirects, async (base) => {
        await assert.rejects(fetchUrl(`${base}/r/6`), (error) => {
          isCode("too-many-redirects")(error);
          assert.match((error as Error).message, /more than 5 redirects/);
          return true;
        });
      });
    });

    it("fails on a loop between two URLs and on a self-redirect", async () => {
      await withServer(redirects, async (base) => {
        await assert.rejects(fetchUrl(`${base}/loop/a`), isCode("too-many-redirects"));
        await assert.rejects(fetchUrl(`${base}/self`), isCode("too-many-redirects"));
      });
    });
  });

  it("reports 404 and 500 as http-status with the code", async () => {
    await withServer(
      (req, res) => {
        const status = req.url === "/missing" ? 404 : 500;
        res.writeHead(status, { "content-type": "text/html" }).end("<h1>nope</h1>");
      },
      async (base) => {
        await assert.rejects(fetchUrl(`${base}/missing`), (error) => {
          isCode("http-status")(error);
          assert.match((error as Error).message, /404/);
          return true;
        });
        await assert.rejects(fetchUrl(`${base}/boom`), (error) => {
          isCode("http-status")(error);
          assert.match((error as Error).message, /500/);
          return true;
        });
      },
    );
  });

  it("times out when the server accepts but never answers", async () => {
    await withServer(
      () => {},
      async (base) => {
        const start = performance.now();
        await assert.rejects(fetchUrl(`${base}/`, { timeoutMs: 300 }), isCode("timeout"));
        assert.ok(performance.now() - start < 3000, "deadline was not enforced");
      },
    );
  });

  it("times out on a body that drips one byte every 100 ms", async () => {
    const timers = new Set<NodeJS.Timeout>();
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "image/png", "content-length": "100" });
        const timer = setInterval(() => res.write("x"), 100);
        timers.add(timer);
        res.on("close", () => clearInterval(timer));
      },
      async (base) => {
        const start = performance.now();
        await assert.rejects(fetchUrl(`${base}/`, { timeoutMs: 500 }), isCode("timeout"));
        assert.ok(performance.now() - start < 3000, "the body was not cut off at the deadline");
      },
    );
    for (const timer of timers) clearInterval(timer);
  });

  it("rejects a Content-Length above the cap without reading the body", async () => {
    await withServer(
      (_req, res) => {
        // Headers only: if the client waited for the body it would hit the timeout instead.
        res.writeHead(200, { "content-type": "image/png", "content-length": "200000" });
        res.flushHeaders();
      },
      async (base) => {
        await assert.rejects(
          fetchUrl(`${base}/`, { maxInputBytes: 100_000, timeoutMs: 5000 }),
          isCode("too-large"),
        );
      },
    );
  });

  it("stops reading an endless chunked body once it passes the cap", async () => {
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      serverSawClose = resolve;
    });
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "image/png" });
        // Starts like a PNG, so only the cap can stop it (junk is dropped after its first bytes).
        res.write(PNG_SIGNATURE);
        const chunk = Buffer.alloc(16 * 1024, 1);
        let open = true;
        res.on("close", () => {
          open = false;
          serverSawClose();
        });
        const pump = () => {
          while (open && res.write(chunk)) {}
          if (open) res.once("drain", pump);
        };
        pump();
      },
      async (base) => {
        const start = performance.now();
        await assert.rejects(
          fetchUrl(`${base}/`, { maxInputBytes: 100_000, timeoutMs: 10_000 }),
          isCode("too-large"),
        );
        assert.ok(performance.now() - start < 2000, "reading did not stop at the cap");
        await closed; // the client hung up, so the server stopped sending
      },
    );
  });

  it("drops a long body that cannot be an image after its first bytes", async () => {
    let sent = 0;
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      serverSawClose = resolve;
    });
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(16 * 1024);
        let open = true;
        res.on("close", () => {
          open = false;
          serverSawClose();
        });
        const pump = () => {
          while (open && sent < 64 * 1024 ** 2 && res.write(chunk)) sent += chunk.length;
          if (open && sent < 64 * 1024 ** 2) res.once("drain", pump);
          else if (open) res.end();
        };
        pump();
      },
      async (base) => {
        await assert.rejects(
          fetchUrl(`${base}/`, { maxInputBytes: 5 * 1024 ** 3, timeoutMs: 10_000 }),
          (error) => {
            isCode("not-image")(error);
            assert.equal((error as ImgencError).message, "not an image in a supported format");
            return true;
          },
        );
        await closed;
        // Socket buffers hold a few MiB at most; the rest of the 64 MiB was never sent.
        assert.ok(sent < 16 * 1024 ** 2, `the server sent ${sent} bytes`);
      },
    );
  });

  it("maps a refused connection to network", async () => {
    const server = await startServer(() => {});
    const url = `${server.url}/`;
    await server.close();
    await assert.rejects(fetchUrl(url, { timeoutMs: 2000 }), (error) => {
      isCode("network")(error);
      assert.match((error as Error).message, /refused/);
      return true;
    });
  });

  it("maps a reset in the middle of the body to network", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "image/png", "content-length": "1000" });
        res.write(Buffer.alloc(100, 7), () => res.socket?.destroy());
      },
      async (base) => {
        // Retried, like any reset: the clock skips the waits in between.
        const options = { timeoutMs: 2000, retryClock: skippingClock(8).clock };
        await assert.rejects(fetchUrl(`${base}/`, options), (error) => {
          isCode("network")(error);
          assert.match((error as Error).message, /while reading the body/);
          return true;
        });
      },
    );
  });

  it("maps a connection closed before any response to network", async () => {
    await withServer(
      (req) => req.socket.destroy(),
      async (base) => {
        const options = { timeoutMs: 2000, retryClock: skippingClock(9).clock };
        await assert.rejects(fetchUrl(`${base}/`, options), isCode("network"));
      },
    );
  });

  it("decompresses gzip, deflate and br bodies", async () => {
    const encoded: Record<string, Buffer> = {
      gzip: gzipSync(png),
      deflate: deflateSync(png),
      br: brotliCompressSync(png),
    };
    await withServer(
      (req, res) => {
        const encoding = (req.url ?? "/").slice(1);
        res
          .writeHead(200, { "content-type": "image/png", "content-encoding": encoding })
          .end(encoded[encoding]);
      },
      async (base) => {
        for (const encoding of Object.keys(encoded)) {
          const { bytes } = await fetchUrl(`${base}/${encoding}`);
          assert.ok(bytes.equals(png), `${encoding} body differs`);
        }
      },
    );
  });

  it("applies the cap to decompressed bytes", async () => {
    const bomb = gzipSync(Buffer.concat([PNG_SIGNATURE, Buffer.alloc(1024 * 1024)]));
    assert.ok(bomb.length < 100_000);
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-encoding": "gzip" }).end(bomb);
      },
      async (base) => {
        await assert.rejects(fetchUrl(`${base}/`, { maxInputBytes: 100_000 }), isCode("too-large"));
      },
    );
  });

  it("reports a corrupt gzip body as network", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-encoding": "gzip" }).end(Buffer.from("not gzip at all"));
      },
      async (base) => {
        await assert.rejects(fetchUrl(`${base}/`), isCode("network"));
      },
    );
  });

  it("rejects an unsupported Content-Encoding and a redirect off http(s) as network", async () => {
    await withServer(
      (req, res) => {
        if (req.url === "/ftp") res.writeHead(302, { location: "ftp://127.0.0.1/x.png" }).end();
        else res.writeHead(200, { "content-encoding": "zstd" }).end(Buffer.alloc(10));
      },
      async (base) => {
        await assert.rejects(fetchUrl(`${base}/zstd`), isCode("network"));
        await assert.rejects(fetchUrl(`${base}/ftp`), isCode("network"));
      },
    );
  });

  it("reports an empty 200 body as empty", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "image/png" }).end();
      },
      async (base) => {
        await assert.rejects(fetchUrl(`${base}/`), isCode("empty"));
      },
    );
  });

  it("rejects non-http URLs and malformed URLs as usage", async () => {
    await assert.rejects(fetchUrl("ftp://127.0.0.1/x.png"), isCode("usage"));
    await assert.rejects(fetchUrl("http://"), isCode("usage"));
  });

  it("maps a DNS failure to network", async (t) => {
    // Only meaningful where the resolver answers; a sandbox without DNS would just time out.
    const answered = await Promise.race([
      dns.lookup("imgenc-test.invalid").then(
        () => false,
        () => true,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
    ]);
    if (!answered) return t.skip("the resolver does not answer for .invalid names");
    await assert.rejects(fetchUrl("http://imgenc-test.invalid/x.png", { timeoutMs: 3000 }), (e) => {
      isCode("network")(e);
      assert.match((e as Error).message, /cannot resolve host imgenc-test\.invalid/);
      return true;
    });
  });

  describe("proxy variables", () => {
    const saved = { ...process.env };
    const restore = async () => {
      for (const key of ["http_proxy", "https_proxy", "no_proxy"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      await closeHttpAgent(); // the agent reads the proxy variables when it is created
    };

    it("sends http:// requests through http_proxy", async () => {
      // The "proxy" answers itself: it only has to see the absolute-form request line.
      let requested: string | undefined;
      await withServer(
        (req, res) => {
          requested = req.url;
          res.writeHead(200, { "content-type": "image/png" }).end(png);
        },
        async (proxy) => {
          await closeHttpAgent();
          try {
            process.env.http_proxy = proxy;
            process.env.no_proxy = "";
            const { bytes } = await fetchUrl("http://images.example/cat.png", {
              timeoutMs: 2000,
            });
            assert.ok(bytes.equals(png));
            assert.equal(requested, "http://images.example/cat.png");
          } finally {
            await restore();
          }
        },
      );
    });

    it("fails fast when the https proxy drops the CONNECT", async () => {
      let tunnels = 0;
      const proxy = await startServer(() => {});
      proxy.server.on("connect", (_req, socket: Socket) => {
        tunnels++;
        socket.destroy();
      });
      await closeHttpAgent();
      try {
        process.env.https_proxy = proxy.url;
        process.env.no_proxy = "";
        const start = performance.now();
        await assert.rejects(
          fetchUrl("https://images.example/cat.png", { timeoutMs: 2000 }),
          isCode("network"),
        );
        assert.ok(performance.now() - start < 2000);
        assert.equal(tunnels, 1, "the CONNECT was retried");
      } finally {
        await restore();
        await proxy.close();
      }
    });
  });
  describe("retries", () => {
    /** Answers each request with the next handler in the list; the last one repeats. */
    function sequence(...handlers: Handler[]): { handler: Handler; seen: () => number } {
      let count = 0;
      return {
        handler: (req, res) => {
          const next = handlers[Math.min(count, handlers.length - 1)] as Handler;
          count++;
          next(req, res);
        },
        seen: () => count,
      };
    }
    const status =
      (code: number, headers: Record<string, string> = {}): Handler =>
      (_req, res) =>
        void res.writeHead(code, { "content-type": "text/html", ...headers }).end("<h1>busy</h1>");
    const ok: Handler = (_req, res) =>
      void res.writeHead(200, { "content-type": "image/png" }).end(png);

    it("retries 503 twice, then succeeds on the third request", async () => {
      const { handler, seen } = sequence(status(503), status(503), ok);
      await withServer(handler, async (base) => {
        // The real clock: the waits are really taken.
        const start = performance.now();
        const result = await fetchUrl(`${base}/`, { timeoutMs: 5000 });
        assert.ok(result.bytes.equals(png));
        assert.equal(seen(), 3);
        // 200 ms then 400 ms, each within ±25%.
        assert.ok(performance.now() - start >= 450, "no backoff between attempts");
      });
    });

    it("backs off 200 ms then 400 ms, each moved by its jitter within ±25%", async () => {
      const { handler, seen } = sequence(status(503), status(503), ok);
      await withServer(handler, async (base) => {
        const { clock, waits } = skippingClock(7);
        const result = await fetchUrl(`${base}/`, { timeoutMs: 5000, retryClock: clock });
        assert.ok(result.bytes.equals(png));
        assert.equal(seen(), 3);
        const jitter = rng(7);
        assert.deepEqual(waits, [200 * (0.75 + jitter() * 0.5), 400 * (0.75 + jitter() * 0.5)]);
        assert.ok((waits[0] as number) >= 150 && (waits[0] as number) <= 250, `${waits}`);
        assert.ok((waits[1] as number) >= 300 && (waits[1] as number) <= 500, `${waits}`);
      });
    });

    it("gives up on 502 after retries + 1 attempts and says how many", async () => {
      const { handler, seen } = sequence(status(502));
      await withServer(handler, async (base) => {
        const { clock } = skippingClock(1);
        const options = { retries: 1, timeoutMs: 5000, retryClock: clock };
        await assert.rejects(fetchUrl(`${base}/`, options), (error) => {
          isCode("http-status")(error);
          assert.equal((error as Error).message, "HTTP 502 Bad Gateway after 2 attempts");
          return true;
        });
        assert.equal(seen(), 2);
      });
    });

    it("retries a 504 and a connection closed before any response", async () => {
      const { handler, seen } = sequence(status(504), (req) => req.socket.destroy(), ok);
      await withServer(handler, async (base) => {
        const { clock, waits } = skippingClock(2);
        const result = await fetchUrl(`${base}/`, { timeoutMs: 5000, retryClock: clock });
        assert.equal(waits.length, 2);
        assert.ok(result.bytes.equals(png));
        assert.equal(seen(), 3);
      });
    });

    it("retries a reset in the middle of the body, then succeeds", async () => {
      const { handler, seen } = sequence((_req, res) => {
        res.writeHead(200, { "content-type": "image/png", "content-length": String(png.length) });
        res.write(png.subarray(0, 10), () => res.socket?.destroy());
      }, ok);
      await withServer(handler, async (base) => {
        const { clock } = skippingClock(3);
        const result = await fetchUrl(`${base}/`, { timeoutMs: 5000, retryClock: clock });
        assert.ok(result.bytes.equals(png), "the bytes of the cut attempt leaked into the result");
        assert.equal(seen(), 2);
      });
    });

    it("requests a 404 and a 500 once", async () => {
      for (const code of [404, 500]) {
        const { handler, seen } = sequence(status(code));
        await withServer(handler, async (base) => {
          await assert.rejects(fetchUrl(`${base}/`, { retries: 3 }), (error) => {
            isCode("http-status")(error);
            assert.doesNotMatch((error as Error).message, /attempts/);
            return true;
          });
          assert.equal(seen(), 1, `HTTP ${code} was retried`);
        });
      }
    });

    it("does not retry a timeout or a too-large body", async () => {
      let requests = 0;
      await withServer(
        (req, res) => {
          requests++;
          if (req.url === "/big") {
            res.writeHead(200, { "content-length": "200000" });
            res.flushHeaders();
          }
        },
        async (base) => {
          await assert.rejects(fetchUrl(`${base}/`, { timeoutMs: 300, retries: 3 }), (error) => {
            isCode("timeout")(error);
            assert.doesNotMatch((error as Error).message, /attempts/);
            return true;
          });
          await assert.rejects(
            fetchUrl(`${base}/big`, { maxInputBytes: 1000, retries: 3, timeoutMs: 2000 }),
            isCode("too-large"),
          );
          assert.equal(requests, 2);
        },
      );
    });

    it("does not retry a refused connection", async () => {
      const server = await startServer(() => {});
      const url = `${server.url}/`;
      await server.close();
      await assert.rejects(fetchUrl(url, { timeoutMs: 2000, retries: 3 }), (error) => {
        isCode("network")(error);
        // A retried failure would say "after N attempts".
        assert.equal((error as Error).message, "connection refused");
        return true;
      });
    });

    it("retries 0 disables retrying", async () => {
      const { handler, seen } = sequence(status(503), ok);
      await withServer(handler, async (base) => {
        await assert.rejects(fetchUrl(`${base}/`, { retries: 0 }), (error) => {
          isCode("http-status")(error);
          assert.equal((error as Error).message, "HTTP 503 Service Unavailable");
          return true;
        });
        assert.equal(seen(), 1);
      });
    });

    it("waits as long as a short Retry-After asks", async () => {
      const { handler, seen } = sequence(status(503, { "retry-after": "1" }), ok);
      await withServer(handler, async (base) => {
        const { clock, waits } = skippingClock(4);
        const start = clock.now();
        await fetchUrl(`${base}/`, { timeoutMs: 5000, retryClock: clock });
        assert.ok(clock.now() - start >= 950, "Retry-After was not honoured");
        // The server's second, not the shorter backoff of the first retry.
        assert.deepEqual(waits, [1000]);
        assert.equal(seen(), 2);
      });
    });

    it("does not wait for a long Retry-After, and says why", async () => {
      const { handler, seen } = sequence(status(503, { "retry-after": "3600" }), ok);
      await withServer(handler, async (base) => {
        await assert.rejects(fetchUrl(`${base}/`, { timeoutMs: 5000 }), (error) => {
          isCode("http-status")(error);
          assert.equal(
            (error as Error).message,
            "HTTP 503 Service Unavailable (the server asks to retry after 3600 s)",
          );
          return true;
        });
        assert.equal(seen(), 1);
      });
    });

    it("keeps every retry inside the one deadline and reports the last failure", async () => {
      const { handler, seen } = sequence(status(503));
      await withServer(handler, async (base) => {
        const { clock } = skippingClock(5);
        const start = clock.now();
        const options = { timeoutMs: 700, retries: 10, retryClock: clock };
        await assert.rejects(fetchUrl(`${base}/`, options), (error) => {
          isCode("http-status")(error);
          assert.match(
            (error as Error).message,
            /^HTTP 503 Service Unavailable after \d attempts$/,
          );
          return true;
        });
        // The clock's time: real time plus the waits it skipped.
        assert.ok(clock.now() - start < 800, "a retry outlived the deadline");
        assert.ok(seen() >= 2 && seen() <= 3, `${seen()} requests in 700 ms`);
      });
    });

    it("reads Retry-After as seconds or an HTTP date", () => {
      const now = Date.parse("2025-01-01T00:00:00Z");
      assert.equal(parseRetryAfter("2", now), 2000);
      assert.equal(parseRetryAfter(" 0 ", now), 0);
      assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:03 GMT", now), 3000);
      assert.equal(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now), 0);
      assert.equal(parseRetryAfter("soon", now), undefined);
      assert.equal(parseRetryAfter("-5", now), undefined);
      assert.equal(parseRetryAfter(undefined, now), undefined);
    });
  });

  describe("HTTP_PROXY through the CLI", () => {
    /** A forward proxy: takes the absolute-form GET and fetches it from the origin itself. */
    function forwardProxy(seen: string[]): Handler {
      return (req, res) => {
        seen.push(req.url ?? "");
        const upstream = get(req.url ?? "", (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on("error", () => res.writeHead(502).end());
      };
    }
    // The child must see only what each test sets, not this file's no_proxy or the machine's.
    const cleared = {
      http_proxy: undefined,
      HTTP_PROXY: undefined,
      https_proxy: undefined,
      HTTPS_PROXY: undefined,
      no_proxy: undefined,
      NO_PROXY: undefined,
    };

    it("sends the request through HTTP_PROXY", async () => {
      const direct: string[] = [];
      const proxied: string[] = [];
      const origin = await startServer((req, res) => {
        direct.push(req.url ?? "");
        res.writeHead(200, { "content-type": "image/png" }).end(png);
      });
      const proxy = await startServer(forwardProxy(proxied));
      try {
        const url = `${origin.url}/via-proxy.png`;
        const { code, stderr } = await runCli(["inspect", url], {
          env: { ...cleared, HTTP_PROXY: proxy.url },
        });
        assert.equal(stderr, "");
        assert.equal(code, 0);
        assert.deepEqual(proxied, [url], "the proxy did not see the absolute-form request");
        assert.deepEqual(direct, ["/via-proxy.png"]);
      } finally {
        await proxy.close();
        await origin.close();
      }
    });

    it("bypasses the proxy for hosts in NO_PROXY", async () => {
      const direct: string[] = [];
      const proxied: string[] = [];
      const origin = await startServer((req, res) => {
        direct.push(req.url ?? "");
        res.writeHead(200, { "content-type": "image/png" }).end(png);
      });
      const proxy = await startServer(forwardProxy(proxied));
      try {
        const { code, stderr } = await runCli(["inspect", `${origin.url}/direct.png`], {
          env: { ...cleared, HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" },
        });
        assert.equal(stderr, "");
        assert.equal(code, 0);
        assert.deepEqual(proxied, []);
        assert.deepEqual(direct, ["/direct.png"]);
      } finally {
        await proxy.close();
        await origin.close();
      }
    });
  });
});

describe("credentials in the URL", () => {
  const basic = (pair: string) => `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;

  it("sends user:password as Basic auth, percent escapes decoded, and never in the URL", async () => {
    const seen: { url: string | undefined; authorization: string | undefined }[] = [];
    await withServer(
      (req, res) => {
        seen.push({ url: req.url, authorization: req.headers.authorization });
        if (req.headers.authorization !== basic("us:er:p@ss word")) {
          res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end();
          return;
        }
        res.writeHead(200, { "content-type": "image/png" }).end(png);
      },
      async (base) => {
        const url = base.replace("http://", "http://us%3Aer:p%40ss%20word@");
        const result = await fetchUrl(`${url}/img.png`);
        assert.ok(result.bytes.equals(png));
        assert.deepEqual(seen, [{ url: "/img.png", authorization: basic("us:er:p@ss word") }]);
        assert.equal(result.finalUrl, `${base}/img.png`, "the final URL carries no credentials");
      },
    );
  });

  it("sends nothing without userinfo", async () => {
    let authorization: string | undefined = "unset";
    await withServer(
      (req, res) => {
        authorization = req.headers.authorization;
        res.writeHead(200, { "content-type": "image/png" }).end(png);
      },
      async (base) => {
        await fetchUrl(`${base}/img.png`);
        assert.equal(authorization, undefined);
      },
    );
  });

  it("keeps them on a same-origin redirect, drops them on a redirect to another origin", async () => {
    // Two ports on 127.0.0.1 are two origins: the credentials are for the first only.
    const seen: string[] = [];
    const other = await startServer((req, res) => {
      seen.push(`other ${req.url} ${req.headers.authorization ?? "-"}`);
      if (req.url === "/back") {
        res.writeHead(302, { location: `${origin.url}/img.png` }).end();
        return;
      }
      res.writeHead(200, { "content-type": "image/png" }).end(png);
    });
    const origin = await startServer((req, res) => {
      seen.push(`origin ${req.url} ${req.headers.authorization ?? "-"}`);
      if (req.url === "/same") return void res.writeHead(302, { location: "/img.png" }).end();
      if (req.url === "/cross") {
        return void res.writeHead(302, { location: `${other.url}/img.png` }).end();
      }
      if (req.url === "/round-trip") {
        return void res.writeHead(302, { location: `${other.url}/back` }).end();
      }
      if (req.headers.authorization !== basic("user:secret")) {
        return void res.writeHead(401).end();
      }
      res.writeHead(200, { "content-type": "image/png" }).end(png);
    });
    const withCredentials = origin.url.replace("http://", "http://user:secret@");
    const auth = basic("user:secret");
    try {
      await fetchUrl(`${withCredentials}/same`);
      assert.deepEqual(seen.splice(0), [`origin /same ${auth}`, `origin /img.png ${auth}`]);

      await fetchUrl(`${withCredentials}/cross`);
      assert.deepEqual(seen.splice(0), [`origin /cross ${auth}`, "other /img.png -"]);

      // Once they have left the origin they do not come back with the next redirect.
      await assert.rejects(fetchUrl(`${withCredentials}/round-trip`), (error) => {
        isCode("http-status")(error);
        assert.match((error as Error).message, /^HTTP 401/);
        return true;
      });
      assert.deepEqual(seen.splice(0), [
        `origin /round-trip ${auth}`,
        "other /back -",
        "origin /img.png -",
      ]);
    } finally {
      await origin.close();
      await other.close();
    }
  });
});

describe("responses that break HTTP", () => {
  /** A server that answers any request with these exact bytes and closes. */
  async function withRawServer(reply: string | Buffer, fn: (base: string) => Promise<void>) {
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.once("data", () => socket.end(reply));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await fn(`http://127.0.0.1:${port}`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  const broken: [string, string, string][] = [
    [
      "a header line without a colon",
      "HTTP/1.1 200 OK\r\nContent-Type image/png\r\nContent-Length: 3\r\n\r\nabc",
      "invalid header token",
    ],
    ["a space in a header name", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "invalid header token"],
    ["a four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", "invalid response status"],
    ["a reply that is not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", "the reply is not HTTP"],
  ];
  for (const [what, reply, reason] of broken) {
    it(`${what}: exit 2, one line naming the URL`, async () => {
      await withRawServer(reply, async (base) => {
        const url = `${base}/img.png`;
        await assert.rejects(fetchUrl(url, { retries: 0 }), (error) => {
          isCode("network")(error);
          assert.equal((error as Error).message, `invalid HTTP response (${reason})`);
          return true;
        });
        const { code, stdout, stderr } = await runMain(["inspect", url]);
        assert.equal(stderr, `imgenc: ${url}: invalid HTTP response (${reason})\n`);
        assert.equal(code, 2);
        assert.equal(stdout, "");
      });
    });
  }

  it("headers over Node's limit are named in words, and the limit can be raised", async () => {
    // 20 KiB of one header: over Node's default 16 KiB.
    const head = `HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-Big: ${"a".repeat(20 * 1024)}\r\nContent-Length: ${png.length}\r\nConnection: close\r\n\r\n`;
    const reply = Buffer.concat([Buffer.from(head), png]);
    await withRawServer(reply, async (base) => {
      const url = `${base}/img.png`;
      const { code, stderr } = await runMain(["inspect", url]);
      assert.equal(
        stderr,
        `imgenc: ${url}: the response headers are larger than 16 kB (raise the limit with NODE_OPTIONS=--max-http-header-size=<bytes>)\n`,
      );
      assert.equal(code, 2);
      // The advice works.
      const raised = await runCli(["inspect", "--json", url], {
        env: { NODE_OPTIONS: "--max-http-header-size=65536" },
      });
      assert.equal(raised.stderr, "");
      assert.equal(raised.code, 0);
      assert.equal(JSON.parse(raised.stdout).image.width, 2);
    });
  });
});

describe("TLS failures in words", () => {
  it("a plain HTTP server addressed as https:// does not speak TLS", async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(png),
      async (base) => {
        const url = `${base.replace("http://", "https://")}/img.png`;
        const { code, stderr } = await runMain(["inspect", url]);
        assert.equal(
          stderr,
          `imgenc: ${url}: the server does not speak TLS on this port (is the URL http://?)\n`,
        );
        assert.equal(code, 2);
      },
    );
  });

  /**
   * A self-signed certificate for `san` and an https server with it on 127.0.0.1; null (the
   * test skipped) when openssl is missing, except under CI where that fails.
   */
  async function tlsServer(
    t: TestContext,
    san: string,
  ): Promise<{ url: string; cert: string } | null> {
    const folder = mkdtempSync(join(tmpdir(), "imgenc-tls-"));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const key = join(folder, "key.pem");
    const cert = join(folder, "cert.pem");
    const made = spawnSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        ...["-nodes", "-keyout", key, "-out", cert, "-days", "2"],
        ...["-subj", "/CN=imgenc test", "-addext", `subjectAltName=${san}`],
      ],
      { encoding: "utf8" },
    );
    if (made.error !== undefined || made.status !== 0) {
      if (process.env.CI === "true") throw made.error ?? new Error(made.stderr);
      t.skip("openssl is not installed (apt-get install openssl)");
      return null;
    }
    const server = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(png),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/img.png`, cert };
  }

  it("a self-signed certificate names NODE_EXTRA_CA_CERTS, and trusting it that way works", async (t) => {
    const tls = await tlsServer(t, "IP:127.0.0.1");
    if (tls === null) return;
    const { url, cert } = tls;

    const { code, stderr } = await runMain(["inspect", url]);
    assert.equal(
      stderr,
      `imgenc: ${url}: the server's TLS certificate is self-signed: if you trust it, give its CA certificate to imgenc with NODE_EXTRA_CA_CERTS=<ca.pem>\n`,
    );
    assert.equal(code, 2);

    // Node reads NODE_EXTRA_CA_CERTS only at start-up: a new process.
    const trusted = await runCli(["inspect", "--json", url], {
      env: { NODE_EXTRA_CA_CERTS: cert },
    });
    assert.equal(trusted.stderr, "");
    assert.equal(trusted.code, 0);
    assert.equal(JSON.parse(trusted.stdout).image.width, 2);
  });

  it("a trusted certificate for another host names the host", async (t) => {
    const tls = await tlsServer(t, "DNS:images.imgenc.invalid");
    if (tls === null) return;
    const trusted = await runCli(["inspect", tls.url], { env: { NODE_EXTRA_CA_CERTS: tls.cert } });
    assert.equal(
      trusted.stderr,
      `imgenc: ${tls.url}: the server's TLS certificate is not valid for 127.0.0.1\n`,
    );
    assert.equal(trusted.code, 2);
  });
});
