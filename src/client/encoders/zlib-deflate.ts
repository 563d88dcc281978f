/**
 * zlib 1.2.13's deflate (madler/zlib deflate.c and trees.c, levels 4-9: deflate_slow), written
 * in TypeScript so that its output is byte-identical to the system zlib that Debian's Pillow and
 * Python link. Node's own zlib is Chromium's fork, whose SIMD string hashing finds other matches:
 * its streams are valid but differ from vanilla zlib's on nearly every image.
 *
 * The stream is fed like zlib's deflate(Z_NO_FLUSH) calls (`write`) and ended like
 * deflate(Z_FINISH) (`finish`). How the input is split matters at the very end of the stream
 * (the bytes longest_match reads past the data are left over from earlier window contents), so
 * a caller reproducing a program feeds it the chunks that program fed zlib.
 */

export interface DeflateOptions {
  /** 4-9 (deflate_slow); zlib's default, -1, is 6. */
  level?: number;
  /** 1-9; zlib's default is 8. */
  memLevel?: number;
  /** Z_DEFAULT_STRATEGY (0) or Z_FILTERED (1). */
  strategy?: 0 | 1;
}

const Z_DEFAULT_STRATEGY = 0;
export const Z_FILTERED = 1;

const W_BITS = 15;
const W_SIZE = 1 << W_BITS;
const W_MASK = W_SIZE - 1;
const WINDOW_SIZE = 2 * W_SIZE;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST = W_SIZE - MIN_LOOKAHEAD;
const TOO_FAR = 4096;

const LENGTH_CODES = 29;
const LITERALS = 256;
const L_CODES = LITERALS + 1 + LENGTH_CODES;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const END_BLOCK = 256;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

/** deflate.c configuration_table: good_length, max_lazy, nice_length, max_chain. */
const CONFIG: Record<number, [number, number, number, number]> = {
  4: [4, 4, 16, 16],
  5: [8, 16, 32, 32],
  6: [8, 16, 128, 128],
  7: [8, 32, 128, 256],
  8: [32, 128, 258, 1024],
  9: [32, 258, 258, 4096],
};

const EXTRA_LBITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const EXTRA_DBITS = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const EXTRA_BLBITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function reverseBits(code: number, length: number): number {
  let res = 0;
  for (let i = 0; i < length; i++) {
    res = (res << 1) | (code & 1);
    code >>>= 1;
  }
  return res;
}

/** A Huffman tree as trees.c's ct_data arrays: Freq and Code share a slot, so do Dad and Len. */
interface Tree {
  freq: Uint32Array;
  len: Uint16Array;
}

function newTree(size: number): Tree {
  return { freq: new Uint32Array(size), len: new Uint16Array(size) };
}

/** trees.c tr_static_init: the length and distance code tables and the static trees. */
const LENGTH_CODE = new Uint8Array(256);
const BASE_LENGTH = new Int32Array(LENGTH_CODES);
const DIST_CODE = new Uint8Array(512);
const BASE_DIST = new Int32Array(D_CODES);
const STATIC_LTREE = newTree(L_CODES + 2);
const STATIC_DTREE = newTree(D_CODES);
{
  let length = 0;
  let code = 0;
  for (code = 0; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << (EXTRA_LBITS[code] as number); n++) LENGTH_CODE[length++] = code;
  }
  LENGTH_CODE[length - 1] = code;
  let dist = 0;
  for (code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << (EXTRA_DBITS[code] as number); n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7;
  for (; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << ((EXTRA_DBITS[code] as number) - 7); n++)
      DIST_CODE[256 + dist++] = code;
  }
  // The fixed literal/length code of RFC 1951 3.2.6.
  const blCount = new Uint16Array(MAX_BITS + 1);
  for (let n = 0; n <= 287; n++) {
    const len = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8;
    STATIC_LTREE.len[n] = len;
    blCount[len] = (blCount[len] as number) + 1;
  }
  genCodes(STATIC_LTREE, L_CODES + 1, blCount);
  for (let n = 0; n < D_CODES; n++) {
    STATIC_DTREE.len[n] = 5;
    STATIC_DTREE.freq[n] = reverseBits(n, 5);
  }
}

