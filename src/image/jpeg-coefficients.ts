// Go's image/jpeg parser and entropy decoder, up to the quantised DCT coefficients: markers, the
// byte-stuffed bit reader, Huffman tables, baseline and progressive scans and Go's error texts,
// followed step by step from golang/go src/image/jpeg/reader.go, huffman.go and scan.go (Go 1.19
// as Debian ships it, and the current code, which differs only in resynchronising on a restart
// marker that does not follow at once: findRST, kept here). Go reads through a 4096-byte buffer;
// reading the whole input as one buffer gives the same bytes and the same unread steps.

/** A decode failure, with the text Go's image/jpeg returns for it. */
export class JpegError extends Error {}

const formatError = (text: string) => new JpegError(`invalid JPEG format: ${text}`);
const unsupportedError = (text: string) => new JpegError(`unsupported JPEG feature: ${text}`);
const unsupportedSubsampling = () => unsupportedError("luma/chroma subsampling ratio");

/** io.EOF and io.ErrUnexpectedEOF, and the two errors the Huffman decoder recovers from. */
const EOF = new JpegError("EOF");
const UNEXPECTED_EOF = new JpegError("unexpected EOF");
const MISSING_FF00 = formatError("missing 0xff00 sequence");
const SHORT_HUFFMAN = formatError("short Huffman data");

/** unzig[i] is the natural-order index of the i-th coefficient in zig-zag order. */
export const UNZIG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

interface JpegComponent {
  id: number;
  /** Sampling factors as Go keeps them (a grey image's are 1x1 whatever the file says). */
  h: number;
  v: number;
  /** Quantisation table selector. */
  tq: number;
}

export interface JpegFrame {
  width: number;
  height: number;
  progressive: boolean;
  components: JpegComponent[];
  /** MCUs across and down, from the first component's sampling factors (Go's mxx, myy). */
  mcusX: number;
  mcusY: number;
  /** The four quantisation tables in zig-zag order (64 each), as currently defined. */
  quant: Int32Array;
  jfif: boolean;
  /** The Adobe APP14 transform byte, or -1 without an Adobe segment. */
  adobeTransform: number;
}

/** Receives the coefficients; the decoder owns `coefficients` and reuses it after the call. */
export interface BlockSink {
  /** Called once, at the first scan (where Go allocates the image). */
  begin(frame: JpegFrame): void;
  /**
   * One block in natural order, not dequantised, at (bx, by) in its component's block grid.
   * Baseline blocks arrive as they are decoded; progressive ones after the last scan, only those
   * Go reconstructs (the ones that reach into the image), dequantised with the tables then.
   */
  block(component: number, bx: number, by: number, coefficients: Int32Array): void;
}

class Huffman {
  nCodes = 0;
  readonly lut = new Uint16Array(256);
  readonly vals = new Uint8Array(256);
  readonly minCodes = new Int32Array(16);
  readonly maxCodes = new Int32Array(16);
  readonly valsIndices = new Int32Array(16);
}

class Decoder {
  readonly data: Uint8Array;
  pos = 0;
  nUnreadable = 0;
  // The bit accumulator: n unread bits at the bottom of a, m == 1 << (n - 1) (0 when n == 0).
  a = 0;
  m = 0;
  n = 0;

  width = 0;
  height = 0;
  nComp = 0;
  ri = 0;
  baseline = false;
  progressive = false;
  jfif = false;
  adobeTransformValid = false;
  adobeTransform = 0;
  eobRun = 0;
  readonly comp: JpegComponent[] = [0, 1, 2, 3].map(() => ({ id: 0, h: 0, v: 0, tq: 0 }));
  readonly progCoeffs: (Int32Array | null)[] = [null, null, null, null];
  readonly huff: Huffman[] = Array.from({ length: 8 }, () => new Huffman());
  readonly quant = new Int32Array(4 * 64);
  readonly tmp = new Uint8Array(128);
  frame: JpegFrame | null = null;
  readonly block = new Int32Array(64);

