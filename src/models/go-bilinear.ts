/**
 * golang.org/x/image/draw `BiLinear.Scale` from an opaque `*image.RGBA` to a new `*image.RGBA`
 * with `draw.Over`, as Ollama's Go engine resizes (model/imageproc Resize). Follows draw/scale.go
 * `newDistrib`, `ftou` and draw/impl.go `scaleX_RGBA` and `scaleY_RGBA_Src` at v0.22.0
 * (3724ab8af5c31f982e13765ba3707ffe5c463e64; Over becomes Src on an opaque source): a tent
 * kernel widened by the scale when shrinking, float64 sums in source order, 16-bit rounding,
 * then `>> 8`. JavaScript never fuses multiply-adds, which is what v0.22.0's `float64(...)`
 * conversions guarantee on every architecture.
 */

interface Distrib {
  /** Per destination column or row: its contributions are `start[k]` to `start[k + 1]`. */
  start: Int32Array;
  coord: Int32Array;
  weight: Float64Array;
  invTotalWeight: Float64Array;
  invTotalWeightFFFF: Float64Array;
}

function newDistrib(dw: number, sw: number): Distrib {
  const scale = sw / dw;
  let halfWidth = 1;
  let kernelArgScale = 1;
  if (scale > 1) {
    halfWidth *= scale;
    kernelArgScale = 1 / scale;
  }
  const start = new Int32Array(dw + 1);
  const coords: number[] = [];
  const weights: number[] = [];
  const invTotalWeight = new Float64Array(dw);
  const invTotalWeightFFFF = new Float64Array(dw);
  for (let x = 0; x < dw; x++) {
    const center = (x + 0.5) * scale - 0.5;
    const i = Math.max(0, Math.floor(center - halfWidth));
    let j = Math.ceil(center + halfWidth);
    if (j > sw) j = Math.max(sw, i);
    start[x] = coords.length;
    let totalWeight = 0;
    for (let c = i; c < j; c++) {
      const t = Math.abs((center - c) * kernelArgScale);
      if (t >= 1) continue;
      const weight = 1 - t;
      if (weight === 0) continue;
      totalWeight += weight;
      coords.push(c);
      weights.push(weight);
    }
    invTotalWeight[x] = 1 / totalWeight;
    invTotalWeightFFFF[x] = (invTotalWeight[x] as number) / 0xffff;
  }
  start[dw] = coords.length;
  return {
    start,
    coord: Int32Array.from(coords),
    weight: Float64Array.from(weights),
    invTotalWeight,
    invTotalWeightFFFF,
  };
}

/** x/image's `ftou` (a [0, 1] float to 16 bits, rounded half up) then the 8-bit store's `>> 8`. */
function ftou8(f: number): number {
  const i = Math.trunc(0xffff * f + 0.5);
  return i > 0xffff ? 0xff : i > 0 ? i >> 8 : 0;
}

/** Scales 8-bit RGB `sw` x `sh` to `dw` x `dh` as `draw.BiLinear.Scale` does. */
export function goBilinearScale(
  rgb: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Uint8Array {
  const h = newDistrib(dw, sw);
  const v = newDistrib(dh, sh);
  // scaleX_RGBA: each row spread over dw columns, kept as [0, 1] floats. The source is opaque,
  // so the alpha sum depends on the column only.
  const tmp = new Float64Array(dw * sh * 3);
  const tmpAlpha = new Float64Array(dw);
  for (let x = 0; x < dw; x++) {
    let pa = 0;
    for (let k = h.start[x] as number; k < (h.start[x + 1] as number); k++)
      pa += 0xffff * (h.weight[k] as number);
    tmpAlpha[x] = pa * (h.invTotalWeightFFFF[x] as number);
  }
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 3;
    for (let x = 0; x < dw; x++) {
      let pr = 0;
      let pg = 0;
      let pb = 0;
      for (let k = h.start[x] as number; k < (h.start[x + 1] as number); k++) {
        const p = row + (h.coord[k] as number) * 3;
        const w = h.weight[k] as number;
        pr += (rgb[p] as number) * 0x101 * w;
        pg += (rgb[p + 1] as number) * 0x101 * w;
        pb += (rgb[p + 2] as number) * 0x101 * w;
      }
      const t = (y * dw + x) * 3;
      const s = h.invTotalWeightFFFF[x] as number;
      tmp[t] = pr * s;
      tmp[t + 1] = pg * s;
      tmp[t + 2] = pb * s;
    }
  }
  // scaleY_RGBA_Src: columns spread over dh rows; colour clamped to alpha, as premultiplied.
  const out = new Uint8Array(dw * dh * 3);
  for (let x = 0; x < dw; x++) {
    for (let y = 0; y < dh; y++) {
      let pr = 0;
      let pg = 0;
      let pb = 0;
      let pa = 0;
      for (let k = v.start[y] as number; k < (v.start[y + 1] as number); k++) {
        const t = ((v.coord[k] as number) * dw + x) * 3;
        const w = v.weight[k] as number;
        pr += (tmp[t] as number) * w;
        pg += (tmp[t + 1] as number) * w;
        pb += (tmp[t + 2] as number) * w;
        pa += (tmpAlpha[x] as number) * w;
      }
      if (pr > pa) pr = pa;
      if (pg > pa) pg = pa;
      if (pb > pa) pb = pa;
      const s = v.invTotalWeight[y] as number;
      const d = (y * dw + x) * 3;
      out[d] = ftou8(pr * s);
      out[d + 1] = ftou8(pg * s);
      out[d + 2] = ftou8(pb * s);
    }
  }
  return out;
}
