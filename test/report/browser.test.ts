// biome-ignore-all lint/performance/useDomNodeTextContent: the tests check the rendered, visible text.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { type CompareOptions, type CompareReport, compare, diffPng } from "../../src/compare.js";
import { isImgencError } from "../../src/errors.js";
import { count, percent, ratio } from "../../src/format/numbers.js";
import type { Payload } from "../../src/payload/types.js";
import { renderHtmlReport } from "../../src/report/html.js";
import { reportImages } from "../../src/report/images.js";
import type { ReportEntry, ReportImage } from "../../src/report/types.js";
import { BIG_TEXT, writeBigImage } from "../helpers/big.js";
import { launchChromium, skipUnlessChromium } from "../helpers/browser.js";
import { fixture } from "../helpers/cli.js";

/** The DOM the in-page functions touch: tsconfig's lib leaves DOM out, for the whole program. */
interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}
interface El {
  id: string;
  tagName: string;
  textContent: string | null;
  innerText: string;
  scrollLeft: number;
  style: { contentVisibility: string };
  classList: { contains(name: string): boolean };
  getAttribute(name: string): string | null;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  getBoundingClientRect(): Rect;
  scrollIntoView(options?: { block?: string }): void;
}
interface Img extends El {
  loading: string;
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
  src: string;
  decode(): Promise<void>;
}
declare const document: {
  images: Iterable<Img>;
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  elementFromPoint(x: number, y: number): El | null;
};
declare const location: { hash: string };
declare function getComputedStyle(el: El): {
  visibility: string;
  clipPath: string;
  imageRendering: string;
};
declare function requestAnimationFrame(callback: () => void): number;

const SCREENSHOT = "/tmp/imgenc-report.png";
/** text-and-lines fails PSNR and mismatch (JPEG rings around text); the other two pass. */
const GATES: CompareOptions["gates"] = { minPsnr: 25, minSsim: 0.95, maxMismatch: { share: 0.05 } };
/** Hostile on purpose: it must show as text, not become markup. */
const MISSING = `fixtures/missing <b>&"'.png`;

function reportImage(p: Payload): ReportImage {
  return { mime: p.mime, bytes: p.bytes, width: p.width, height: p.height };
}

async function entryFor(spec: string, options: CompareOptions = {}): Promise<ReportEntry> {
  try {
    const { report, artifacts } = await compare(spec, undefined, {
      diff: true,
      gates: GATES,
      ...options,
    });
    const [lossless, lossy] = artifacts.payloads;
    const diff = artifacts.diff;
    assert.ok(diff, "compare() with diff: true returns the diff image");
    return {
      id: spec,
      title: spec,
      report,
      passed: report.passed,
      images: {
        source: reportImage(lossless),
        lossy: reportImage(lossy),
        diff: {
          mime: "image/png",
          bytes: await diffPng(diff),
          width: diff.width,
          height: diff.height,
        },
      },
    };
  } catch (error) {
    if (!isImgencError(error)) throw error;
    return {
      id: spec,
      title: spec,
      report: null,
      error: { code: error.code, message: error.message },
      passed: false,
    };
  }
}

/** What the page must show for a figure; written apart from the renderer on purpose. */
function expectedText(format: string, value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value === null) return format === "db" ? "∞" : format === "ssim" ? "n/a" : "—";
  assert.equal(typeof value, "number");
  const v = value as number;
  switch (format) {
    case "count":
      return count(v);
    case "percent":
      return percent(v);
    case "db":
      return `${v.toFixed(2)} dB`;
    case "ssim":
      return v.toFixed(4);
    case "fixed3":
      return v.toFixed(3);
    case "ratio":
      return ratio(v);
    case "plain":
      return String(v);
  }
  throw new Error(`unknown data-format ${format}`);
}