  constructor(
    data: Uint8Array,
    readonly sink: BlockSink,
  ) {
    this.data = data;
  }

  unreadByteStuffedByte(): void {
    this.pos -= this.nUnreadable;
    this.nUnreadable = 0;
    if (this.n >= 8) {
      this.a >>>= 8;
      this.n -= 8;
      this.m >>>= 8;
    }
  }

  readByte(): number {
    if (this.pos >= this.data.length) throw EOF;
    this.nUnreadable = 0;
    return this.data[this.pos++] as number;
  }

  readByteStuffedByte(): number {
    const data = this.data;
    if (this.pos + 2 <= data.length) {
      const x = data[this.pos++] as number;
      this.nUnreadable = 1;
      if (x !== 0xff) return x;
      if (data[this.pos] !== 0x00) throw MISSING_FF00;
      this.pos++;
      this.nUnreadable = 2;
      return 0xff;
    }
    this.nUnreadable = 0;
    let x = this.readByte();
    this.nUnreadable = 1;
    if (x !== 0xff) return x;
    x = this.readByte();
    this.nUnreadable = 2;
    if (x !== 0x00) throw MISSING_FF00;
    return 0xff;
  }

  /** Gives back the bytes the bit reader overshot, before reading whole bytes. */
  unreadOvershoot(): void {
    if (this.nUnreadable !== 0) {
      if (this.n >= 8) this.unreadByteStuffedByte();
      this.nUnreadable = 0;
    }
  }

  readFull(into: Uint8Array, start: number, count: number): void {
    this.unreadOvershoot();
    if (this.pos + count > this.data.length) {
      this.pos = this.data.length;
      throw UNEXPECTED_EOF;
    }
    into.set(this.data.subarray(this.pos, this.pos + count), start);
    this.pos += count;
  }

  ignore(count: number): void {
    this.unreadOvershoot();
    if (this.pos + count > this.data.length) {
      this.pos = this.data.length;
      throw UNEXPECTED_EOF;
    }
    this.pos += count;
  }

  ensureNBits(n: number): void {
    for (;;) {
      let c: number;
      try {
        c = this.readByteStuffedByte();
      } catch (error) {
        throw error === EOF ? SHORT_HUFFMAN : error;
      }
      this.a = ((this.a << 8) | c) >>> 0;
      this.n += 8;
      this.m = this.m === 0 ? 1 << 7 : (this.m << 8) >>> 0;
      if (this.n >= n) return;
    }
  }

  receiveExtend(t: number): number {
    if (this.n < t) this.ensureNBits(t);
    this.n -= t;
    this.m >>>= t;
    const s = 1 << t;
    let x = (this.a >>> this.n) & (s - 1);
    if (x < s >> 1) x = (x + (-1 << t) + 1) | 0;
    return x;
  }

  decodeHuffman(h: Huffman): number {
    if (h.nCodes === 0) throw formatError("uninitialized Huffman table");
    let lookup = true;
    if (this.n < 8) {
      try {
        this.ensureNBits(8);
      } catch (error) {
        if (error !== MISSING_FF00 && error !== SHORT_HUFFMAN) throw error;
        // Out of data in this segment: the next code may still be in the bits already read.
        if (this.nUnreadable !== 0) this.unreadByteStuffedByte();
        lookup = false;
      }
    }
    if (lookup) {
      const v = h.lut[(this.a >>> (this.n - 8)) & 0xff] as number;
      if (v !== 0) {
        const n = (v & 0xff) - 1;
        this.n -= n;
        this.m >>>= n;
        return v >> 8;
      }
    }
    let code = 0;
    for (let i = 0; i < 16; i++) {
      if (this.n === 0) this.ensureNBits(1);
      if ((this.a & this.m) !== 0) code |= 1;
      this.n--;
      this.m >>>= 1;
      if (code <= (h.maxCodes[i] as number)) {
        const index = (h.valsIndices[i] as number) + code - (h.minCodes[i] as number);
        if (index < 0) throw new JpegError("runtime error: index out of range");
        return h.vals[index] as number;
      }
      code <<= 1;
    }
    throw formatError("bad Huffman code");
  }

