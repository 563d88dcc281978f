import type { Size } from "./smart-resize.js";
/** Scales down so the long edge is `edge`, truncating the short one (integer math, no drift). */
export function fitLongEdge(size: Size, edge: number): Size {
  const long = Math.max(size.width, size.height);
  if (long <= edge) return size;
  return {
    width: Math.max(1, Math.floor((size.width * edge) / long)),
    height: Math.max(1, Math.floor((size.height * edge) / long)),
  };
}

/**
 * Scales down so width * height <= maxArea: each side becomes the largest n with
 * n <= side * sqrt(maxArea / area), decided in exact integer arithmetic.
 */
export function fitArea(size: Size, maxArea: number): Size {
  const area = size.width * size.height;
  if (area <= maxArea) return size;
  const side = (s: number): number => {
    const limit = s * s * maxArea;
    let n = Math.floor(s * Math.sqrt(maxArea / area));
    while (n > 0 && n * n * area > limit) n--;
    while ((n + 1) * (n + 1) * area <= limit) n++;
    return Math.max(1, n);
  };
  return { width: side(size.width), height: side(size.height) };
}
