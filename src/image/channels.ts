/** RGB of interleaved RGBA: what dropping alpha without compositing keeps (convert("RGB"), BGRA->BGR). */
export function dropAlpha(rgba: Uint8Array): Buffer {
  const rgb = Buffer.alloc((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    rgb[o] = rgba[i] as number;
    rgb[o + 1] = rgba[i + 1] as number;
    rgb[o + 2] = rgba[i + 2] as number;
  }
  return rgb;
}

/** RGBA of interleaved RGB, every pixel opaque. */
export function addOpaqueAlpha(rgb: Uint8Array): Buffer {
  const rgba = Buffer.alloc((rgb.length / 3) * 4);
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) {
    rgba[o] = rgb[i] as number;
    rgba[o + 1] = rgb[i + 1] as number;
    rgba[o + 2] = rgb[i + 2] as number;
    rgba[o + 3] = 255;
  }
  return rgba;
}
