import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import type { CompareReport } from "../../src/compare.js";
import type { Metrics } from "../../src/metrics/report.js";
import { type ReportEntry, type ReportImage, renderHtmlReport } from "../../src/report/html.js";

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
  return Buffer.from(img.bytes).toString("base64");
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

  test("escapes hostile titles and messages", () => {
    const html = renderHtmlReport(entries, { title: HOSTILE_TITLE });
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

  test("references nothing outside the file", () => {
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
      const html = renderHtmlReport(list, { title: "t" });
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
    assert.doesNotMatch(renderHtmlReport(entries, { title: "t" }), /https?:\/\//);
    // A Content-Security-Policy backs this up in the browser: no fetch but data: images.
    const html = renderHtmlReport(entries, { title: "t" });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /img-src data:(;|$)/);
  });

  test("the CSP's hashes allow exactly the inline style and script", () => {
    const html = renderHtmlReport(entries, { title: "t" });
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

  test("embeds every image as a data: URI at its natural size", () => {
    const html = renderHtmlReport(entries, { title: "t" });
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

  test("the JSON block round-trips, with < escaped", () => {
    const html = renderHtmlReport(entries, {
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

  test("entries with errors render their code and message", () => {
    const html = renderHtmlReport([entries[2] as ReportEntry], { title: "t" });
    assert.match(html, /<section class="entry" id="missing-png"/);
    assert.ok(html.includes("missing &lt;&amp;&gt;.png"));
    assert.ok(html.includes("<code>not-found</code>"));
    assert.ok(html.includes("&lt;/script&gt;&lt;script&gt;alert(2)"));
    assert.ok(html.includes(`<span class="badge error">error</span>`));
    assert.doesNotMatch(html, /<img\b/);
  });

  test("ids are safe and unique, and the overview links to them", () => {
    const html = renderHtmlReport(entries, { title: "t" });
    const ids = attributes(html, "id").filter((id) => id !== "imgenc-data");
    assert.deepEqual(ids, ["photos-a-png", "photos-a-png-2", "missing-png"]);
    const overview = /<section class="overview">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";
    assert.deepEqual(
      attributes(overview, "href"),
      ids.map((id) => `#${id}`),
    );
    const clash = renderHtmlReport([{ ...(entries[1] as ReportEntry), id: "imgenc-data" }], {
      title: "t",
    });
    assert.deepEqual(attributes(clash, "id"), ["imgenc-data-2", "imgenc-data"]);
    // One image: no overview.
    assert.doesNotMatch(
      renderHtmlReport([entries[0] as ReportEntry], { title: "t" }),
      /class="overview"/,
    );
  });

  test("figures carry the JSON's values", () => {
    const html = renderHtmlReport(entries, { title: "t" });
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

  test("is reproducible, and dated only when asked", () => {
    const a = renderHtmlReport(entries, { title: "t" });
    assert.equal(renderHtmlReport(entries, { title: "t" }), a);
    assert.doesNotMatch(a, /<time/);
    assert.match(a, /^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
    const dated = renderHtmlReport(entries, { title: "t", generatedAt: "2026-01-02T03:04:05Z" });
    assert.match(dated, /<time datetime="2026-01-02T03:04:05Z">/);
    const given = renderHtmlReport(entries, {
      title: "t",
      totals: { passed: 10, failed: 20, errors: 30 },
    });
    assert.match(given, /10 passed · 20 failed · 30 errors/);
  });
});