  decodeBit(): boolean {
    if (this.n === 0) this.ensureNBits(1);
    const bit = (this.a & this.m) !== 0;
    this.n--;
    this.m >>>= 1;
    return bit;
  }

  decodeBits(n: number): number {
    if (this.n < n) this.ensureNBits(n);
    const bits = (this.a >>> (this.n - n)) & ((1 << n) - 1);
    this.n -= n;
    this.m >>>= n;
    return bits;
  }

  processDHT(length: number): void {
    let n = length;
    const tmp = this.tmp;
    while (n > 0) {
      if (n < 17) throw formatError("DHT has wrong length");
      this.readFull(tmp, 0, 17);
      const tc = (tmp[0] as number) >> 4;
      if (tc > 1) throw formatError("bad Tc value");
      const th = (tmp[0] as number) & 0x0f;
      if (th > 3 || (this.baseline && th > 1)) throw formatError("bad Th value");
      const h = this.huff[tc * 4 + th] as Huffman;
      h.nCodes = 0;
      const nCodes = tmp.slice(1, 17);
      for (const count of nCodes) h.nCodes += count;
      if (h.nCodes === 0) throw formatError("Huffman table has zero length");
      if (h.nCodes > 256) throw formatError("Huffman table has excessive length");
      n -= h.nCodes + 17;
      if (n < 0) throw formatError("DHT has wrong length");
      this.readFull(h.vals, 0, h.nCodes);

      h.lut.fill(0);
      let x = 0;
      let code = 0;
      for (let i = 0; i < 8; i++) {
        code <<= 1;
        for (let j = 0; j < (nCodes[i] as number); j++) {
          const base = (code << (7 - i)) & 0xff;
          const lutValue = ((h.vals[x] as number) << 8) | (2 + i);
          for (let k = 0; k < 1 << (7 - i); k++) h.lut[base | k] = lutValue;
          code++;
          x++;
        }
      }
      let c = 0;
      let index = 0;
      for (let i = 0; i < 16; i++) {
        const count = nCodes[i] as number;
        if (count === 0) {
          h.minCodes[i] = -1;
          h.maxCodes[i] = -1;
          h.valsIndices[i] = -1;
        } else {
          h.minCodes[i] = c;
          h.maxCodes[i] = c + count - 1;
          h.valsIndices[i] = index;
          c += count;
          index += count;
        }
        c <<= 1;
      }
    }
  }

  processSOF(n: number): void {
    if (this.nComp !== 0) throw formatError("multiple SOF markers");
    if (n === 6 + 3) this.nComp = 1;
    else if (n === 6 + 9) this.nComp = 3;
    else if (n === 6 + 12) this.nComp = 4;
    else throw unsupportedError("number of components");
    const tmp = this.tmp;
    this.readFull(tmp, 0, n);
    if (tmp[0] !== 8) throw unsupportedError("precision");
    this.height = ((tmp[1] as number) << 8) + (tmp[2] as number);
    this.width = ((tmp[3] as number) << 8) + (tmp[4] as number);
    if (tmp[5] !== this.nComp) throw formatError("SOF has wrong length");
    const comp = this.comp;
    for (let i = 0; i < this.nComp; i++) {
      const ci = comp[i] as JpegComponent;
      ci.id = tmp[6 + 3 * i] as number;
      for (let j = 0; j < i; j++) {
        if (ci.id === comp[j]?.id) throw formatError("repeated component identifier");
      }
      ci.tq = tmp[8 + 3 * i] as number;
      if (ci.tq > 3) throw formatError("bad Tq value");
      const hv = tmp[7 + 3 * i] as number;
      let h = hv >> 4;
      let v = hv & 0x0f;
      if (h < 1 || h > 4 || v < 1 || v > 4) throw formatError("luma/chroma subsampling ratio");
      if (h === 3 || v === 3) throw unsupportedSubsampling();
      const c0 = comp[0] as JpegComponent;
      if (this.nComp === 1) {
        h = 1;
        v = 1;
      } else if (this.nComp === 3) {
        if (i === 0 && v === 4) throw unsupportedSubsampling();
        if (i === 1 && (c0.h % h !== 0 || c0.v % v !== 0)) throw unsupportedSubsampling();
        if (i === 2 && (comp[1]?.h !== h || comp[1]?.v !== v)) throw unsupportedSubsampling();
      } else {
        if (i === 0 && hv !== 0x11 && hv !== 0x22) throw unsupportedSubsampling();
        if ((i === 1 || i === 2) && hv !== 0x11) throw unsupportedSubsampling();
        if (i === 3 && (c0.h !== h || c0.v !== v)) throw unsupportedSubsampling();
      }
      ci.h = h;
      ci.v = v;
    }
  }

