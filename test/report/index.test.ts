import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CheckItem, CheckTotals } from "../../src/check/types.js";
import { compare } from "../../src/compare.js";
import { checkReportPage, compareReportPage } from "../../src/report/index.js";
import { fixture } from "../helpers/cli.js";

async function text(page: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const chunk of page) out += chunk;
  return out;
}

interface PageData {
  title: string;
  generatedAt?: string;
  totals: { passed: number; failed: number; errors: number };
  entries: { id: string; title: string; passed: boolean; verdict: string; report: unknown }[];
}

function data(html: string): PageData {
  const match = /<script type="application\/json" id="imgenc-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, "the page embeds its data");
  return JSON.parse(match[1] as string) as PageData;
}

describe("report pages, made by the core", () => {
  test("compare: one entry with the report and both payloads; pure without a date", async () => {
    const result = await compare(fixture("grey.png"), undefined, { diff: true, pixels: true });
    const html = await text(await compareReportPage(result));
    const page = data(html);
    const input = result.report.sources[0]?.input as string;
    assert.equal(page.title, `imgenc compare: ${input}`);
    assert.equal(page.generatedAt, undefined);
    assert.equal(page.entries.length, 1);
    assert.equal(page.entries[0]?.id, "image");
    assert.deepEqual(page.entries[0]?.report, JSON.parse(JSON.stringify(result.report)));
    assert.equal(html, await text(await compareReportPage(result)), "same input, same bytes");
    const lossy = result.artifacts.payloads[1];
    assert.ok(html.includes(`data:image/jpeg;base64,${lossy.bytes.toString("base64")}`));

    const dated = data(
      await text(await compareReportPage(result, { generatedAt: "2026-01-02T03:04:05.000Z" })),
    );
    assert.equal(dated.generatedAt, "2026-01-02T03:04:05.000Z");
  });

  test("compare without pixels: the figures, and no images", async () => {
    const result = await compare(fixture("grey.png"));
    const html = await text(await compareReportPage(result));
    assert.doesNotMatch(html, /data:image\/(png|jpeg);base64,/);
    assert.equal(data(html).entries[0]?.verdict, "pass");
  });

  test("check: one entry per item in the order given, with the run's totals", async () => {
    const { report } = await compare(fixture("grey.png"));
    const items: CheckItem[] = [
      {
        file: "shots/broken.png",
        status: "error",
        durationMs: 0,
        error: { code: "not-image", message: "an HTML page, not an image" },
      },
      { file: "shots/grey.png", status: "passed", durationMs: 1, report },
    ];
    const totals: CheckTotals = {
      images: 2,
      passed: 1,
      failed: 0,
      errors: 1,
      durationMs: 1,
      interrupted: false,
    };
    const page = data(await text(await checkReportPage(items, totals)));
    assert.equal(page.title, "imgenc check: 2 images");
    assert.deepEqual(page.totals, { passed: 1, failed: 0, errors: 1 });
    assert.deepEqual(
      page.entries.map((e) => [e.id, e.title, e.verdict]),
      [
        ["image-1", "shots/broken.png", "error"],
        ["image-2", "shots/grey.png", "pass"],
      ],
    );
  });
});
