import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import {
  estimateQuality,
  IJG_CHROMINANCE,
  IJG_LUMINANCE,
  ijgTables,
  JPEG_NATURAL_ORDER,
  type JpegHeader,
  type QuantTable,
  readJpegHeader,
} from "../../src/image/jpeg.js";
import { fixture } from "../helpers/cli.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { rng } from "../helpers/random.js";

const PHOTO = fixture("photo.png");

// --- Synthetic files: exact control over every marker. ---

function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 255, ...payload];
}

/** DQT with entry k (zigzag order) = valueAt(k). */
function dqt(id: number, precision: 8 | 16, valueAt: (k: number) => number): number[] {
  const payload = [(precision === 16 ? 0x10 : 0) | id];
  for (let k = 0; k < 64; k++) {
    const v = valueAt(k);
    if (precision === 16) payload.push(v >> 8, v & 255);
    else payload.push(v);
  }
  return segment(0xdb, payload);
}

function sof(marker: number, width: number, height: number, sampling: [number, number][]) {
  const payload = [8, height >> 8, height & 255, width >> 8, width & 255, sampling.length];
  sampling.forEach(([h, v], i) => {
    payload.push(i + 1, (h << 4) | v, i === 0 ? 0 : 1);
  });
  return segment(marker, payload);
}

const SOS = segment(0xda, [1, 1, 0, 0, 63, 0]);
const SOI = [0xff, 0xd8];

