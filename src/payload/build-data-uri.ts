/** Length of the base64 text for n bytes (padded, no line breaks). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** Length of `data:<mime>;base64,<base64>` without building the string. */
export function dataUriLength(mime: string, bytes: number): number {
  return "data:".length + mime.length + ";base64,".length + base64Length(bytes);
}

export function toDataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}