  processDQT(length: number): void {
    let n = length;
    const tmp = this.tmp;
    while (n > 0) {
      n--;
      const x = this.readByte();
      const tq = x & 0x0f;
      if (tq > 3) throw formatError("bad Tq value");
      const pq = x >> 4;
      if (pq === 0) {
        if (n < 64) break;
        n -= 64;
        this.readFull(tmp, 0, 64);
        for (let i = 0; i < 64; i++) this.quant[tq * 64 + i] = tmp[i] as number;
      } else if (pq === 1) {
        if (n < 128) break;
        n -= 128;
        this.readFull(tmp, 0, 128);
        for (let i = 0; i < 64; i++) {
          this.quant[tq * 64 + i] = ((tmp[2 * i] as number) << 8) | (tmp[2 * i + 1] as number);
        }
      } else {
        throw formatError("bad Pq value");
      }
    }
    if (n !== 0) throw formatError("DQT has wrong length");
  }

  processDRI(n: number): void {
    if (n !== 2) throw formatError("DRI has wrong length");
    this.readFull(this.tmp, 0, 2);
    this.ri = ((this.tmp[0] as number) << 8) + (this.tmp[1] as number);
  }

  processApp0(n: number): void {
    if (n < 5) {
      this.ignore(n);
      return;
    }
    this.readFull(this.tmp, 0, 5);
    const t = this.tmp;
    this.jfif = t[0] === 0x4a && t[1] === 0x46 && t[2] === 0x49 && t[3] === 0x46 && t[4] === 0;
    if (n > 5) this.ignore(n - 5);
  }

  processApp14(n: number): void {
    if (n < 12) {
      this.ignore(n);
      return;
    }
    this.readFull(this.tmp, 0, 12);
    const t = this.tmp;
    if (t[0] === 0x41 && t[1] === 0x64 && t[2] === 0x6f && t[3] === 0x62 && t[4] === 0x65) {
      this.adobeTransformValid = true;
      this.adobeTransform = t[11] as number;
    }
    if (n > 12) this.ignore(n - 12);
  }

  makeFrame(mxx: number, myy: number): JpegFrame {
    const frame: JpegFrame = {
      width: this.width,
      height: this.height,
      progressive: this.progressive,
      components: this.comp.slice(0, this.nComp).map((c) => ({ ...c })),
      mcusX: mxx,
      mcusY: myy,
      quant: this.quant,
      jfif: this.jfif,
      adobeTransform: this.adobeTransformValid ? this.adobeTransform : -1,
    };
    this.sink.begin(frame);
    return frame;
  }