function dCode(dist: number): number {
  return dist < 256 ? (DIST_CODE[dist] as number) : (DIST_CODE[256 + (dist >>> 7)] as number);
}

/** trees.c gen_codes: codes are stored bit-reversed in the freq slot, as zlib stores them. */
function genCodes(tree: Tree, maxCode: number, blCount: Uint16Array): void {
  const nextCode = new Uint16Array(MAX_BITS + 1);
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = (code + (blCount[bits - 1] as number)) << 1;
    nextCode[bits] = code;
  }
  for (let n = 0; n <= maxCode; n++) {
    const len = tree.len[n] as number;
    if (len === 0) continue;
    tree.freq[n] = reverseBits((nextCode[len] as number)++, len);
  }
}

interface TreeDesc {
  tree: Tree;
  maxCode: number;
  staticTree: Tree | undefined;
  extraBits: readonly number[];
  extraBase: number;
  elems: number;
  maxLength: number;
}

/** zlib's running Adler-32 of `data`, continuing from `adler` (1 for a new stream). */
export function adler32(data: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = 0;
  while (i < data.length) {
    const end = Math.min(i + 3800, data.length);
    for (; i < end; i++) {
      a += data[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** longest_match's tuning from the configuration table. */
interface MatchParams {
  goodMatch: number;
  niceMatch: number;
  maxChain: number;
}

/**
 * deflate.c longest_match: the longest match for the string at `scan` along its hash chain,
 * at most `lookahead` long; `found.start` is left alone when nothing beats `prevLength`.
 */
function longestMatch(
  window: Uint8Array,
  prev: Uint16Array,
  scan: number,
  curMatchIn: number,
  prevLength: number,
  lookahead: number,
  { goodMatch, niceMatch: nice, maxChain }: MatchParams,
  found: { start: number },
): number {
  let curMatch = curMatchIn;
  let chainLength = prevLength >= goodMatch ? maxChain >>> 2 : maxChain;
  let bestLen = prevLength;
  const niceMatch = Math.min(nice, lookahead);
  const limit = scan > MAX_DIST ? scan - MAX_DIST : 0;
  const strend = scan + MAX_MATCH;
  const scan0 = window[scan] as number;
  const scan1 = window[scan + 1] as number;
  let scanEnd1 = window[scan + bestLen - 1] as number;
  let scanEnd = window[scan + bestLen] as number;
  for (;;) {
    const match = curMatch;
    if (
      window[match + bestLen] === scanEnd &&
      window[match + bestLen - 1] === scanEnd1 &&
      window[match] === scan0 &&
      window[match + 1] === scan1
    ) {
      // The third byte is equal whenever the hash and the first two are; zlib skips it too.
      let s = scan + 3;
      let m = match + 3;
      while (s < strend && window[s] === window[m]) {
        s++;
        m++;
      }
      const len = s - scan;
      if (len > bestLen) {
        found.start = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = window[scan + bestLen - 1] as number;
        scanEnd = window[scan + bestLen] as number;
      }
    }
    curMatch = prev[curMatch & W_MASK] as number;
    if (curMatch <= limit || --chainLength === 0) break;
  }
  return Math.min(bestLen, lookahead);
}

/** A growable byte sink with zlib's LSB-first bit buffer. */
class BitWriter {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  #bitBuf = 0;
  #bitCount = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
  }

  bits(value: number, count: number): void {
    this.#bitBuf |= value << this.#bitCount;
    this.#bitCount += count;
    while (this.#bitCount >= 8) {
      this.byte(this.#bitBuf & 0xff);
      this.#bitBuf >>>= 8;
      this.#bitCount -= 8;
    }
  }

  /** bi_windup: pad the last byte with zero bits. */
  align(): void {
    if (this.#bitCount > 0) this.byte(this.#bitBuf & 0xff);
    this.#bitBuf = 0;
    this.#bitCount = 0;
  }

  bytesFrom(source: Uint8Array, start: number, count: number): void {
    for (let i = 0; i < count; i++) this.byte(source[start + i] as number);
  }
}

/** One zlib stream (windowBits 15, zlib header and Adler-32 trailer). */
export class ZlibDeflate {
  readonly #strategy: number;
  readonly #maxLazy: number;
  readonly #matchParams: MatchParams;
  readonly #found = { start: 0 };
  readonly #hashBits: number;
  readonly #hashMask: number;
  readonly #hashShift: number;
  readonly #litBufsize: number;

  readonly #window = new Uint8Array(WINDOW_SIZE);
  readonly #prev = new Uint16Array(W_SIZE);
  readonly #head: Uint16Array;
  readonly #symBuf: Uint8Array;
  readonly #symEnd: number;
  #symNext = 0;

  #insH = 0;
  #strstart = 0;
  #blockStart = 0;
  #lookahead = 0;
  #insert = 0;
  #matchLength = MIN_MATCH - 1;
  #matchStart = 0;
  #prevLength = MIN_MATCH - 1;
  #prevMatch = 0;
  #matchAvailable = false;

  #input: Uint8Array = new Uint8Array(0);
  #inputAt = 0;
  #adler = 1;
  #finished = false;

  readonly #out = new BitWriter();

  readonly #ltree = newTree(HEAP_SIZE);
  readonly #dtree = newTree(2 * D_CODES + 1);
  readonly #bltree = newTree(2 * BL_CODES + 1);
  readonly #lDesc: TreeDesc;
  readonly #dDesc: TreeDesc;
  readonly #blDesc: TreeDesc;
  readonly #blCount = new Uint16Array(MAX_BITS + 1);
  readonly #heap = new Int32Array(2 * L_CODES + 1);
  #heapLen = 0;
  #heapMax = 0;
  readonly #depth = new Uint8Array(2 * L_CODES + 1);
  #optLen = 0;
  #staticLen = 0;

  constructor({ level = 6, memLevel = 8, strategy = Z_DEFAULT_STRATEGY }: DeflateOptions = {}) {
    if (level === -1) level = 6;
    const config = CONFIG[level];
    if (config === undefined) throw new RangeError(`deflate level ${level} is not supported (4-9)`);
    if (!Number.isInteger(memLevel) || memLevel < 1 || memLevel > 9) {
      throw new RangeError(`memLevel must be 1-9, got ${memLevel}`);
    }
    this.#strategy = strategy;
    const [goodMatch, maxLazy, niceMatch, maxChain] = config;
    this.#maxLazy = maxLazy;
    this.#matchParams = { goodMatch, niceMatch, maxChain };
    this.#hashBits = memLevel + 7;
    this.#hashMask = (1 << this.#hashBits) - 1;
    this.#hashShift = Math.floor((this.#hashBits + MIN_MATCH - 1) / MIN_MATCH);
    this.#head = new Uint16Array(1 << this.#hashBits);
    this.#litBufsize = 1 << (memLevel + 6);
    this.#symBuf = new Uint8Array(this.#litBufsize * 3);
    this.#symEnd = (this.#litBufsize - 1) * 3;
    this.#lDesc = {
      tree: this.#ltree,
      maxCode: 0,
      staticTree: STATIC_LTREE,
      extraBits: EXTRA_LBITS,
      extraBase: LITERALS + 1,
      elems: L_CODES,
      maxLength: MAX_BITS,
    };
    this.#dDesc = {
      tree: this.#dtree,
      maxCode: 0,
      staticTree: STATIC_DTREE,
      extraBits: EXTRA_DBITS,
      extraBase: 0,
      elems: D_CODES,
      maxLength: MAX_BITS,
    };
    this.#blDesc = {
      tree: this.#bltree,
      maxCode: 0,
      staticTree: undefined,
      extraBits: EXTRA_BLBITS,
      extraBase: 0,
      elems: BL_CODES,
      maxLength: MAX_BL_BITS,
    };
    this.#initBlock();
    // The zlib header: deflate, 32K window, FLEVEL from the level and strategy, no dictionary.
    const levelFlags = strategy >= 2 || level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
    let header = ((8 + ((W_BITS - 8) << 4)) << 8) | (levelFlags << 6);
    header += 31 - (header % 31);
    this.#out.byte(header >>> 8);
    this.#out.byte(header & 0xff);
  }

  /** deflate(strm, Z_NO_FLUSH) with `chunk` as the next input. */
  write(chunk: Uint8Array): void {
    if (this.#finished) throw new Error("write after finish");
    this.#input = chunk;
    this.#inputAt = 0;
    this.#deflateSlow(false);
  }

  /** deflate(strm, Z_FINISH): the complete zlib stream. */
  finish(): Buffer {
    if (this.#finished) throw new Error("finish called twice");
    this.#input = new Uint8Array(0);
    this.#inputAt = 0;
    this.#deflateSlow(true);
    this.#finished = true;
    const out = this.#out;
    for (const shift of [24, 16, 8, 0]) out.byte((this.#adler >>> shift) & 0xff);
    return Buffer.from(out.bytes.buffer, 0, out.length);
  }

  #availIn(): number {
    return this.#input.length - this.#inputAt;
  }

  #readBuf(at: number, size: number): number {
    const n = Math.min(this.#availIn(), size);
    if (n === 0) return 0;
    const chunk = this.#input.subarray(this.#inputAt, this.#inputAt + n);
    this.#window.set(chunk, at);
    this.#adler = adler32(chunk, this.#adler);
    this.#inputAt += n;
    return n;
  }

  #updateHash(h: number, c: number): number {
    return ((h << this.#hashShift) ^ c) & this.#hashMask;
  }

  #slideHash(): void {
    for (const table of [this.#head, this.#prev]) {
      for (let i = 0; i < table.length; i++) {
        const m = table[i] as number;
        table[i] = m >= W_SIZE ? m - W_SIZE : 0;
      }
    }
  }

  #fillWindow(): void {
    const window = this.#window;
    do {
      let more = WINDOW_SIZE - this.#lookahead - this.#strstart;
      if (this.#strstart >= W_SIZE + MAX_DIST) {
        // Only the live part of the upper half moves down; what lies past it stays as it was.
        window.copyWithin(0, W_SIZE, W_SIZE + W_SIZE - more);
        this.#matchStart -= W_SIZE;
        this.#strstart -= W_SIZE;
        this.#blockStart -= W_SIZE;
        if (this.#insert > this.#strstart) this.#insert = this.#strstart;
        this.#slideHash();
        more += W_SIZE;
      }
      if (this.#availIn() === 0) break;
      this.#lookahead += this.#readBuf(this.#strstart + this.#lookahead, more);
      if (this.#lookahead + this.#insert >= MIN_MATCH) {
        let str = this.#strstart - this.#insert;
        this.#insH = window[str] as number;
        this.#insH = this.#updateHash(this.#insH, window[str + 1] as number);
        while (this.#insert) {
          this.#insH = this.#updateHash(this.#insH, window[str + MIN_MATCH - 1] as number);
          this.#prev[str & W_MASK] = this.#head[this.#insH] as number;
          this.#head[this.#insH] = str;
          str++;
          this.#insert--;
          if (this.#lookahead + this.#insert < MIN_MATCH) break;
        }
      }
    } while (this.#lookahead < MIN_LOOKAHEAD && this.#availIn() !== 0);
    // zlib zeroes never-written window bytes past the data (high_water); a typed array already is.
  }

  #deflateSlow(finish: boolean): void {
    // The hot loop keeps zlib's state in locals and hands it back around the rare calls
    // (fill_window, block flushes) that read or change it.
    const window = this.#window;
    const prev = this.#prev;
    const head = this.#head;
    const shift = this.#hashShift;
    const mask = this.#hashMask;
    const maxLazy = this.#maxLazy;
    const filtered = this.#strategy === Z_FILTERED;
    const params = this.#matchParams;
    const found = this.#found;
    let strstart = this.#strstart;
    let lookahead = this.#lookahead;
    let insH = this.#insH;
    let matchLength = this.#matchLength;
    let prevLength = this.#prevLength;
    let prevMatch = this.#prevMatch;
    let matchAvailable = this.#matchAvailable;
    found.start = this.#matchStart;
    for (;;) {
      if (lookahead < MIN_LOOKAHEAD) {
        this.#strstart = strstart;
        this.#lookahead = lookahead;
        this.#insH = insH;
        this.#matchStart = found.start;
        this.#fillWindow();
        strstart = this.#strstart;
        lookahead = this.#lookahead;
        insH = this.#insH;
        found.start = this.#matchStart;
        if (lookahead < MIN_LOOKAHEAD && !finish) {
          this.#matchLength = matchLength;
          this.#prevLength = prevLength;
          this.#prevMatch = prevMatch;
          this.#matchAvailable = matchAvailable;
          return;
        }
        if (lookahead === 0) break;
      }
      let hashHead = 0;
      if (lookahead >= MIN_MATCH) {
        insH = ((insH << shift) ^ (window[strstart + MIN_MATCH - 1] as number)) & mask;
        hashHead = head[insH] as number;
        prev[strstart & W_MASK] = hashHead;
        head[insH] = strstart;
      }
      prevLength = matchLength;
      prevMatch = found.start;
      matchLength = MIN_MATCH - 1;
      if (hashHead !== 0 && prevLength < maxLazy && strstart - hashHead <= MAX_DIST) {
        matchLength = longestMatch(
          window,
          prev,
          strstart,
          hashHead,
          prevLength,
          lookahead,
          params,
          found,
        );
        if (
          matchLength <= 5 &&
          (filtered || (matchLength === MIN_MATCH && strstart - found.start > TOO_FAR))
        ) {
          matchLength = MIN_MATCH - 1;
        }
      }
      if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
        const maxInsert = strstart + lookahead - MIN_MATCH;
        const flush = this.#tally(strstart - 1 - prevMatch, prevLength - MIN_MATCH);
        lookahead -= prevLength - 1;
        prevLength -= 2;
        do {
          if (++strstart <= maxInsert) {
            insH = ((insH << shift) ^ (window[strstart + MIN_MATCH - 1] as number)) & mask;
            prev[strstart & W_MASK] = head[insH] as number;
            head[insH] = strstart;
          }
        } while (--prevLength !== 0);
        matchAvailable = false;
        matchLength = MIN_MATCH - 1;
        strstart++;
        if (flush) {
          this.#strstart = strstart;
          this.#flushBlock(false);
        }
      } else if (matchAvailable) {
        if (this.#tally(0, window[strstart - 1] as number)) {
          this.#strstart = strstart;
          this.#flushBlock(false);
        }
        strstart++;
        lookahead--;
      } else {
        matchAvailable = true;
        strstart++;
        lookahead--;
      }
    }
    if (matchAvailable) this.#tally(0, window[strstart - 1] as number);
    this.#strstart = strstart;
    this.#matchAvailable = false;
    this.#flushBlock(true);
  }

  /** _tr_tally: true when the symbol buffer is full and the block must be flushed. */
  #tally(dist: number, lc: number): boolean {
    const sym = this.#symBuf;
    sym[this.#symNext++] = dist & 0xff;
    sym[this.#symNext++] = (dist >>> 8) & 0xff;
    sym[this.#symNext++] = lc;
    if (dist === 0) {
      this.#ltree.freq[lc] = (this.#ltree.freq[lc] as number) + 1;
    } else {
      dist--;
      const l = (LENGTH_CODE[lc] as number) + LITERALS + 1;
      this.#ltree.freq[l] = (this.#ltree.freq[l] as number) + 1;
      const d = dCode(dist);
      this.#dtree.freq[d] = (this.#dtree.freq[d] as number) + 1;
    }
    return this.#symNext === this.#symEnd;
  }

  #initBlock(): void {
    this.#ltree.freq.fill(0, 0, L_CODES);
    this.#dtree.freq.fill(0, 0, D_CODES);
    this.#bltree.freq.fill(0, 0, BL_CODES);
    this.#ltree.freq[END_BLOCK] = 1;
    this.#optLen = 0;
    this.#staticLen = 0;
    this.#symNext = 0;
  }

  /** FLUSH_BLOCK: the block from block_start to strstart. */
  #flushBlock(last: boolean): void {
    const storedLen = this.#strstart - this.#blockStart;
    this.#trFlushBlock(this.#blockStart >= 0 ? this.#blockStart : -1, storedLen, last);
    this.#blockStart = this.#strstart;
  }

  #trFlushBlock(buf: number, storedLen: number, last: boolean): void {
    this.#buildTree(this.#lDesc);
    this.#buildTree(this.#dDesc);
    const maxBlindex = this.#buildBlTree();
    let optLenb = Math.floor((this.#optLen + 3 + 7) / 8);
    const staticLenb = Math.floor((this.#staticLen + 3 + 7) / 8);
    if (staticLenb <= optLenb) optLenb = staticLenb;
    const out = this.#out;
    if (storedLen + 4 <= optLenb && buf !== -1) {
      out.bits(last ? 1 : 0, 3);
      out.align();
      out.byte(storedLen & 0xff);
      out.byte((storedLen >>> 8) & 0xff);
      out.byte(~storedLen & 0xff);
      out.byte((~storedLen >>> 8) & 0xff);
      out.bytesFrom(this.#window, buf, storedLen);
    } else if (staticLenb === optLenb) {
      out.bits((1 << 1) + (last ? 1 : 0), 3);
      this.#compressBlock(STATIC_LTREE, STATIC_DTREE);
    } else {
      out.bits((2 << 1) + (last ? 1 : 0), 3);
      this.#sendAllTrees(this.#lDesc.maxCode + 1, this.#dDesc.maxCode + 1, maxBlindex + 1);
      this.#compressBlock(this.#ltree, this.#dtree);
    }
    this.#initBlock();
    if (last) out.align();
  }

  #smaller(tree: Tree, n: number, m: number): boolean {
    const fn = tree.freq[n] as number;
    const fm = tree.freq[m] as number;
    return fn < fm || (fn === fm && (this.#depth[n] as number) <= (this.#depth[m] as number));
  }

  #pqdownheap(tree: Tree, kIn: number): void {
    const heap = this.#heap;
    let k = kIn;
    const v = heap[k] as number;
    let j = k << 1;
    while (j <= this.#heapLen) {
      if (j < this.#heapLen && this.#smaller(tree, heap[j + 1] as number, heap[j] as number)) j++;
      if (this.#smaller(tree, v, heap[j] as number)) break;
      heap[k] = heap[j] as number;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  #buildTree(desc: TreeDesc): void {
    const { tree, staticTree: stree, elems } = desc;
    const heap = this.#heap;
    const depth = this.#depth;
    let maxCode = -1;
    this.#heapLen = 0;
    this.#heapMax = HEAP_SIZE;
    for (let n = 0; n < elems; n++) {
      if (tree.freq[n] !== 0) {
        heap[++this.#heapLen] = maxCode = n;
        depth[n] = 0;
      } else {
        tree.len[n] = 0;
      }
    }
    // The pkzip format needs at least one distance code, and at least two codes of any kind.
    while (this.#heapLen < 2) {
      const node = maxCode < 2 ? ++maxCode : 0;
      heap[++this.#heapLen] = node;
      tree.freq[node] = 1;
      depth[node] = 0;
      this.#optLen--;
      if (stree) this.#staticLen -= stree.len[node] as number;
    }
    desc.maxCode = maxCode;
    for (let n = this.#heapLen >> 1; n >= 1; n--) this.#pqdownheap(tree, n);
    // Dad shares its slot with Len in zlib: it is kept in len until gen_bitlen replaces it.
    let node = elems;
    do {
      const n = heap[1] as number;
      heap[1] = heap[this.#heapLen--] as number;
      this.#pqdownheap(tree, 1);
      const m = heap[1] as number;
      heap[--this.#heapMax] = n;
      heap[--this.#heapMax] = m;
      tree.freq[node] = (tree.freq[n] as number) + (tree.freq[m] as number);
      depth[node] = Math.max(depth[n] as number, depth[m] as number) + 1;
      tree.len[n] = node;
      tree.len[m] = node;
      heap[1] = node++;
      this.#pqdownheap(tree, 1);
    } while (this.#heapLen >= 2);
    heap[--this.#heapMax] = heap[1] as number;
    this.#genBitlen(desc);
    genCodes(tree, maxCode, this.#blCount);
  }

  #genBitlen(desc: TreeDesc): void {
    const { tree, maxCode, staticTree: stree, extraBits, extraBase, maxLength } = desc;
    const heap = this.#heap;
    const blCount = this.#blCount;
    blCount.fill(0);
    tree.len[heap[this.#heapMax] as number] = 0;
    let overflow = 0;
    let h = this.#heapMax + 1;
    for (; h < HEAP_SIZE; h++) {
      const n = heap[h] as number;
      let bits = (tree.len[tree.len[n] as number] as number) + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      tree.len[n] = bits;
      if (n > maxCode) continue;
      blCount[bits] = (blCount[bits] as number) + 1;
      const xbits = n >= extraBase ? (extraBits[n - extraBase] as number) : 0;
      const f = tree.freq[n] as number;
      this.#optLen += f * (bits + xbits);
      if (stree) this.#staticLen += f * ((stree.len[n] as number) + xbits);
    }
    if (overflow === 0) return;
    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits] = (blCount[bits] as number) - 1;
      blCount[bits + 1] = (blCount[bits + 1] as number) + 2;
      blCount[maxLength] = (blCount[maxLength] as number) - 1;
      overflow -= 2;
    } while (overflow > 0);
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits] as number;
      while (n !== 0) {
        const m = heap[--h] as number;
        if (m > maxCode) continue;
        if (tree.len[m] !== bits) {
          this.#optLen += (bits - (tree.len[m] as number)) * (tree.freq[m] as number);
          tree.len[m] = bits;
        }
        n--;
      }
    }
  }

  #scanTree(tree: Tree, maxCode: number): void {
    const bl = this.#bltree.freq;
    let prevlen = -1;
    let nextlen = tree.len[0] as number;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextlen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    tree.len[maxCode + 1] = 0xffff;
    for (let n = 0; n <= maxCode; n++) {
      const curlen = nextlen;
      nextlen = tree.len[n + 1] as number;
      if (++count < maxCount && curlen === nextlen) continue;
      if (count < minCount) bl[curlen] = (bl[curlen] as number) + count;
      else if (curlen !== 0) {
        if (curlen !== prevlen) bl[curlen] = (bl[curlen] as number) + 1;
        bl[REP_3_6] = (bl[REP_3_6] as number) + 1;
      } else if (count <= 10) bl[REPZ_3_10] = (bl[REPZ_3_10] as number) + 1;
      else bl[REPZ_11_138] = (bl[REPZ_11_138] as number) + 1;
      count = 0;
      prevlen = curlen;
      if (nextlen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curlen === nextlen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  #buildBlTree(): number {
    this.#scanTree(this.#ltree, this.#lDesc.maxCode);
    this.#scanTree(this.#dtree, this.#dDesc.maxCode);
    this.#buildTree(this.#blDesc);
    let maxBlindex = BL_CODES - 1;
    for (; maxBlindex >= 3; maxBlindex--) {
      if (this.#bltree.len[BL_ORDER[maxBlindex] as number] !== 0) break;
    }
    this.#optLen += 3 * (maxBlindex + 1) + 5 + 5 + 4;
    return maxBlindex;
  }

  #sendCode(code: number, tree: Tree): void {
    this.#out.bits(tree.freq[code] as number, tree.len[code] as number);
  }

  #sendTree(tree: Tree, maxCode: number): void {
    const out = this.#out;
    const bl = this.#bltree;
    let prevlen = -1;
    let nextlen = tree.len[0] as number;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextlen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    for (let n = 0; n <= maxCode; n++) {
      const curlen = nextlen;
      nextlen = tree.len[n + 1] as number;
      if (++count < maxCount && curlen === nextlen) continue;
      if (count < minCount) {
        do this.#sendCode(curlen, bl);
        while (--count !== 0);
      } else if (curlen !== 0) {
        if (curlen !== prevlen) {
          this.#sendCode(curlen, bl);
          count--;
        }
        this.#sendCode(REP_3_6, bl);
        out.bits(count - 3, 2);
      } else if (count <= 10) {
        this.#sendCode(REPZ_3_10, bl);
        out.bits(count - 3, 3);
      } else {
        this.#sendCode(REPZ_11_138, bl);
        out.bits(count - 11, 7);
      }
      count = 0;
      prevlen = curlen;
      if (nextlen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curlen === nextlen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  #sendAllTrees(lcodes: number, dcodes: number, blcodes: number): void {
    const out = this.#out;
    out.bits(lcodes - 257, 5);
    out.bits(dcodes - 1, 5);
    out.bits(blcodes - 4, 4);
    for (let rank = 0; rank < blcodes; rank++) {
      out.bits(this.#bltree.len[BL_ORDER[rank] as number] as number, 3);
    }
    this.#sendTree(this.#ltree, lcodes - 1);
    this.#sendTree(this.#dtree, dcodes - 1);
  }

  #compressBlock(ltree: Tree, dtree: Tree): void {
    const out = this.#out;
    const sym = this.#symBuf;
    for (let sx = 0; sx < this.#symNext; ) {
      let dist = (sym[sx++] as number) | ((sym[sx++] as number) << 8);
      let lc = sym[sx++] as number;
      if (dist === 0) {
        this.#sendCode(lc, ltree);
        continue;
      }
      let code = LENGTH_CODE[lc] as number;
      this.#sendCode(code + LITERALS + 1, ltree);
      let extra = EXTRA_LBITS[code] as number;
      if (extra !== 0) {
        lc -= BASE_LENGTH[code] as number;
        out.bits(lc, extra);
      }
      dist--;
      code = dCode(dist);
      this.#sendCode(code, dtree);
      extra = EXTRA_DBITS[code] as number;
      if (extra !== 0) {
        dist -= BASE_DIST[code] as number;
        out.bits(dist, extra);
      }
    }
    this.#sendCode(END_BLOCK, ltree);
  }
}

/** zlib.compress(data, level) as Python calls it: windowBits 15, memLevel 8, default strategy. */
export function zlibCompress(data: Uint8Array, level = 6): Buffer {
  const stream = new ZlibDeflate({ level, memLevel: 8 });
  stream.write(data);
  return stream.finish();
}
