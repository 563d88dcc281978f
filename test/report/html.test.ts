import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import type { CompareReport } from "../../src/compare.js";
import type { Metrics } from "../../src/metrics/measure.js";
import {
  type HtmlReportOptions,
  MAX_CHUNK_CHARS,
  renderHtmlReport,
} from "../../src/report/html.js";
import type { ReportEntry, ReportImage, StoredBytes } from "../../src/report/types.js";
import { noise } from "../helpers/images.js";

const HOSTILE_TITLE = `<img src=x onerror="alert(1)"> & "quoted" 'single'.png`;
const HOSTILE_MESSAGE = `</script><script>alert(2)</script> <!-- & "q"`;

function metrics(overrides: Partial<Metrics> = {}): Metrics {
  return {
    width: 4,
    height: 3,
    pixels: 12,
    identical: false,
    changedPixels: 7,
    changedShare: 7 / 12,
    mismatchedPixels: 1,
    mismatchShare: 1 / 12,
    threshold: 0.1,
    psnr: 31.234567891234,
    ssim: null,
    maxChannelDiff: 12,
    meanAbsError: 1.0416666666666667,
    ...overrides,
  };
}

function report(input: string, overrides: Partial<CompareReport> = {}): CompareReport {
  return {
    mode: "single",
    sources: [
      {
        input,
        kind: "file",
        format: "png",
        mime: "image/png",
        width: 4,
        height: 3,
        channels: 3,
        bitDepth: 8,
        hasAlpha: false,
        bytes: 80,
      },
    ],
    payloads: [
      {
        role: "lossless",
        label: "PNG (sharp)",
        mime: "image/png",
        width: 4,
        height: 3,
        bytes: 75,
        base64Length: 100,
        dataUriLength: 122,
      },
      {
        role: "lossy",
        label: "JPEG q75 4:2:0 (Pillow default)",
        mime: "image/jpeg",
        width: 4,
        height: 3,
        bytes: 640,
        base64Length: 856,
        dataUriLength: 879,
        jpeg: { quality: 75, subsampling: "4:2:0" },
      },
    ],
    ratio: { bytes: 640 / 75, dataUriLength: 879 / 122 },
    metrics: metrics(),
    findings: [
      {
        code: "payload-larger-than-source",
        severity: "warning",
        message: HOSTILE_MESSAGE,
        data: { note: "</script>" },
      },
    ],
    gates: [{ gate: "min-psnr", metric: "psnr", limit: 40, value: 31.234567891234, passed: false }],
    passed: false,
    ...overrides,
  };
}

async function image(format: "png" | "jpeg", seed: number): Promise<ReportImage> {
  const raw = Buffer.alloc(4 * 3 * 3, seed);
  const bytes = await sharp(raw, { raw: { width: 4, height: 3, channels: 3 } })
    [format]()
    .toBuffer();
  return { mime: `image/${format}`, bytes, width: 4, height: 3 };
}

function base64(img: ReportImage): string {
  return Buffer.from(img.bytes as Uint8Array).toString("base64");
}

/** The page as one string: fine for a few small images. */
async function render(entries: ReportEntry[], options: HtmlReportOptions): Promise<string> {
  let html = "";
  for await (const chunk of renderHtmlReport(entries, options)) html += chunk;
  return html;
}

function dataBlock(html: string): string {
  const match = /<script type="application\/json" id="imgenc-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, "JSON block present");
  return match[1] as string;
}

/** Every `attr="..."` value in the page. */
function attributes(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${name}="([^"]*)"`, "g"))].map((m) => m[1] as string);
}