  processSOS(n: number): void {
    if (this.nComp === 0) throw formatError("missing SOF marker");
    if (n < 6 || 4 + 2 * this.nComp < n || n % 2 !== 0) throw formatError("SOS has wrong length");
    const tmp = this.tmp;
    this.readFull(tmp, 0, n);
    const nComp = tmp[0] as number;
    if (n !== 4 + 2 * nComp) {
      throw formatError("SOS length inconsistent with number of components");
    }
    const compIndices: number[] = [];
    const td: number[] = [];
    const ta: number[] = [];
    let totalHV = 0;
    for (let i = 0; i < nComp; i++) {
      const cs = tmp[1 + 2 * i] as number;
      let compIndex = -1;
      for (let j = 0; j < this.nComp; j++) if (this.comp[j]?.id === cs) compIndex = j;
      if (compIndex < 0) throw formatError("unknown component selector");
      if (compIndices.includes(compIndex)) throw formatError("repeated component selector");
      compIndices.push(compIndex);
      const c = this.comp[compIndex] as JpegComponent;
      totalHV += c.h * c.v;
      const tables = tmp[2 + 2 * i] as number;
      td.push(tables >> 4);
      if (tables >> 4 > 3 || (this.baseline && tables >> 4 > 1)) throw formatError("bad Td value");
      ta.push(tables & 0x0f);
      if ((tables & 0x0f) > 3 || (this.baseline && (tables & 0x0f) > 1)) {
        throw formatError("bad Ta value");
      }
    }
    if (this.nComp > 1 && totalHV > 10) throw formatError("total sampling factors too large");

    let zigStart = 0;
    let zigEnd = 63;
    let ah = 0;
    let al = 0;
    if (this.progressive) {
      zigStart = tmp[1 + 2 * nComp] as number;
      zigEnd = tmp[2 + 2 * nComp] as number;
      ah = (tmp[3 + 2 * nComp] as number) >> 4;
      al = (tmp[3 + 2 * nComp] as number) & 0x0f;
      if ((zigStart === 0 && zigEnd !== 0) || zigStart > zigEnd || zigEnd >= 64) {
        throw formatError("bad spectral selection bounds");
      }
      if (zigStart !== 0 && nComp !== 1) {
        throw formatError("progressive AC coefficients for more than one component");
      }
      if (ah !== 0 && ah !== al + 1) throw formatError("bad successive approximation values");
    }

    const c0 = this.comp[0] as JpegComponent;
    const mxx = Math.trunc((this.width + 8 * c0.h - 1) / (8 * c0.h));
    const myy = Math.trunc((this.height + 8 * c0.v - 1) / (8 * c0.v));
    if (this.frame === null) this.frame = this.makeFrame(mxx, myy);
    if (this.progressive) {
      for (const ci of compIndices) {
        const c = this.comp[ci] as JpegComponent;
        this.progCoeffs[ci] ??= new Int32Array(mxx * myy * c.h * c.v * 64);
      }
    }

    this.a = 0;
    this.m = 0;
    this.n = 0;
    let mcu = 0;
    let expectedRST = 0xd0;
    const dc = new Int32Array(4);
    const b = this.block;
    let blockCount = 0;
    const delta = 1 << al;
    for (let my = 0; my < myy; my++) {
      for (let mx = 0; mx < mxx; mx++) {
        for (let i = 0; i < nComp; i++) {
          const compIndex = compIndices[i] as number;
          const comp = this.comp[compIndex] as JpegComponent;
          const hi = comp.h;
          const vi = comp.v;
          const dcTable = this.huff[td[i] as number] as Huffman;
          const acTable = this.huff[4 + (ta[i] as number)] as Huffman;
          for (let j = 0; j < hi * vi; j++) {
            let bx: number;
            let by: number;
            if (nComp !== 1) {
              bx = hi * mx + (j % hi);
              by = vi * my + Math.trunc(j / hi);
            } else {
              const q = mxx * hi;
              bx = blockCount % q;
              by = Math.trunc(blockCount / q);
              blockCount++;
              if (bx * 8 >= this.width || by * 8 >= this.height) continue;
            }
            const stored = this.progressive ? (this.progCoeffs[compIndex] as Int32Array) : null;
            const at = (by * mxx * hi + bx) * 64;
            if (stored !== null) for (let k = 0; k < 64; k++) b[k] = stored[at + k] as number;
            else b.fill(0);

            if (ah !== 0) {
              this.refine(b, acTable, zigStart, zigEnd, delta);
            } else {
              let zig = zigStart;
              if (zig === 0) {
                zig++;
                const value = this.decodeHuffman(dcTable);
                if (value > 16) throw unsupportedError("excessive DC component");
                const dcDelta = this.receiveExtend(value);
                dc[compIndex] = ((dc[compIndex] as number) + dcDelta) | 0;
                b[0] = (dc[compIndex] as number) << al;
              }
              if (zig <= zigEnd && this.eobRun > 0) {
                this.eobRun--;
              } else {
                for (; zig <= zigEnd; zig++) {
                  const value = this.decodeHuffman(acTable);
                  const val0 = value >> 4;
                  const val1 = value & 0x0f;
                  if (val1 !== 0) {
                    zig += val0;
                    if (zig > zigEnd) break;
                    b[UNZIG[zig] as number] = this.receiveExtend(val1) << al;
                  } else {
                    if (val0 !== 0x0f) {
                      this.eobRun = 1 << val0;
                      if (val0 !== 0) this.eobRun = (this.eobRun | this.decodeBits(val0)) & 0xffff;
                      this.eobRun--;
                      break;
                    }
                    zig += 0x0f;
                  }
                }
              }
            }
            if (stored !== null) stored.set(b, at);
            else this.sink.block(compIndex, bx, by, b);
          }
        }
        mcu++;
        if (this.ri > 0 && mcu % this.ri === 0 && mcu < mxx * myy) {
          this.readFull(tmp, 0, 2);
          if (tmp[0] !== 0xff || tmp[1] !== expectedRST) this.findRST(expectedRST);
          expectedRST++;
          if (expectedRST === 0xd8) expectedRST = 0xd0;
          this.a = 0;
          this.m = 0;
          this.n = 0;
          dc.fill(0);
          this.eobRun = 0;
        }
      }
    }
  }

