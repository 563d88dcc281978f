/**
 * A small baseline JPEG writer for decoder tests: any sampling factors, component ids, Adobe and
 * JFIF segments and restart interval, which the encoders at hand (libjpeg through sharp, Pillow,
 * OpenCV) do not all offer. Float DCT, one quantisation table, fixed-length Huffman codes (every
 * DC category 4 bits, every AC symbol 8 bits): valid, if not small.
 */
export interface WriterOptions {
  width: number;
  height: number;
  /** Component id and sampling factors, as written in the SOF segment. */
  components: { id: number; h: number; v: number }[];
  /** The sample of component `c` at (x, y) in that component's own resolution. */
  sample: (c: number, x: number, y: number) => number;
  restartInterval?: number;
  jfif?: boolean;
  /** The Adobe APP14 transform byte; omitted means no Adobe segment. */
  adobeTransform?: number;
}

const QUANT = Array.from({ length: 64 }, (_, i) => 2 + (i % 5));
// Natural-order index of each zig-zag position.
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
const AC_SYMBOLS = [0x00, 0xf0];
for (let run = 0; run < 16; run++)
  for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);

class BitWriter {
  readonly bytes: number[] = [];
  #acc = 0;
  #n = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >> i) & 1);
      if (++this.#n === 8) {
        this.bytes.push(this.#acc);
        if (this.#acc === 0xff) this.bytes.push(0);
        this.#acc = 0;
        this.#n = 0;
      }
    }
  }
  flush(): void {
    while (this.#n !== 0) this.write(1, 1);
  }
}

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
}

function category(value: number): number {
  let size = 0;
  for (let a = Math.abs(value); a > 0; a >>= 1) size++;
  return size;
}

function writeValue(bits: BitWriter, value: number, size: number): void {
  if (size > 0) bits.write(value < 0 ? value + (1 << size) - 1 : value, size);
}

export function writeBaselineJpeg(options: WriterOptions): Uint8Array {
  const { width, height, components } = options;
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  const out: number[] = [0xff, 0xd8];
  if (options.jfif)
    out.push(...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  if (options.adobeTransform !== undefined) {
    out.push(
      ...segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, options.adobeTransform]),
    );
  }
  out.push(...segment(0xdb, [0, ...ZIGZAG.map((_, z) => QUANT[z] as number)]));
  out.push(
    ...segment(0xc0, [
      8,
      height >> 8,
      height & 0xff,
      width >> 8,
      width & 0xff,
      components.length,
      ...components.flatMap((c) => [c.id, (c.h << 4) | c.v, 0]),
    ]),
  );
  const dcCounts = [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const acCounts = [0, 0, 0, 0, 0, 0, 0, AC_SYMBOLS.length, 0, 0, 0, 0, 0, 0, 0, 0];
  out.push(...segment(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]));
  out.push(...segment(0xc4, [0x10, ...acCounts, ...AC_SYMBOLS]));
  const ri = options.restartInterval ?? 0;
  if (ri > 0) out.push(...segment(0xdd, [ri >> 8, ri & 0xff]));
  out.push(
    ...segment(0xda, [components.length, ...components.flatMap((c) => [c.id, 0]), 0, 63, 0]),
  );

  const single = components.length === 1;
  const mcusX = single ? Math.ceil(width / 8) : Math.ceil(width / (8 * hMax));
  const mcusY = single ? Math.ceil(height / 8) : Math.ceil(height / (8 * vMax));
  const bits = new BitWriter();
  const predictions = components.map(() => 0);
  const block = new Float64Array(64);
  let mcu = 0;
  let restarts = 0;
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      if (ri > 0 && mcu > 0 && mcu % ri === 0) {
        bits.flush();
        bits.bytes.push(0xff, 0xd0 + (restarts++ % 8));
        predictions.fill(0);
      }
      mcu++;
      components.forEach((c, ci) => {
        const h = single ? 1 : c.h;
        const v = single ? 1 : c.v;
        const cw = Math.ceil((width * c.h) / hMax);
        const ch = Math.ceil((height * c.v) / vMax);
        for (let j = 0; j < h * v; j++) {
          const bx = mx * h + (j % h);
          const by = my * v + Math.floor(j / h);
          for (let i = 0; i < 64; i++) {
            const x = Math.min(bx * 8 + (i % 8), cw - 1);
            const y = Math.min(by * 8 + Math.floor(i / 8), ch - 1);
            block[i] = options.sample(ci, x, y) - 128;
          }
          const coefficients = ZIGZAG.map((natural, z) => {
            const u = natural % 8;
            const v2 = Math.floor(natural / 8);
            let sum = 0;
            for (let i = 0; i < 64; i++) {
              sum +=
                (block[i] as number) *
                Math.cos(((2 * (i % 8) + 1) * u * Math.PI) / 16) *
                Math.cos(((2 * Math.floor(i / 8) + 1) * v2 * Math.PI) / 16);
            }
            const scale = (u === 0 ? Math.SQRT1_2 : 1) * (v2 === 0 ? Math.SQRT1_2 : 1) * 0.25;
            return Math.round((sum * scale) / (QUANT[z] as number));
          });
          const dc = coefficients[0] as number;
          const diff = dc - (predictions[ci] as number);
          predictions[ci] = dc;
          bits.write(category(diff), 4);
          writeValue(bits, diff, category(diff));
          let run = 0;
          for (let z = 1; z < 64; z++) {
            const value = coefficients[z] as number;
            if (value === 0) {
              run++;
              continue;
            }
            for (; run > 15; run -= 16) bits.write(AC_SYMBOLS.indexOf(0xf0), 8);
            const size = category(value);
            bits.write(AC_SYMBOLS.indexOf((run << 4) | size), 8);
            writeValue(bits, value, size);
            run = 0;
          }
          if (run > 0) bits.write(AC_SYMBOLS.indexOf(0x00), 8);
        }
      });
    }
  }
  bits.flush();
  out.push(...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}
