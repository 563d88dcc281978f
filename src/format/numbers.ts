// Made on first use: building a NumberFormat loads ICU data, about 25 ms at start-up.
let integer: Intl.NumberFormat | undefined;

export function count(n: number): string {
  integer ??= new Intl.NumberFormat("en-US");
  return integer.format(n);
}

/** Shares keep two significant digits below 1%, so 3 pixels in 24 million don't read as 0%. */
export function percent(share: number): string {
  if (share === 0) return "0%";
  const value = share * 100;
  if (value >= 1) return `${value.toFixed(1)}%`;
  return `${value.toPrecision(2)}%`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(2)} MiB`;
}

export function ratio(r: number): string {
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}x`;
}