  refine(b: Int32Array, h: Huffman, zigStart: number, zigEnd: number, delta: number): void {
    if (zigStart === 0) {
      if (this.decodeBit()) b[0] = (b[0] as number) | delta;
      return;
    }
    let zig = zigStart;
    if (this.eobRun === 0) {
      for (; zig <= zigEnd; zig++) {
        let z = 0;
        const value = this.decodeHuffman(h);
        const val0 = value >> 4;
        const val1 = value & 0x0f;
        if (val1 === 0) {
          if (val0 !== 0x0f) {
            this.eobRun = 1 << val0;
            if (val0 !== 0) this.eobRun = (this.eobRun | this.decodeBits(val0)) & 0xffff;
            break;
          }
        } else if (val1 === 1) {
          z = this.decodeBit() ? delta : -delta;
        } else {
          throw formatError("unexpected Huffman code");
        }
        zig = this.refineNonZeroes(b, zig, zigEnd, val0, delta);
        if (zig > zigEnd) throw formatError("too many coefficients");
        if (z !== 0) b[UNZIG[zig] as number] = z;
      }
    }
    if (this.eobRun > 0) {
      this.eobRun--;
      this.refineNonZeroes(b, zig, zigEnd, -1, delta);
    }
  }

  refineNonZeroes(b: Int32Array, start: number, zigEnd: number, skip: number, delta: number) {
    let nz = skip;
    let zig = start;
    for (; zig <= zigEnd; zig++) {
      const u = UNZIG[zig] as number;
      const value = b[u] as number;
      if (value === 0) {
        if (nz === 0) break;
        nz--;
        continue;
      }
      if (!this.decodeBit()) continue;
      b[u] = value >= 0 ? (value + delta) | 0 : (value - delta) | 0;
    }
    return zig;
  }