function jpeg(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

function header(bytes: Uint8Array): JpegHeader {
  const result = readJpegHeader(bytes);
  assert.ok(result, "expected a JPEG header");
  return result;
}

describe("ijgTables", () => {
  test("quality 50 is Annex K itself and 100 is all ones", () => {
    assert.deepEqual(ijgTables(50), { luma: [...IJG_LUMINANCE], chroma: [...IJG_CHROMINANCE] });
    assert.deepEqual(ijgTables(100).luma, new Array(64).fill(1));
    assert.deepEqual(ijgTables(100).chroma, new Array(64).fill(1));
  });

  test("scales with libjpeg's integer arithmetic and clamps like force_baseline", () => {
    // q=10: scale 500; 16*500+50 = 8050 -> 80; 121*5 = 605 -> 255 unless not baseline.
    assert.equal(ijgTables(10).luma[0], 80);
    assert.equal(ijgTables(10).luma[53], 255);
    assert.equal(ijgTables(10, false).luma[53], 605);
    // q=90: scale 20; (10*20+50)/100 = 2.5 -> 2 (truncation, not rounding).
    assert.equal(ijgTables(90).luma[2], 2);
    // Out-of-range qualities clamp as jpeg_quality_scaling does.
    assert.deepEqual(ijgTables(0), ijgTables(1));
    assert.deepEqual(ijgTables(250), ijgTables(100));
  });
});

describe("estimateQuality", () => {
  const tables = (q: number, forceBaseline = true): QuantTable[] => {
    const { luma, chroma } = ijgTables(q, forceBaseline);
    return [
      { id: 0, precision: 8, values: luma },
      { id: 1, precision: 8, values: chroma },
    ];
  };

  test("recovers every IJG quality exactly, with and without chroma", () => {
    for (let q = 1; q <= 100; q++) {
      assert.deepEqual(estimateQuality(tables(q)), { quality: q, standard: true, meanError: 0 });
      const lumaOnly = tables(q).slice(0, 1);
      assert.deepEqual(estimateQuality(lumaOnly), { quality: q, standard: true, meanError: 0 });
      // Without force_baseline, low qualities exceed 255 (written as 16-bit tables).
      assert.equal(estimateQuality(tables(q, false)).quality, q);
    }
  });

  test("all-ones tables read as 100", () => {
    const ones = [0, 1].map((id) => ({ id, precision: 8 as const, values: new Array(64).fill(1) }));
    assert.deepEqual(estimateQuality(ones), { quality: 100, standard: true, meanError: 0 });
  });

  test("a slightly tweaked table reads as its quality, but not as standard", () => {
    const tweaked = tables(80);
    const luma = tweaked[0] as QuantTable;
    luma.values[63] = (luma.values[63] as number) + 3;
    const estimate = estimateQuality(tweaked);
    assert.equal(estimate.quality, 80);
    assert.equal(estimate.standard, false);
    assert.equal(estimate.meanError, 3 / 128);
  });

  test("flat tables and different luma/chroma qualities are non-standard", () => {
    const flat = [0, 1].map((id) => ({
      id,
      precision: 8 as const,
      values: new Array(64).fill(16),
    }));
    assert.equal(estimateQuality(flat).quality, null);
    assert.equal(estimateQuality(flat).standard, false);
    assert.ok(estimateQuality(flat).meanError > 0);
    const mixed = [tables(90)[0] as QuantTable, tables(70)[1] as QuantTable];
    assert.deepEqual(
      { ...estimateQuality(mixed), meanError: 0 },
      { quality: null, standard: false, meanError: 0 },
    );
  });

  test("no luma table: no estimate", () => {
    const none = estimateQuality([]);
    assert.equal(none.quality, null);
    assert.equal(none.standard, false);
    assert.ok(Number.isNaN(none.meanError));
    assert.equal(
      estimateQuality([{ id: 1, precision: 8, values: ijgTables(75).chroma }]).quality,
      null,
    );
  });
});

describe("readJpegHeader on synthetic files", () => {
  test("not a JPEG: undefined", () => {
    for (const bytes of [[], [0xff], [0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47], [0xff, 0xd9]]) {
      assert.equal(readJpegHeader(Uint8Array.from(bytes)), undefined);
    }
  });

  test("fill bytes, standalone markers, DRI, 16-bit DQT, arithmetic frame", () => {
    const bytes = jpeg(
      SOI,
      [0xff, 0xff, 0xff, 0xd0, 0xff, 0x01], // fill bytes, RST0, TEM
      segment(0xdd, [0x00, 0x10]),
      dqt(2, 16, (k) => 1000 + k),
      [0x12, 0x34], // garbage between segments: skipped, as libjpeg does
      sof(0xc9, 300, 200, [
        [1, 2],
        [1, 1],
        [1, 1],
      ]),
      SOS,
    );
    const h = header(bytes);
    assert.equal(h.width, 300);
    assert.equal(h.height, 200);
    assert.equal(h.precision, 8);
    assert.equal(h.restartInterval, 16);
    assert.equal(h.arithmetic, true);
    assert.equal(h.progressive, false);
    assert.equal(h.frameMarker, 0xc9);
    assert.equal(h.subsampling, "4:4:0");
    assert.deepEqual(h.components[0], { id: 1, h: 1, v: 2, tq: 0 });
    assert.equal(h.valid, true);
    assert.equal(h.truncated, false);
    const table = h.quantTables[0] as QuantTable;
    assert.equal(table.id, 2);
    assert.equal(table.precision, 16);
    // Zigzag position 2 is row 1, column 0; position 63 is the last entry.
    assert.equal(table.values[8], 1002);
    assert.equal(table.values[1], 1001);
    assert.equal(table.values[63], 1063);
    for (let k = 0; k < 64; k++)
      assert.equal(table.values[JPEG_NATURAL_ORDER[k] as number], 1000 + k);
  });

  test("progressive and arithmetic-progressive frame markers", () => {
    for (const [marker, progressive, arithmetic] of [
      [0xc0, false, false],
      [0xc1, false, false],
      [0xc2, true, false],
      [0xca, true, true],
    ] as const) {
      const h = header(jpeg(SOI, sof(marker, 8, 8, [[1, 1]]), SOS));
      assert.deepEqual([h.progressive, h.arithmetic, h.greyscale], [progressive, arithmetic, true]);
      assert.equal(h.subsampling, undefined);
    }
  });

  test("names subsampling layouts from luma/chroma ratios", () => {
    const cases: [[number, number][], string][] = [
      [
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        "4:4:4",
      ],
      [
        [
          [2, 2],
          [2, 2],
          [2, 2],
        ],
        "4:4:4",
      ],
      [
        [
          [2, 1],
          [1, 1],
          [1, 1],
        ],
        "4:2:2",
      ],
      [
        [
          [2, 2],
          [1, 1],
          [1, 1],
        ],
        "4:2:0",
      ],
      [
        [
          [4, 2],
          [2, 2],
          [2, 2],
        ],
        "4:2:2",
      ],
      [
        [
          [4, 4],
          [2, 2],
          [2, 2],
        ],
        "4:2:0",
      ],
      [
        [
          [1, 2],
          [1, 1],
          [1, 1],
        ],
        "4:4:0",
      ],
      [
        [
          [4, 1],
          [1, 1],
          [1, 1],
        ],
        "4:1:1",
      ],
      [
        [
          [4, 2],
          [1, 1],
          [1, 1],
        ],
        "4:1:0",
      ],
      [
        [
          [2, 2],
          [1, 1],
          [1, 1],
          [2, 2],
        ],
        "4:2:0",
      ], // YCCK: K samples like Y
      [
        [
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        "4:4:4",
      ],
      [
        [
          [2, 1],
          [1, 2],
          [1, 1],
        ],
        "h2v1,h1v2,h1v1",
      ],
      [
        [
          [3, 1],
          [1, 1],
          [1, 1],
        ],
        "h3v1,h1v1,h1v1",
      ],
      [
        [
          [2, 2],
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        "h2v2,h1v1,h1v1,h1v1",
      ],
      [
        [
          [1, 1],
          [1, 1],
        ],
        "h1v1,h1v1",
      ],
      [
        [
          [1, 1],
          [0, 0],
          [0, 0],
        ],
        "h1v1,h0v0,h0v0",
      ],
    ];
    for (const [sampling, expected] of cases) {
      assert.equal(header(jpeg(SOI, sof(0xc0, 16, 16, sampling), SOS)).subsampling, expected);
    }
  });

  test("APP segments: JFIF, Exif, ICC, Adobe (short Adobe segments ignored)", () => {
    const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
    const h = header(
      jpeg(
        SOI,
        segment(0xe0, [...ascii("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
        segment(0xe1, [...ascii("Exif\0\0"), 0x4d, 0x4d]),
        segment(0xe2, [...ascii("ICC_PROFILE\0"), 1, 1]),
        segment(0xee, [...ascii("Adobe"), 0, 100, 0, 0, 0, 0, 2]),
        sof(0xc0, 8, 8, [[1, 1]]),
        SOS,
      ),
    );
    assert.deepEqual([h.jfif, h.exif, h.iccProfile], [true, true, true]);
    assert.deepEqual(h.jfifHeader, { version: "1.01", units: 0, xDensity: 1, yDensity: 1 });
    assert.deepEqual(h.adobe, { transform: 2 });
    assert.deepEqual(h.markers, [0xe0, 0xe1, 0xe2, 0xee, 0xc0, 0xda]);
    const short = header(jpeg(SOI, segment(0xee, [...ascii("Adobe"), 0, 100]), SOS));
    assert.equal(short.adobe, undefined);
    const other = header(jpeg(SOI, segment(0xe1, ascii("http://ns.adobe.com/xap/1.0/\0")), SOS));
    assert.equal(other.exif, false);
  });

  test("DHT tables, COM segments and ICC chunks joined; a short DHT table is skipped", () => {
    const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
    const counts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const symbols = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const h = header(
      jpeg(
        SOI,
        segment(0xfe, ascii("a comment")),
        segment(0xe2, [...ascii("ICC_PROFILE\0"), 1, 2, 10, 11]),
        segment(0xe2, [...ascii("ICC_PROFILE\0"), 2, 2, 12]),
        // Two tables in one segment, then one that ends before its symbols.
        segment(0xc4, [0x00, ...counts, ...symbols, 0x11, ...counts, ...symbols, 0x10, 5]),
        segment(0xfe, []),
        sof(0xc0, 8, 8, [[1, 1]]),
        SOS,
      ),
    );
    assert.equal(h.comments, 2);
    assert.deepEqual([...(h.iccData ?? [])], [10, 11, 12]);
    assert.deepEqual(
      h.huffmanTables.map((t) => [t.tableClass, t.id, t.symbols.length]),
      [
        [0, 0, 12],
        [1, 1, 12],
      ],
    );
    assert.equal(h.valid, true, "a DHT problem leaves validity to the frame and scan headers");
  });

  test("a redefined table replaces the earlier one", () => {
    const h = header(
      jpeg(
        SOI,
        dqt(0, 8, () => 5),
        dqt(1, 8, () => 6),
        dqt(0, 8, () => 7),
        SOS,
      ),
    );
    assert.deepEqual(
      h.quantTables.map((t) => [t.id, t.values[0]]),
      [
        [1, 6],
        [0, 7],
      ],
    );
  });

  test("structural problems: no frame, EOI before SOS, bad length, bad DQT", () => {
    const noFrame = header(
      jpeg(
        SOI,
        dqt(0, 8, () => 1),
        SOS,
      ),
    );
    assert.deepEqual([noFrame.valid, noFrame.truncated, noFrame.width], [false, false, 0]);
    assert.equal(noFrame.quantTables.length, 1);

    const tablesOnly = header(
      jpeg(
        SOI,
        dqt(0, 8, () => 1),
        [0xff, 0xd9],
      ),
    );
    assert.deepEqual([tablesOnly.valid, tablesOnly.truncated], [false, false]);

    const badLength = header(jpeg(SOI, sof(0xc0, 8, 8, [[1, 1]]), [0xff, 0xe0, 0, 1], SOS));
    assert.deepEqual([badLength.valid, badLength.truncated, badLength.width], [false, false, 8]);

    const badDqt = header(jpeg(SOI, segment(0xdb, [0x25, 1, 2]), sof(0xc0, 8, 8, [[1, 1]]), SOS));
    assert.deepEqual([badDqt.valid, badDqt.quantTables.length], [false, 0]);

    const shortSof = header(jpeg(SOI, segment(0xc0, [8, 0, 8, 0, 8, 3, 1, 0x11, 0]), SOS));
    assert.deepEqual([shortSof.valid, shortSof.components.length], [false, 0]);
  });
});

// --- Real encoders. ---

interface PillowJpeg {
  name: string;
  data: string;
  size: [number, number];
  mode: string;
  /** Pillow's own reading: table id -> 64 entries in natural order. */
  quantization: Record<string, number[]>;
  /** Pillow's own reading of SOF: [id, h, v, tq] per component. */
  layers: [number, number, number, number][];
  progressive: boolean;
}

/** Every case in one interpreter start; Pillow also reports how it reads each file back. */
const PILLOW_SCRIPT = `
import base64, io, json, random, sys
from PIL import Image
src = Image.open(sys.argv[1]).convert("RGB").crop((0, 0, 61, 45))
out = []
def add(name, im, **options):
    buf = io.BytesIO()
    im.save(buf, "JPEG", **options)
    data = buf.getvalue()
    back = Image.open(io.BytesIO(data))
    out.append({
        "name": name,
        "data": base64.b64encode(data).decode(),
        "size": back.size,
        "mode": back.mode,
        "quantization": {str(k): list(v) for k, v in back.quantization.items()},
        "layers": [list(layer) for layer in back.layer],
        "progressive": bool(back.info.get("progressive")),
    })
for subsampling in (0, 1, 2):
    for quality in range(30, 101):
        add(f"q{quality}-s{subsampling}", src, quality=quality, subsampling=subsampling)
add("default", src)
add("progressive", src, quality=80, progressive=True)
add("grey", src.convert("L"), quality=85)
add("flat16", src, qtables=[[16] * 64, [16] * 64])
rng = random.Random(7)
add("random", src, qtables=[[rng.randint(1, 255) for _ in range(64)] for _ in range(2)])
add("ones", src, qtables=[[1] * 64, [1] * 64])
add("web_high", src, quality="web_high")
add("low", src, quality="low")
exif = Image.Exif()
exif[0x010E] = "imgenc"
add("metadata", src, quality=75, exif=exif.tobytes(), icc_profile=b"\\0" * 200)
json.dump(out, sys.stdout)
`;

let pillowCache: Map<string, PillowJpeg> | undefined;

function pillowJpegs(): Map<string, PillowJpeg> {
  if (pillowCache === undefined) {
    const list = JSON.parse(runPython(PILLOW_SCRIPT, [PHOTO]).toString("utf8")) as PillowJpeg[];
    pillowCache = new Map(list.map((entry) => [entry.name, entry]));
  }
  return pillowCache;
}

function pillow(name: string): { bytes: Buffer; entry: PillowJpeg; h: JpegHeader } {
  const entry = pillowJpegs().get(name);
  assert.ok(entry, `no Pillow case ${name}`);
  const bytes = Buffer.from(entry.data, "base64");
  return { bytes, entry, h: header(bytes) };
}

/** Our reading of tables and components must match Pillow's reading of the same file. */
function assertAgreesWithPillow(h: JpegHeader, entry: PillowJpeg): void {
  assert.deepEqual([h.width, h.height], entry.size);
  assert.deepEqual(
    h.components.map((c) => [c.id, c.h, c.v, c.tq]),
    entry.layers,
  );
  assert.deepEqual(
    Object.fromEntries(h.quantTables.map((t) => [String(t.id), t.values])),
    entry.quantization,
  );
  assert.equal(h.progressive, entry.progressive);
}

const pillowOptions = { skip: skipUnlessPython(["PIL"]) };

describe("Pillow-written JPEGs", () => {
  test(
    "quality 30..100 at 4:4:4, 4:2:2, 4:2:0: exact quality, standard tables",
    pillowOptions,
    () => {
      const names = { 0: "4:4:4", 1: "4:2:2", 2: "4:2:0" } as const;
      for (const [option, subsampling] of Object.entries(names)) {
        for (let quality = 30; quality <= 100; quality++) {
          const { entry, h } = pillow(`q${quality}-s${option}`);
          const label = `quality ${quality}, ${subsampling}`;
          assertAgreesWithPillow(h, entry);
          assert.equal(h.subsampling, subsampling, label);
          assert.deepEqual([h.width, h.height, h.precision], [61, 45, 8], label);
          assert.deepEqual(
            [h.progressive, h.arithmetic, h.greyscale],
            [false, false, false],
            label,
          );
          assert.deepEqual(
            [h.valid, h.truncated, h.jfif, h.frameMarker],
            [true, false, true, 0xc0],
          );
          assert.equal(h.adobe, undefined);
          // The requirement is "within 2"; the estimate is in fact exact.
          assert.deepEqual(estimateQuality(h.quantTables), {
            quality,
            standard: true,
            meanError: 0,
          });
        }
      }
    },
  );

  test("no options: quality 75, 4:2:0", pillowOptions, () => {
    const { h } = pillow("default");
    assert.equal(h.subsampling, "4:2:0");
    assert.equal(estimateQuality(h.quantTables).quality, 75);
  });

  test("progressive", pillowOptions, () => {
    const { entry, h } = pillow("progressive");
    assertAgreesWithPillow(h, entry);
    assert.deepEqual([h.progressive, h.frameMarker, h.valid], [true, 0xc2, true]);
    assert.deepEqual(estimateQuality(h.quantTables), { quality: 80, standard: true, meanError: 0 });
  });

  test("greyscale: one component, luma table only", pillowOptions, () => {
    const { entry, h } = pillow("grey");
    assertAgreesWithPillow(h, entry);
    assert.equal(entry.mode, "L");
    assert.deepEqual([h.greyscale, h.subsampling, h.components.length], [true, undefined, 1]);
    assert.deepEqual(
      h.quantTables.map((t) => t.id),
      [0],
    );
    assert.deepEqual(estimateQuality(h.quantTables), { quality: 85, standard: true, meanError: 0 });
  });

  test("custom qtables are non-standard; all-ones tables read as 100", pillowOptions, () => {
    for (const name of ["flat16", "random"]) {
      const { entry, h } = pillow(name);
      assertAgreesWithPillow(h, entry);
      const estimate = estimateQuality(h.quantTables);
      assert.equal(estimate.quality, null, name);
      assert.equal(estimate.standard, false, name);
      assert.ok(estimate.meanError > 1, name);
    }
    assert.deepEqual(estimateQuality(pillow("ones").h.quantTables), {
      quality: 100,
      standard: true,
      meanError: 0,
    });
  });

  test("Pillow's Photoshop-style presets are not IJG tables", pillowOptions, () => {
    for (const name of ["web_high", "low"]) {
      const { entry, h } = pillow(name);
      assertAgreesWithPillow(h, entry);
      const estimate = estimateQuality(h.quantTables);
      assert.deepEqual([estimate.quality, estimate.standard], [null, false], name);
    }
  });

  test("Exif and ICC profile segments", pillowOptions, () => {
    const { h } = pillow("metadata");
    assert.deepEqual([h.jfif, h.exif, h.iccProfile, h.valid], [true, true, true, true]);
  });
});

describe("sharp-written JPEGs", () => {
  const source = () => sharp(PHOTO).resize(64, 48);

  test("default settings use the IJG tables: exact quality", async () => {
    for (const quality of [50, 75, 90]) {
      for (const options of [{}, { optimiseCoding: false }, { progressive: true }]) {
        const bytes = await source()
          .jpeg({ quality, ...options })
          .toBuffer();
        const h = header(bytes);
        assert.deepEqual([h.width, h.height, h.valid], [64, 48, true]);
        assert.equal(h.progressive, options.progressive === true);
        // libvips writes no JFIF segment and subsamples 4:2:0 even at quality 90.
        assert.deepEqual([h.jfif, h.subsampling], [false, "4:2:0"]);
        assert.deepEqual(estimateQuality(h.quantTables), { quality, standard: true, meanError: 0 });
      }
    }
    const full = header(await source().jpeg({ chromaSubsampling: "4:4:4" }).toBuffer());
    assert.equal(full.subsampling, "4:4:4");
    assert.deepEqual(estimateQuality(full.quantTables), {
      quality: 80,
      standard: true,
      meanError: 0,
    });
  });

  test("mozjpeg: true uses ImageMagick's tables: non-standard, no quality", async () => {
    for (const quality of [50, 75, 90]) {
      const h = header(await source().jpeg({ quality, mozjpeg: true }).toBuffer());
      assert.equal(h.progressive, true); // optimiseScans implies progressive
      const estimate = estimateQuality(h.quantTables);
      assert.deepEqual([estimate.quality, estimate.standard], [null, false], `quality ${quality}`);
      assert.ok(estimate.meanError > 5);
      // Its luma DC entry at quality 50 is 16 like Annex K, but the table rises more slowly.
      if (quality === 50) assert.deepEqual(h.quantTables[0]?.values.slice(0, 4), [16, 16, 16, 18]);
    }
    // At quality 100 every table degenerates to all ones, which is also IJG quality 100.
    const top = header(await source().jpeg({ quality: 100, mozjpeg: true }).toBuffer());
    assert.deepEqual(estimateQuality(top.quantTables), {
      quality: 100,
      standard: true,
      meanError: 0,
    });
  });

  test("CMYK: four components, Adobe segment with transform 0", async () => {
    const h = header(await source().toColourspace("cmyk").jpeg().toBuffer());
    assert.equal(h.components.length, 4);
    assert.deepEqual(
      h.components.map((c) => String.fromCharCode(c.id)),
      ["C", "M", "Y", "K"],
    );
    assert.deepEqual(h.adobe, { transform: 0 });
    assert.deepEqual([h.subsampling, h.greyscale, h.valid], ["4:4:4", false, true]);
    assert.deepEqual(estimateQuality(h.quantTables), { quality: 80, standard: true, meanError: 0 });
  });
});

// --- Robustness: any input yields data, never an exception. ---

function assertWellFormed(result: JpegHeader | undefined): void {
  if (result === undefined) return;
  for (const table of result.quantTables) {
    assert.equal(table.values.length, 64);
    assert.ok(table.values.every((v) => Number.isInteger(v) && v >= 0 && v <= 65535));
  }
  for (const key of ["width", "height", "precision", "restartInterval"] as const) {
    assert.ok(Number.isInteger(result[key]) && result[key] >= 0, key);
  }
  const estimate = estimateQuality(result.quantTables);
  assert.ok(estimate.quality === null || (estimate.quality >= 1 && estimate.quality <= 100));
}

/** Offset just past the first SOS header; sharp writes no fill bytes, so segments abut. */
function endOfScanHeader(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 <= bytes.length) {
    const length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
    if (bytes[at + 1] === 0xda) return at + 2 + length;
    at += 2 + length;
  }
  throw new Error("no SOS");
}

describe("robustness", () => {
  test("every prefix of a JPEG with Exif and ICC segments", async () => {
    const bytes = await sharp(PHOTO).resize(16, 12).withMetadata().jpeg().toBuffer();
    const full = header(bytes);
    assert.deepEqual([full.exif, full.iccProfile, full.valid], [true, true, true]);
    const headerEnd = endOfScanHeader(bytes);
    for (let length = 0; length <= bytes.length; length++) {
      // Every length through the header, then every 7th through the scan data.
      if (length > headerEnd + 16 && length % 7 !== 0 && length !== bytes.length) continue;
      const result = readJpegHeader(bytes.subarray(0, length));
      if (length < 2) {
        assert.equal(result, undefined);
        continue;
      }
      assert.ok(result);
      assertWellFormed(result);
      if (length < headerEnd) {
        assert.equal(result.truncated, true, `length ${length}`);
        assert.equal(result.valid, false, `length ${length}`);
        // Whatever tables were read completely are the file's tables.
        for (const table of result.quantTables) {
          assert.deepEqual(
            table,
            full.quantTables.find((t) => t.id === table.id),
          );
        }
      } else {
        assert.deepEqual(result, full, `length ${length}`);
      }
    }
  });

  test("random bytes, with and without an SOI", () => {
    const next = rng(1234);
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(Math.floor(next() * 600));
      for (let j = 0; j < bytes.length; j++) {
        // Plenty of 0xFF so marker paths are exercised, not just garbage skipping.
        bytes[j] = next() < 0.25 ? 0xff : Math.floor(next() * 256);
      }
      if (i % 2 === 0 && bytes.length >= 2) bytes.set([0xff, 0xd8]);
      const result = readJpegHeader(bytes);
      if (i % 2 === 0 && bytes.length >= 2) assert.ok(result);
      assertWellFormed(result);
    }
  });

  test("mutated real headers", async () => {
    const original = await sharp(PHOTO).resize(32, 24).withMetadata().jpeg().toBuffer();
    const span = Math.min(original.length, endOfScanHeader(original) + 8);
    const next = rng(99);
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from(original.subarray(0, span));
      const flips = 1 + Math.floor(next() * 4);
      for (let f = 0; f < flips; f++) {
        bytes[2 + Math.floor(next() * (span - 2))] = Math.floor(next() * 256);
      }
      const cut = next() < 0.3 ? Math.floor(next() * span) : span;
      assertWellFormed(readJpegHeader(bytes.subarray(0, cut)));
    }
  });
});
