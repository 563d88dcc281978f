/**
 * Writes the small-text fixtures that OCR reads differently depending on the encoding path:
 * one line of text rendered by librsvg (through sharp) in DejaVu Sans, Debian's
 * fonts-dejavu-core, with fixed colours, sizes and positions. A file is rewritten only when
 * its bytes change. The same fonts and librsvg give the same pixels; another font setup may
 * move a few edge pixels, so the committed files, not this script, are what tests read.
 *
 * Run: `npx tsc -b tsconfig.json && node dist/scripts/make-text-fixtures.js`.
 */
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { writeFixture } from "./fixture-file.js";

// dist/scripts/make-text-fixtures.js -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

interface TextFixture {
  name: string;
  text: string;
  /** Font size in pixels. */
  size: number;
  fill: string;
  background: string;
  width: number;
  height: number;
}

const INVOICE = "Invoice 48213 total 1204.50 EUR";

const TEXT_FIXTURES: TextFixture[] = [
  {
    name: "invoice-black-on-white.png",
    text: INVOICE,
    size: 14,
    fill: "#000000",
    background: "#ffffff",
    width: 280,
    height: 28,
  },
  {
    name: "invoice-red-on-blue.png",
    text: INVOICE,
    size: 9,
    fill: "#ff0000",
    background: "#0000ff",
    width: 200,
    height: 20,
  },
  {
    name: "invoice-grey-on-grey.png",
    text: INVOICE,
    size: 9,
    fill: "#808080",
    background: "#a0a0a0",
    width: 200,
    height: 20,
  },
];

function svg(f: TextFixture): string {
  const baseline = Math.round(f.height / 2 + f.size / 3);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}">`,
    `<rect width="100%" height="100%" fill="${f.background}"/>`,
    `<text x="4" y="${baseline}" font-family="DejaVu Sans" font-size="${f.size}" fill="${f.fill}">${f.text}</text>`,
    "</svg>",
  ].join("");
}

for (const f of TEXT_FIXTURES) {
  const bytes = await sharp(Buffer.from(svg(f)))
    .removeAlpha()
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
  const path = `${FIXTURES}${f.name}`;
  const status = writeFixture(path, bytes);
  console.log(
    `fixtures/${f.name.padEnd(27)} ${`${f.width}x${f.height}`.padEnd(7)} ${String(bytes.length).padStart(6)} B  ${status}`,
  );
}