  /** Skips to the expected RST marker; anything but 0x00 or 0xff after a 0xff is an error. */
  findRST(expectedRST: number): void {
    const tmp = this.tmp;
    for (;;) {
      let i = 0;
      if (tmp[0] === 0xff) {
        if (tmp[1] === expectedRST) return;
        if (tmp[1] === 0xff) i = 1;
        else if (tmp[1] !== 0x00) throw formatError("bad RST marker");
      } else if (tmp[1] === 0xff) {
        tmp[0] = 0xff;
        i = 1;
      }
      this.readFull(tmp, i, 2 - i);
    }
  }

  /** Go's reconstructProgressiveImage: the blocks that reach into the image, per component. */
  emitProgressive(): void {
    const c0 = this.comp[0] as JpegComponent;
    const mxx = Math.trunc((this.width + 8 * c0.h - 1) / (8 * c0.h));
    for (let i = 0; i < this.nComp; i++) {
      const coeffs = this.progCoeffs[i];
      if (coeffs === null || coeffs === undefined) continue;
      const comp = this.comp[i] as JpegComponent;
      const v = Math.trunc((8 * c0.v) / comp.v);
      const h = Math.trunc((8 * c0.h) / comp.h);
      const stride = mxx * comp.h;
      for (let by = 0; by * v < this.height; by++) {
        for (let bx = 0; bx * h < this.width; bx++) {
          const at = (by * stride + bx) * 64;
          for (let k = 0; k < 64; k++) this.block[k] = coeffs[at + k] as number;
          this.sink.block(i, bx, by, this.block);
        }
      }
    }
  }

  decode(): JpegFrame {
    const tmp = this.tmp;
    this.readFull(tmp, 0, 2);
    if (tmp[0] !== 0xff || tmp[1] !== 0xd8) throw formatError("missing SOI marker");
    for (;;) {
      this.readFull(tmp, 0, 2);
      while (tmp[0] !== 0xff) {
        tmp[0] = tmp[1] as number;
        tmp[1] = this.readByte();
      }
      let marker = tmp[1] as number;
      if (marker === 0) continue;
      while (marker === 0xff) marker = this.readByte();
      if (marker === 0xd9) break;
      if (marker >= 0xd0 && marker <= 0xd7) continue;
      this.readFull(tmp, 0, 2);
      const n = ((tmp[0] as number) << 8) + (tmp[1] as number) - 2;
      if (n < 0) throw formatError("short segment length");
      if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
        this.baseline = marker === 0xc0;
        this.progressive = marker === 0xc2;
        this.processSOF(n);
      } else if (marker === 0xc4) this.processDHT(n);
      else if (marker === 0xdb) this.processDQT(n);
      else if (marker === 0xda) this.processSOS(n);
      else if (marker === 0xdd) this.processDRI(n);
      else if (marker === 0xe0) this.processApp0(n);
      else if (marker === 0xee) this.processApp14(n);
      else if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) this.ignore(n);
      else if (marker < 0xc0) throw formatError("unknown marker");
      else throw unsupportedError("unknown marker");
    }
    if (this.progressive) this.emitProgressive();
    if (this.frame === null) throw formatError("missing SOS marker");
    // Go reads these when it converts the image, after the last segment.
    this.frame.jfif = this.jfif;
    this.frame.adobeTransform = this.adobeTransformValid ? this.adobeTransform : -1;
    return this.frame;
  }
}

/**
 * Parses a JPEG as Go's image/jpeg does and hands every block's coefficients to `sink`. Returns
 * the frame; throws a JpegError with Go's text where Go's Decode fails.
 */
export function decodeJpegCoefficients(bytes: Uint8Array, sink: BlockSink): JpegFrame {
  return new Decoder(bytes, sink).decode();
}