function resolve(report: unknown, path: string): unknown {
  let value: unknown = report;
  for (const key of path.split(".")) {
    assert.ok(value !== null && typeof value === "object", `${path}: ${key} of a non-object`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

type Side = "a" | "b" | "none";

/** Which payload's image is hit at a point of the lossless image's box (fx, fy in 0-1). */
function topAt(page: Page, id: string, fx: number, fy = 0.5): Promise<Side> {
  return page.evaluate(
    ([id, fx, fy]) => {
      const entry = document.getElementById(id as string) as El;
      const img = entry.querySelector(".pane.a img") as El;
      img.scrollIntoView({ block: "center" });
      const r = img.getBoundingClientRect();
      const hit = document.elementFromPoint(
        r.left + r.width * (fx as number),
        r.top + r.height * (fy as number),
      );
      const pane = hit?.tagName === "IMG" ? hit.closest(".pane") : null;
      return pane?.classList.contains("a") ? "a" : pane?.classList.contains("b") ? "b" : "none";
    },
    [id, fx, fy] as const,
  );
}

/** One Chromium for the whole file: each part opens its own page in it. */
let browser: Promise<Browser> | undefined;
const sharedBrowser = () => {
  browser ??= launchChromium();
  return browser;
};
after(async () => {
  await (await browser)?.close();
});

describe("HTML report in Chromium", { skip: skipUnlessChromium(), timeout: 180_000 }, () => {
  let page: Page;
  let entries: ReportEntry[];
  const work = mkdtempSync(join(tmpdir(), "imgenc-report-"));
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];

  before(async () => {
    entries = [
      await entryFor(fixture("photo.png"), { model: "qwen2.5-vl" }),
      await entryFor(fixture("text-and-lines.png")),
      await entryFor(fixture("logo-alpha.png")),
      await entryFor(MISSING),
    ];
    const file = join(work, "report.html");
    await writeFile(file, renderHtmlReport(entries, { title: "imgenc check <fixtures> & co" }));
    page = await (await sharedBrowser()).newPage({ viewport: { width: 1400, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  });

  after(async () => {
    await page?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("the compare results are what the page is about", () => {
    assert.deepEqual(
      entries.map((e) => e.report === null),
      [false, false, false, true],
    );
    assert.equal(entries[3]?.error?.code, "not-found");
    // text-and-lines fails the PSNR gate: one failing entry among passing ones.
    assert.deepEqual(
      entries.map((e) => e.passed),
      [true, false, true, false],
    );
  });

  test("every image decodes, at its natural size", async () => {
    const images = await page.evaluate(async () => {
      const all = [...document.images];
      // Lazy images below the fold would never load in a still page.
      for (const img of all) img.loading = "eager";
      await Promise.allSettled(all.map((img) => img.decode()));
      return all.map((img) => ({
        complete: img.complete,
        naturalWidth: img.naturalWidth,
        naturalHeight: img.naturalHeight,
        width: Number(img.getAttribute("width")),
        height: Number(img.getAttribute("height")),
        src: img.src.slice(0, 30),
      }));
    });
    assert.equal(images.length, 9, "three images for each of the three readable fixtures");
    for (const img of images) {
      assert.ok(img.complete && img.naturalWidth > 0, `not decoded: ${JSON.stringify(img)}`);
      assert.equal(img.naturalWidth, img.width);
      assert.equal(img.naturalHeight, img.height);
      assert.match(img.src, /^data:image\/(png|jpeg);base64,/);
    }
    // Off-screen entries skip rendering (content-visibility: auto); paint them all for the
    // full-page shot, through the CSSOM since the page's CSP refuses added stylesheets.
    await page.evaluate(() => {
      for (const e of document.querySelectorAll(".entry")) e.style.contentVisibility = "visible";
    });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  test("the JSON block holds the exact reports", async () => {
    const data = await page.evaluate(() =>
      JSON.parse(document.getElementById("imgenc-data")?.textContent ?? "null"),
    );
    assert.equal(data.title, "imgenc check <fixtures> & co");
    assert.deepEqual(data.totals, { passed: 2, failed: 1, errors: 1 });
    assert.deepEqual(
      data.entries.map((e: { report: CompareReport | null }) => e.report),
      JSON.parse(JSON.stringify(entries.map((e) => e.report))),
    );
    assert.equal(data.entries[3].error.message, entries[3]?.error?.message);
  });

  test("every figure shown is its JSON value, formatted", async () => {
    const data = await page.evaluate(() =>
      JSON.parse(document.getElementById("imgenc-data")?.textContent ?? "null"),
    );
    const reports = new Map<string, CompareReport>(
      data.entries.map((e: { id: string; report: CompareReport }) => [e.id, e.report]),
    );
    const figures = await page.evaluate(async () => {
      const found = [];
      // Entries off screen skip rendering (content-visibility), and so have no innerText.
      for (const scope of [...document.querySelectorAll(".overview, .entry")]) {
        scope.scrollIntoView();
        await new Promise((done) =>
          requestAnimationFrame(() => requestAnimationFrame(() => done(0))),
        );
        for (const el of scope.querySelectorAll("[data-path]")) {
          found.push({
            entry: el.closest("[data-entry]")?.getAttribute("data-entry") ?? "",
            path: el.getAttribute("data-path") ?? "",
            metric: el.getAttribute("data-metric"),
            format: el.getAttribute("data-format") ?? "",
            value: el.getAttribute("data-value"),
            text: el.innerText,
          });
        }
      }
      return found;
    });
    const metricKeys = Object.keys(entries[0]?.report?.metrics ?? {});
    for (const [id, report] of reports) {
      if (report === null) continue;
      // The full metrics table shows every figure of the JSON's metrics.
      const shown = new Set(
        figures.filter((f) => f.entry === id && f.path.startsWith("metrics.")).map((f) => f.metric),
      );
      for (const key of metricKeys) assert.ok(shown.has(key), `${id}: metric ${key} not shown`);
    }
    assert.ok(
      figures.some((f) => f.path.startsWith("model.metrics.")),
      "model metrics shown",
    );
    assert.ok(
      figures.some((f) => f.path.startsWith("gates.")),
      "gates shown",
    );
    for (const f of figures) {
      const report = reports.get(f.entry);
      assert.ok(report, `figure ${f.path} outside a known entry (${f.entry})`);
      const value = resolve(report, f.path);
      const where = `${f.entry} ${f.path}`;
      assert.notEqual(value, undefined, `${where} is not in the JSON`);
      assert.equal(f.value, String(value), `${where}: data-value`);
      assert.equal(f.text, expectedText(f.format, value), `${where}: text`);
      if (f.metric !== null) assert.ok(f.path.endsWith(`.${f.metric}`), `${where}: data-metric`);
    }
    // 4 overview cells + ~45 per entry: a sample the size of the page, not a handful.
    assert.ok(figures.length > 100, `only ${figures.length} figures`);
  });

  test("escaped titles and the error entry show as text", async () => {
    const title = await page.title();
    assert.equal(title, "imgenc check <fixtures> & co");
    const id =
      (await page.evaluate(() => [...document.querySelectorAll(".entry")].at(-1)?.id)) ?? "";
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    const text = await page.locator(`#${id}`).innerText();
    assert.ok(text.includes(MISSING), text);
    assert.ok(text.includes("not-found"));
    assert.ok(text.includes(entries[3]?.error?.message ?? "?"));
    assert.equal(await page.locator(`#${id} h2`).innerText(), MISSING);
    assert.equal(await page.locator(`#${id} b`).count(), 0, "no <b> from the title");
  });

  test("flip shows one payload, then the other", async () => {
    const id = (await page.evaluate(() => document.querySelector(".entry")?.id)) ?? "";
    const entry = page.locator(`#${id}`);
    // Side by side: the lossless image is where it is, the lossy one beside it.
    assert.equal(await topAt(page, id, 0.5), "a");
    await entry.locator('button[data-mode="flip"]').click();
    assert.equal(await entry.locator(".views").getAttribute("data-mode"), "flip");
    assert.equal(await topAt(page, id, 0.5), "b", "flip starts on the lossy payload");
    assert.match(await entry.locator(".status").innerText(), /showing lossy/);
    await entry.locator('button[data-mode="flip"]').click();
    assert.equal(await topAt(page, id, 0.5), "a");
    assert.equal(
      await entry.locator(".pane.b").evaluate((el) => getComputedStyle(el).visibility),
      "hidden",
    );
    assert.match(await entry.locator(".status").innerText(), /showing lossless/);
    // The keyboard acts on the entry under the pointer; a click on the image flips too.
    await entry.locator(".pane.a img").hover();
    await page.keyboard.press("f");
    assert.equal(await topAt(page, id, 0.5), "b");
    await entry.locator(".pair").click();
    assert.equal(await topAt(page, id, 0.5), "a");
  });

  test("the slider and a drag move the split between the payloads", async () => {
    const id = (await page.evaluate(() => document.querySelector(".entry")?.id)) ?? "";
    const entry = page.locator(`#${id}`);
    const clip = () => entry.locator(".pane.b img").evaluate((el) => getComputedStyle(el).clipPath);
    await entry.locator("input.split").fill("25");
    assert.equal(await entry.locator(".views").getAttribute("data-mode"), "slide");
    assert.equal(await clip(), "inset(0px 0px 0px 25%)");
    assert.equal(await topAt(page, id, 0.1), "a");
    assert.equal(await topAt(page, id, 0.3), "b");
    assert.equal(await topAt(page, id, 0.9), "b");
    // Drag from 80% to 60% of the image's width.
    const box = await entry.locator(".pane.b img").boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const split = Number(await entry.locator("input.split").inputValue());
    assert.ok(Math.abs(split - 60) < 1, `split ${split} after the drag`);
    assert.equal(await topAt(page, id, 0.5), "a");
    assert.equal(await topAt(page, id, 0.7), "b");
    await entry.locator('button[data-mode="side"]').click();
    assert.equal(await clip(), "none");
  });

  test("large images fit their column; 1:1 and 2x show natural pixels", async () => {
    const id = (await page.evaluate(() => [...document.querySelectorAll(".entry")][1]?.id)) ?? "";
    const entry = page.locator(`#${id}`);
    const width = () =>
      entry.locator(".pane.a img").evaluate((el) => el.getBoundingClientRect().width);
    // text-and-lines is 512 px wide, more than a third of the 1400 px page.
    assert.ok((await width()) < 512, `fit width ${await width()}`);
    await entry.locator('button[data-zoom="1"]').click();
    assert.equal(await width(), 512);
    await entry.locator('button[data-zoom="2"]').click();
    assert.equal(await width(), 1024);
    assert.equal(
      await entry.locator(".pane.a img").evaluate((el) => getComputedStyle(el).imageRendering),
      "pixelated",
    );
    // Zoomed panes scroll together.
    await entry.locator(".pane.a .scroll").evaluate((el) => {
      el.scrollLeft = 100;
    });
    await page.waitForFunction(
      (id) =>
        [...(document.getElementById(id)?.querySelectorAll(".scroll") ?? [])].every(
          (s) => s.scrollLeft === 100,
        ),
      id,
    );
    await entry.locator('button[data-zoom="fit"]').click();
    assert.ok((await width()) < 512);
  });

  test("overview rows link to the entries", async () => {
    const links = await page.$$eval(".overview a", (as) =>
      as.map((a) => {
        const href = a.getAttribute("href") ?? "";
        const target = document.getElementById(decodeURIComponent(href.slice(1)));
        return { href, ok: href.startsWith("#") && target?.classList.contains("entry") === true };
      }),
    );
    assert.equal(links.length, entries.length);
    for (const link of links) assert.ok(link.ok, `${link.href} points nowhere`);
    const href = links[2]?.href ?? "";
    await page.locator(`.overview a[href="${href}"]`).click();
    assert.equal(await page.evaluate(() => location.hash), href);
  });

  test("no console errors and no request but data: and file:", () => {
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(pageErrors, []);
    const outside = requests.filter((url) => !/^(data|file):/.test(url));
    assert.deepEqual(outside, []);
    assert.ok(requests.some((url) => url.startsWith("file:")));
  });
});

describe("a downscaled image in Chromium", { skip: skipUnlessChromium(), timeout: 180_000 }, () => {
  let page: Page;
  let id: string;
  const work = mkdtempSync(join(tmpdir(), "imgenc-report-big-"));
  const pageErrors: string[] = [];
  const requests: string[] = [];
  /** Over the 2 MiP bound: shown at 50%, with a 512x512 crop that must find the text. */
  const big = join(work, "big.png");

  before(async () => {
    await writeBigImage(big);
    const { report, artifacts } = await compare(big, undefined, { diff: true, pixels: true });
    assert.ok(artifacts.pixels);
    const entry: ReportEntry = {
      id: "big",
      title: big,
      report,
      passed: report.passed,
      images: await reportImages({
        payloads: artifacts.payloads,
        pixels: artifacts.pixels,
        ...(artifacts.diff && { diff: artifacts.diff }),
      }),
    };
    id = "big";
    const file = join(work, "report.html");
    await writeFile(
      file,
      renderHtmlReport([entry, await entryFor(fixture("text-and-lines.png"))], { title: "big" }),
    );
    page = await (await sharedBrowser()).newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  });

  after(async () => {
    await page?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("the page says at what scale the image is shown, and where the crop is", async () => {
    const entry = page.locator(`#${id}`);
    await entry.scrollIntoViewIfNeeded();
    const notes = await entry.locator(".scaled").allInnerTexts();
    assert.equal(notes.length, 2);
    assert.match(
      notes[0] ?? "",
      /^shown at 50%: 2400×1300 → 1200×650 · downscaled \(as JPEG q90\)/,
    );
    assert.match(
      notes[1] ?? "",
      /^1:1 crop: 512×512 at x \d+, y \d+ · the region with the most pixelmatch mismatches/,
    );
    const [x, y] = (/at x (\d+), y (\d+)/.exec(notes[1] ?? "") ?? []).slice(1).map(Number);
    assert.ok(
      (x as number) < BIG_TEXT.x + BIG_TEXT.width &&
        (x as number) + 512 > BIG_TEXT.x &&
        (y as number) < BIG_TEXT.y + BIG_TEXT.height &&
        (y as number) + 512 > BIG_TEXT.y,
      `the crop at ${x},${y} misses the text`,
    );
    // Figures are those of the full image.
    const pixels = await entry
      .locator('[data-path="metrics.pixels"]')
      .first()
      .getAttribute("data-value");
    assert.equal(pixels, String(2400 * 1300));
  });

  test("views and crop decode at their natural sizes", async () => {
    const images = await page.evaluate(async (id) => {
      const all = [...(document.getElementById(id)?.querySelectorAll("img") ?? [])] as Img[];
      for (const img of all) img.loading = "eager";
      await Promise.allSettled(all.map((img) => img.decode()));
      return all.map((img) => ({
        natural: `${img.naturalWidth}x${img.naturalHeight}`,
        declared: `${img.getAttribute("width")}x${img.getAttribute("height")}`,
        type: /^data:([\w/]+);base64,/.exec(img.src)?.[1],
      }));
    }, id);
    assert.deepEqual(
      images.map((i) => i.natural),
      ["1200x650", "1200x650", "1200x650", "512x512", "512x512", "512x512"],
    );
    for (const img of images) assert.equal(img.natural, img.declared);
    assert.deepEqual(
      images.map((i) => i.type),
      ["image/jpeg", "image/jpeg", "image/png", "image/png", "image/png", "image/png"],
    );
  });

  test("the downscaled view and the crop each keep their own mode and zoom", async () => {
    const viewers = page.locator(`#${id} .viewer`);
    assert.equal(await viewers.count(), 2);
    const preview = viewers.nth(0);
    const crop = viewers.nth(1);
    await crop.locator('button[data-mode="flip"]').click();
    assert.equal(await crop.locator(".views").getAttribute("data-mode"), "flip");
    assert.equal(await preview.locator(".views").getAttribute("data-mode"), "side");
    await crop.locator('button[data-zoom="1"]').click();
    const width = (v: typeof crop) =>
      v.locator(".pane.a img").evaluate((el) => el.getBoundingClientRect().width);
    assert.equal(await width(crop), 512, "the crop at 1:1 is the image's own pixels");
    assert.equal(await preview.getAttribute("data-zoom"), "fit");
    assert.ok((await width(preview)) < 1200);
    // Keys act on the viewer that has the focus.
    await preview.locator('button[data-mode="side"]').focus();
    await page.keyboard.press("s");
    assert.equal(await preview.locator(".views").getAttribute("data-mode"), "slide");
    assert.equal(await crop.locator(".views").getAttribute("data-mode"), "flip");
  });

  test("no errors and no request but data: and file:", () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(
      requests.filter((url) => !/^(data|file):/.test(url)),
      [],
    );
  });
});
