import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { detectApi, requestModel, wantsStream } from "../../src/proxy/request.js";
import { answer } from "../../src/proxy/respond.js";

/** One request as the upstream received it. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordingUpstream {
  url: string;
  received: Received[];
  /** When each chunk of the last streamed answer was written (performance.now()). */
  written: number[];
  close(): Promise<void>;
}

/**
 * A model server on 127.0.0.1 that records every request byte for byte and answers in the
 * API's own shape, "upstream saw N bytes" as the text. Streamed answers go out chunk by chunk,
 * `chunkDelayMs` apart, so a test can see whether anything between holds them back.
 */
export async function startUpstream(
  options: { chunkDelayMs?: number } = {},
): Promise<RecordingUpstream> {
  const received: Received[] = [];
  const written: number[] = [];
  const delay = options.chunkDelayMs ?? 0;
  const server = createServer(async (req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      json = undefined;
    }
    const api = detectApi(req.url, json);
    if (api === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    const reply = answer(api, `upstream saw ${body.length} bytes`, {
      model: requestModel(json),
      stream: wantsStream(api, json),
    });
    res.writeHead(reply.status, { ...reply.headers, "x-upstream": "recorder" });
    written.length = 0;
    for (const [i, chunk] of reply.chunks.entries()) {
      if (i > 0 && delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      res.write(chunk);
      written.push(performance.now());
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    written,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fetch that keeps what the client sends, for comparing with what the upstream received.
 * The SDKs take it as their `fetch` option.
 */
export interface Sent {
  url: string;
  headers: Headers;
  body: Buffer;
}

export function recordingFetch(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = Buffer.from(await request.clone().arrayBuffer());
    sent.push({ url: request.url, headers: new Headers(request.headers), body });
    return fetch(request);
  };
  return { fetch: wrapped, sent };
}
