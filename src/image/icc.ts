/** The parts of an ICC profile a person needs to recognise it. */
export interface IccSummary {
  /** The profile's own description ("sRGB IEC61966-2.1", "Display P3", ...), when it has one. */
  description: string | undefined;
  /** Data colour space from the header: "RGB", "GRAY", "CMYK", ... */
  colourSpace: string;
  /** "2.1.0", "4.3.0" ... */
  version: string;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString("latin1");
}

function u32(bytes: Uint8Array, at: number): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(at);
}

/** v2 'desc' (textDescriptionType, ASCII) or v4 'mluc' (UTF-16BE, first record). */
function description(bytes: Uint8Array, offset: number, size: number): string | undefined {
  const end = offset + size;
  if (end > bytes.length || size < 12) return undefined;
  const type = ascii(bytes, offset, offset + 4);
  if (type === "desc") {
    const count = u32(bytes, offset + 8);
    if (offset + 12 + count > end) return undefined;
    return ascii(bytes, offset + 12, offset + 12 + count).replace(/\0+$/, "");
  }
  if (type === "mluc" && size >= 28) {
    const length = u32(bytes, offset + 20);
    const start = offset + u32(bytes, offset + 24);
    if (start + length > end) return undefined;
    return Buffer.from(bytes.subarray(start, start + length))
      .swap16()
      .toString("utf16le")
      .replace(/\0+$/, "");
  }
  return undefined;
}

/** Reads an ICC profile's header and description; undefined when the bytes are no profile. */
export function readIcc(bytes: Uint8Array | undefined): IccSummary | undefined {
  if (bytes === undefined || bytes.length < 132 || ascii(bytes, 36, 40) !== "acsp")
    return undefined;
  const major = bytes[8] as number;
  const minor = bytes[9] as number;
  const summary: IccSummary = {
    description: undefined,
    colourSpace: ascii(bytes, 16, 20).trim(),
    version: `${major}.${minor >> 4}.${minor & 0xf}`,
  };
  const tags = u32(bytes, 128);
  for (let i = 0; i < tags && 132 + 12 * (i + 1) <= bytes.length; i++) {
    const at = 132 + 12 * i;
    if (ascii(bytes, at, at + 4) === "desc") {
      summary.description = description(bytes, u32(bytes, at + 4), u32(bytes, at + 8));
      break;
    }
  }
  return summary;
}
