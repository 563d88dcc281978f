/**
 * EXIF orientation (tag 0x0112) applied to pixels: the upright image a viewer shows. Values
 * follow the EXIF/TIFF definition of where row 0 and column 0 of the stored image belong.
 */

export interface OrientedPixels {
  data: Buffer;
  width: number;
  height: number;
}

/** Orientations 5-8 store the image on its side: applying them swaps width and height. */
function swapsSides(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/**
 * The stored position (x, y) that lands at upright position (u, v), for a stored image of
 * width w and height h. 2 mirrors, 3 turns 180°, 4 flips, 5 transposes, 6 turns 90°
 * clockwise, 7 transverses, 8 turns 90° counter-clockwise.
 */
function sourceOf(orientation: number, w: number, h: number): (u: number, v: number) => number {
  switch (orientation) {
    case 2:
      return (u, v) => v * w + (w - 1 - u);
    case 3:
      return (u, v) => (h - 1 - v) * w + (w - 1 - u);
    case 4:
      return (u, v) => (h - 1 - v) * w + u;
    case 5:
      return (u, v) => u * w + v;
    case 6:
      return (u, v) => (h - 1 - u) * w + v;
    case 7:
      return (u, v) => (h - 1 - u) * w + (w - 1 - v);
    case 8:
      return (u, v) => u * w + (w - 1 - v);
    default:
      return (u, v) => v * w + u;
  }
}

/**
 * Interleaved pixels (any number of channels) turned upright. Orientation 1, undefined and
 * values outside 1-8 leave the pixels as stored (a copy is not made).
 */
export function applyOrientation(
  pixels: Buffer,
  width: number,
  height: number,
  channels: number,
  orientation: number | undefined,
): OrientedPixels {
  if (orientation === undefined || orientation < 2 || orientation > 8) {
    return { data: pixels, width, height };
  }
  const [outW, outH] = swapsSides(orientation) ? [height, width] : [width, height];
  const source = sourceOf(orientation, width, height);
  const data = Buffer.alloc(pixels.length);
  let o = 0;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      const s = source(u, v) * channels;
      for (let c = 0; c < channels; c++) data[o++] = pixels[s + c] as number;
    }
  }
  return { data, width: outW, height: outH };
}
