// units.js - bytes in the unit a column's switch says: auto (each value in
// the decimal unit that suits it), GB, GiB, TB or TiB; the base is said
// beside the switch (10 for GB and TB, 2 for GiB and TiB).
export const UNITS = ["auto", "GB", "GiB", "TB", "TiB"];
const FACTOR = { GB: 1e9, GiB: 2 ** 30, TB: 1e12, TiB: 2 ** 40 };
export const base = (u) => (u === "GiB" || u === "TiB" ? "base 2" : "base 10");

export function bytes(v, unit = "auto") {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (unit !== "auto") return `${(v / FACTOR[unit]).toFixed(2)} ${unit}`;
  const names = ["B", "kB", "MB", "GB", "TB", "PB"];
  let i = 0, x = v;
  while (Math.abs(x) >= 1000 && i < names.length - 1) { x /= 1000; i++; }
  return `${i ? x.toFixed(2) : x.toFixed(0)} ${names[i]}`;
}

// a metric's value by its catalog unit
export function value(v, unit, bunit = "auto") {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  switch (unit) {
  case "bytes": return bytes(v, bunit);
  case "bytes_per_second": return `${bytes(v, bunit)}/s`;
  case "ratio": return `${(v * 100).toFixed(1)} %`;
  case "seconds": return v < 1 ? `${(v * 1000).toFixed(2)} ms` : `${v.toFixed(2)} s`;
  case "ops_per_second": return `${v.toFixed(1)} IOPS`;
  default: return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
}
