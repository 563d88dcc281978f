/**
 * The few TIFF tags of the first image (IFD0) that decide how libtiff's RGBA interface turns
 * samples into 8-bit colour. Never throws: undefined when the bytes are not a TIFF or the
 * directory cannot be read.
 */
export interface TiffLayout {
  /** Bits of the first sample (BitsPerSample, tag 258); 1 when absent. */
  bitsPerSample: number;
  /** SamplesPerPixel (277); 1 when absent. */
  samplesPerPixel: number;
  /** PhotometricInterpretation (262): 0 white-is-zero, 1 black-is-zero, 2 RGB, 3 palette, 5 CMYK, 6 YCbCr. */
  photometric: number | undefined;
  /** Compression (259): 1 none, 5 LZW, 7 JPEG, 8 deflate ...; 1 when absent. */
  compression: number;
  /** ExtraSamples (338): 0 unspecified, 1 associated (premultiplied) alpha, 2 unassociated alpha. */
  extraSamples: number[];
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 3: 2, 4: 4, 16: 8 };

export function readTiffLayout(bytes: Uint8Array): TiffLayout | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (!little && !(bytes[0] === 0x4d && bytes[1] === 0x4d)) return undefined;
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > bytes.length) return undefined;
  const count = view.getUint16(ifd, little);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > bytes.length) return undefined;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const n = view.getUint32(entry + 4, little);
    const size = TYPE_SIZES[type];
    if (size === undefined || size > 4 || n > 64) continue;
    const at = n * size <= 4 ? entry + 8 : view.getUint32(entry + 8, little);
    if (at + n * size > bytes.length) continue;
    const values: number[] = [];
    for (let k = 0; k < n; k++) {
      const p = at + k * size;
      values.push(
        size === 1
          ? view.getUint8(p)
          : size === 2
            ? view.getUint16(p, little)
            : view.getUint32(p, little),
      );
    }
    tags.set(tag, values);
  }
  return {
    bitsPerSample: tags.get(258)?.[0] ?? 1,
    samplesPerPixel: tags.get(277)?.[0] ?? 1,
    photometric: tags.get(262)?.[0],
    compression: tags.get(259)?.[0] ?? 1,
    extraSamples: tags.get(338) ?? [],
  };
}