describe("renderHtmlReport", () => {
  let entries: ReportEntry[];

  before(async () => {
    entries = [
      {
        id: "photos/a.png",
        title: HOSTILE_TITLE,
        report: report(HOSTILE_TITLE),
        passed: false,
        images: {
          source: await image("png", 10),
          lossy: await image("jpeg", 20),
          diff: await image("png", 30),
        },
      },
      {
        id: "photos/a.png",
        title: "photos/b.png",
        report: report("photos/b.png", {
          metrics: metrics({ identical: true, psnr: null, ssim: 1, changedPixels: 0 }),
          findings: [],
          gates: [],
          passed: true,
        }),
        passed: true,
        images: { source: await image("png", 40), lossy: await image("jpeg", 50) },
      },
      {
        id: "missing.png",
        title: "missing <&>.png",
        report: null,
        error: { code: "not-found", message: HOSTILE_MESSAGE },
        passed: false,
      },
    ];
  });

  test("escapes hostile titles and messages", async () => {
    const html = await render(entries, { title: HOSTILE_TITLE });
    assert.ok(!html.includes("<img src=x"), "title became markup");
    assert.ok(!html.includes("alert(2)</script>"), "message closed a script");
    assert.ok(
      html.includes(
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &quot;quoted&quot; &#39;single&#39;.png",
      ),
    );
    assert.ok(
      html.includes(
        "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &lt;!-- &amp; &quot;q&quot;",
      ),
    );
    assert.ok(html.includes(`<title>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;`));
    // Only the page's own two scripts: the JSON block and the behaviour.
    assert.equal(html.match(/<script\b/g)?.length, 2);
    assert.equal(html.match(/<\/script>/g)?.length, 2);
    assert.equal(html.match(/<!--/g), null, "a comment could swallow the page");
  });

  test("references nothing outside the file", async () => {
    const withUrl: ReportEntry = {
      id: "url",
      title: "https://example.com/a.png",
      report: report("https://example.com/a.png", {
        sources: [
          {
            ...report("").sources[0],
            input: "https://example.com/a.png",
            kind: "url",
            finalUrl: "https://cdn.example.com/a.png",
            contentType: "image/png",
          } as CompareReport["sources"][number],
        ],
      }),
      passed: false,
    };
    for (const list of [entries, [...entries, withUrl]]) {
      const html = await render(list, { title: "t" });
      for (const src of attributes(html, "src")) assert.match(src, /^data:image\//);
      for (const href of attributes(html, "href")) assert.match(href, /^(#[A-Za-z][\w-]*|data:,)$/);
      for (const name of ["srcset", "poster", "action", "formaction", "background", "xlink:href"]) {
        assert.deepEqual(attributes(html, name), [], name);
      }
      assert.doesNotMatch(html, /url\(/i);
      assert.doesNotMatch(html, /@import/i);
      assert.doesNotMatch(html, /<(link|iframe|object|embed|base|form)\b(?![^>]*rel="icon")/i);
    }
    // Without URL sources, no address at all.
    assert.doesNotMatch(await render(entries, { title: "t" }), /https?:\/\//);
    // A Content-Security-Policy backs this up in the browser: no fetch but data: images.
    const html = await render(entries, { title: "t" });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /img-src data:(;|$)/);
  });

  test("the CSP's hashes allow exactly the inline style and script", async () => {
    const html = await render(entries, { title: "t" });
    const hash = (text: string) =>
      `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const js = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    assert.ok(js.length > 0 && css.length > 0);
    assert.ok(html.includes(`style-src ${hash(css)}`));
    assert.ok(html.includes(`script-src ${hash(js)}`));
    // No inline style attributes, which a hash-only style-src would block.
    assert.deepEqual(attributes(html, "style"), []);
  });

  test("inlines page.css and page.js exactly as they are in src/report", async () => {
    const html = await render(entries, { title: "t" });
    const source = (name: string) =>
      readFileSync(new URL(`../../../src/report/${name}`, import.meta.url), "utf8");
    assert.equal(/<style>([\s\S]*?)<\/style>/.exec(html)?.[1], `\n${source("page.css")}`);
    assert.equal(/<script>([\s\S]*?)<\/script>/.exec(html)?.[1], source("page.js"));
  });

  test("embeds every image as a data: URI at its natural size", async () => {
    const html = await render(entries, { title: "t" });
    const srcs = attributes(html, "src");
    const expected = entries.flatMap((e) =>
      e.images ? [e.images.source, e.images.lossy, ...(e.images.diff ? [e.images.diff] : [])] : [],
    );
    assert.equal(srcs.length, expected.length);
    for (const img of expected) {
      assert.ok(srcs.includes(`data:${img.mime};base64,${base64(img)}`), img.mime);
    }
    for (const tag of html.match(/<img\b[^>]*>/g) ?? []) {
      assert.match(tag, / width="4" height="3"/);
      assert.match(tag, / loading="lazy"/);
      assert.match(tag, / decoding="async"/);
    }
  });

  test("the JSON block round-trips, with < escaped", async () => {
    const html = await render(entries, {
      title: "</script>",
      generatedAt: "2026-01-02T03:04:05Z",
    });
    const raw = dataBlock(html);
    assert.ok(!raw.includes("<"), "a raw < could end the script element");
    const data = JSON.parse(raw);
    assert.equal(data.title, "</script>");
    assert.equal(data.generatedAt, "2026-01-02T03:04:05Z");
    assert.deepEqual(data.totals, { passed: 1, failed: 1, errors: 1 });
    assert.deepEqual(
      data.entries.map((e: { report: unknown }) => e.report),
      JSON.parse(JSON.stringify(entries.map((e) => e.report))),
    );
    assert.deepEqual(data.entries[2].error, entries[2]?.error);
    assert.deepEqual(
      data.entries.map((e: { verdict: string }) => e.verdict),
      ["fail", "pass", "error"],
    );
  });

  test("entries with errors render their code and message", async () => {
    const html = await render([entries[2] as ReportEntry], { title: "t" });
    assert.match(html, /<section class="entry" id="missing-png"/);
    assert.ok(html.includes("missing &lt;&amp;&gt;.png"));
    assert.ok(html.includes("<code>not-found</code>"));
    assert.ok(html.includes("&lt;/script&gt;&lt;script&gt;alert(2)"));
    assert.ok(html.includes(`<span class="badge error">error</span>`));
    assert.doesNotMatch(html, /<img\b/);
  });

  test("ids are safe and unique, and the overview links to them", async () => {
    const html = await render(entries, { title: "t" });
    const ids = attributes(html, "id").filter((id) => id !== "imgenc-data");
    assert.deepEqual(ids, ["photos-a-png", "photos-a-png-2", "missing-png"]);
    const overview = /<section class="overview">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";
    assert.deepEqual(
      attributes(overview, "href"),
      ids.map((id) => `#${id}`),
    );
    const clash = await render([{ ...(entries[1] as ReportEntry), id: "imgenc-data" }], {
      title: "t",
    });
    assert.deepEqual(attributes(clash, "id"), ["imgenc-data-2", "imgenc-data"]);
    // One image: no overview.
    assert.doesNotMatch(
      await render([entries[0] as ReportEntry], { title: "t" }),
      /class="overview"/,
    );
  });

  test("figures carry the JSON's values", async () => {
    const html = await render(entries, { title: "t" });
    const section = /<section class="entry" id="photos-a-png"[\s\S]*?<\/section>\n/.exec(html)?.[0];
    assert.ok(section);
    const shown = new Map(
      [
        ...section.matchAll(
          /data-path="metrics\.(\w+)" data-metric="(\w+)" data-format="\w+" data-value="([^"]*)">([^<]*)</g,
        ),
      ].map((m) => [m[1], { metric: m[2], value: m[3], text: m[4] }]),
    );
    const m = entries[0]?.report?.metrics as Metrics;
    for (const [key, value] of Object.entries(m)) {
      assert.equal(shown.get(key)?.value, String(value), key);
      assert.equal(shown.get(key)?.metric, key);
    }
    assert.equal(shown.get("psnr")?.text, "31.23 dB");
    assert.equal(shown.get("ssim")?.text, "n/a");
    assert.equal(shown.get("changedShare")?.text, "58.3%");
    assert.equal(shown.get("meanAbsError")?.text, "1.042");
    // Identical payloads: PSNR is null in the JSON, infinite on the page.
    assert.match(
      html,
      /data-path="metrics\.psnr" data-metric="psnr" data-format="db" data-value="null">∞</,
    );
    // Gate figures.
    assert.match(
      section,
      /data-path="gates\.0\.limit" data-format="db" data-value="40">40\.00 dB</,
    );
  });

  test("is reproducible, and dated only when asked", async () => {
    const a = await render(entries, { title: "t" });
    assert.equal(await render(entries, { title: "t" }), a);
    assert.doesNotMatch(a, /<time/);
    assert.match(a, /^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
    const dated = await render(entries, { title: "t", generatedAt: "2026-01-02T03:04:05Z" });
    assert.match(dated, /<time datetime="2026-01-02T03:04:05Z">/);
    const given = await render(entries, {
      title: "t",
      totals: { passed: 10, failed: 20, errors: 30 },
    });
    assert.match(given, /10 passed · 20 failed · 30 errors/);
  });
});

describe("renderHtmlReport as a stream", () => {
  /** A payload report for a 6000x4000 photo (figures made up; the page only shows them). */
  function photoReport(input: string): CompareReport {
    const base = report(input);
    const [lossless, lossy] = base.payloads;
    return {
      ...base,
      sources: base.sources.map((s) => ({ ...s, width: 6000, height: 4000 })),
      payloads: [
        { ...lossless, width: 6000, height: 4000, bytes: 48_211_481 },
        { ...lossy, width: 6000, height: 4000, bytes: 1_985_227 },
      ],
      metrics: metrics({ width: 6000, height: 4000, pixels: 24_000_000 }),
    };
  }

  /** Bytes kept "elsewhere": records when the renderer asks for them. */
  function stored(bytes: Uint8Array, log: string[], name: string): StoredBytes {
    return {
      byteLength: bytes.byteLength,
      read: async () => {
        log.push(`read ${name}`);
        return bytes;
      },
    };
  }

  test("no chunk is longer than MAX_CHUNK_CHARS, and an image's URI comes in slices", async () => {
    // 2.5 MB of image bytes: 3.3 M base64 characters, which the old renderer put in one string.
    const big = noise(1024, 814, 3);
    const entry: ReportEntry = {
      id: "big",
      title: "big.png",
      report: report("big.png"),
      passed: false,
      images: {
        source: { mime: "image/png", width: 4, height: 3, bytes: big },
        lossy: { mime: "image/jpeg", width: 4, height: 3, bytes: big.subarray(0, 1000) },
      },
    };
    const chunks: string[] = [];
    for await (const chunk of renderHtmlReport([entry, entry], { title: "t" })) chunks.push(chunk);
    const longest = Math.max(...chunks.map((c) => c.length));
    assert.ok(longest <= MAX_CHUNK_CHARS, `a chunk of ${longest} characters`);
    assert.ok(chunks.length > 8, `${chunks.length} chunks`);
    const html = chunks.join("");
    const src = `data:image/png;base64,${big.toString("base64")}`;
    assert.equal(attributes(html, "src").filter((s) => s === src).length, 2);
    // The JSON block, written per entry, is still one JSON document.
    const data = JSON.parse(dataBlock(html));
    assert.deepEqual(
      data.entries.map((e: { id: string }) => e.id),
      ["big", "big-2"],
    );
  });

  test("markup is never cut inside a character", async () => {
    // A title of 4-byte characters longer than a chunk: every chunk must still encode alone.
    const title = "🖼".repeat(MAX_CHUNK_CHARS);
    let html = "";
    for await (const chunk of renderHtmlReport([], { title })) {
      assert.equal(Buffer.from(chunk, "utf8").toString("utf8"), chunk, "a lone surrogate");
      assert.ok(chunk.length <= MAX_CHUNK_CHARS);
      html += chunk;
    }
    assert.ok(html.includes(`<title>${title}</title>`));
  });

  test("stored images are read one at a time, when the page gets to them", async () => {
    const log: string[] = [];
    const entries: ReportEntry[] = ["a", "b"].map((name) => ({
      id: name,
      title: `${name}.png`,
      report: report(`${name}.png`),
      passed: true,
      images: {
        source: {
          mime: "image/png",
          width: 4,
          height: 3,
          bytes: stored(Buffer.from(`${name}-source`), log, `${name} source`),
        },
        lossy: {
          mime: "image/jpeg",
          width: 4,
          height: 3,
          bytes: stored(Buffer.from(`${name}-lossy`), log, `${name} lossy`),
        },
      },
    }));
    let html = "";
    for await (const chunk of renderHtmlReport(entries, { title: "t" })) {
      if (chunk.includes('id="b"')) log.push("entry b begins");
      html += chunk;
    }
    assert.deepEqual(log, [
      "read a source",
      "read a lossy",
      "entry b begins",
      "read b source",
      "read b lossy",
    ]);
    assert.ok(
      html.includes(`data:image/png;base64,${Buffer.from("b-source").toString("base64")}"`),
    );
  });

  test("a downscaled image says so, with its crop, and keeps the full-size figures", async () => {
    const png = await image("png", 60);
    const preview = (width: number, height: number): ReportImage => ({ ...png, width, height });
    const entry: ReportEntry = {
      id: "photos/big.png",
      title: "photos/big.png",
      report: photoReport("photos/big.png"),
      passed: false,
      images: {
        source: preview(1500, 1000),
        lossy: preview(1500, 1000),
        diff: preview(1500, 1000),
        divisor: 4,
        crop: {
          x: 2048,
          y: 1024,
          width: 512,
          height: 512,
          by: "mismatch",
          source: preview(512, 512),
          lossy: preview(512, 512),
          diff: preview(512, 512),
        },
      },
    };
    const html = await render([entry, entries0()], { title: "t" });
    const section = /<section class="entry" id="photos-big-png"[\s\S]*?<\/section>\n/.exec(
      html,
    )?.[0];
    assert.ok(section);
    assert.match(section, /data-images="preview"/);
    assert.ok(section.includes("shown at 25%: 6000×4000 → 1500×1000"), "the scale is stated");
    assert.ok(section.includes("1:1 crop: 512×512 at x 2048, y 1024"), "the crop is stated");
    assert.match(section, /the region with the most pixelmatch mismatches/);
    // Two viewers, each with its own controls: the downscaled view and the crop.
    assert.equal(section.match(/<div class="viewer" data-zoom="fit">/g)?.length, 2);
    const sizes = (section.match(/<img\b[^>]*>/g) ?? []).map((tag) =>
      / width="(\d+)" height="(\d+)"/.exec(tag)?.slice(1).join("x"),
    );
    assert.deepEqual(sizes, [
      "1500x1000",
      "1500x1000",
      "1500x1000",
      "512x512",
      "512x512",
      "512x512",
    ]);
    // Captions give the payload's real size and bytes, not the preview's.
    assert.ok(section.includes("6000×4000 · 48,211,481 B · shown 1500×1000"));
    // Figures still come from the full-size report.
    assert.match(
      section,
      /data-path="metrics\.pixels" data-metric="pixels" data-format="count" data-value="24000000"/,
    );
    const data = JSON.parse(dataBlock(html));
    assert.deepEqual(data.entries[0].preview, {
      divisor: 4,
      width: 1500,
      height: 1000,
      crop: { x: 2048, y: 1024, width: 512, height: 512, by: "mismatch" },
    });
    assert.equal(data.entries[1].preview, null);
    // The small image beside it is shown as it is, with no scale note.
    const small = /<section class="entry" id="small"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    assert.match(small, /data-images="full"/);
    assert.doesNotMatch(small, /shown at/);
  });

  function entries0(): ReportEntry {
    return {
      id: "small",
      title: "small.png",
      report: report("small.png"),
      passed: true,
      images: {
        source: { mime: "image/png", width: 4, height: 3, bytes: new Uint8Array(8) },
        lossy: { mime: "image/png", width: 4, height: 3, bytes: new Uint8Array(8) },
      },
    };
  }
});
