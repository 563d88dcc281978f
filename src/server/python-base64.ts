/**
 * Python 3.11's `base64.b64decode(s, validate=...)`, as far as it decides success or failure:
 * binascii.a2b_base64 (Modules/binascii.c at v3.11.2) with `strict_mode=validate`. Lenient mode
 * skips every character outside the alphabet and stops at the first complete padding; strict
 * mode refuses them. Returns Python's error message, or null when Python decodes the text.
 */
export function pythonBase64Error(text: string, validate: boolean): string | null {
  // _bytes_from_decode_data: a str must be ASCII.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return "string argument should contain only ASCII characters";
  }
  let quadPos = 0;
  let pads = 0;
  let paddingStarted = false;
  let dataChars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "=") {
      paddingStarted = true;
      if (validate && quadPos === 0 && i === 0) return "Leading padding not allowed";
      pads++;
      if (quadPos >= 2 && quadPos + pads >= 4) {
        if (validate && i + 1 < text.length) return "Excess data after padding";
        return null;
      }
      continue;
    }
    if (!/[A-Za-z0-9+/]/.test(c)) {
      if (validate) return "Only base64 data is allowed";
      continue;
    }
    if (validate && paddingStarted) return "Discontinuous padding not allowed";
    pads = 0;
    dataChars++;
    quadPos = (quadPos + 1) % 4;
  }
  if (quadPos === 1) {
    return `Invalid base64-encoded string: number of data characters (${dataChars}) cannot be 1 more than a multiple of 4`;
  }
  return quadPos === 0 ? null : "Incorrect padding";
}
