/**
 * EXIF orientation (1-8) applied to RGBA pixels, as a viewer shows the picture: 2-4 mirror or
 * turn it in place, 5-8 also swap width and height. Pure index arithmetic, so it is exact.
 */
export interface OrientedPixels {
  width: number;
  height: number;
  rgba: Buffer;
}

export function applyOrientation(
  rgba: Uint8Array,
  width: number,
  height: number,
  orientation: number | undefined,
): OrientedPixels {
  if (orientation === undefined || orientation < 2 || orientation > 8) {
    return { width, height, rgba: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  }
  const swap = orientation >= 5;
  const outWidth = swap ? height : width;
  const outHeight = swap ? width : height;
  const out = Buffer.alloc(rgba.length);
  // Whole pixels move as one 32-bit word; a view needs a 4-byte aligned start.
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : Uint8Array.from(rgba);
  const source = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const target = new Uint32Array(out.buffer, out.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let tx: number;
      let ty: number;
      switch (orientation) {
        case 2:
          [tx, ty] = [width - 1 - x, y];
          break;
        case 3:
          [tx, ty] = [width - 1 - x, height - 1 - y];
          break;
        case 4:
          [tx, ty] = [x, height - 1 - y];
          break;
        case 5:
          [tx, ty] = [y, x];
          break;
        case 6:
          [tx, ty] = [height - 1 - y, x];
          break;
        case 7:
          [tx, ty] = [height - 1 - y, width - 1 - x];
          break;
        default:
          [tx, ty] = [y, width - 1 - x];
      }
      target[ty * outWidth + tx] = source[y * width + x] as number;
    }
  }
  return { width: outWidth, height: outHeight, rgba: out };
}
