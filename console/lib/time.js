// time.js - every time shown, in one zone: the user's choice (kept with
// the user by the manager; a token's session keeps it in this browser),
// else the browser's own; always written with
// the zone's name and its offset at that moment, so a chart's points, a
// table's rows and "last updated" can be read against each other.
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
let zone = browserZone();
let user = "";
const listeners = new Set();

export function zones() {
  let all;
  try { all = Intl.supportedValuesOf("timeZone"); } catch { all = []; }
  return [...new Set([zone, "UTC", ...all])];
}
export function getZone() { return zone; }
const known = (z) => { try { new Intl.DateTimeFormat("en", { timeZone: z }); return true; } catch { return false; } };
// who signed in, and the zone the manager keeps for them (null: none)
export function setUser(name, kept) {
  user = name || "";
  const z = kept || localStorage.getItem(`cordon-zone:${user}`);
  zone = z && known(z) ? z : browserZone();
  listeners.forEach((f) => f(zone));
}
export function setZone(z) {
  if (!known(z)) throw new Error(`${z} is not a time zone this browser knows`);
  zone = z;
  localStorage.setItem(`cordon-zone:${user}`, z);
  listeners.forEach((f) => f(zone));
}
export function onZone(f) { listeners.add(f); return () => listeners.delete(f); }

const cache = new Map();
function fmt(kind, z) {
  const key = kind + z;
  if (!cache.has(key)) {
    const o = { timeZone: z, hourCycle: "h23" };
    if (kind !== "time") Object.assign(o, { year: "numeric", month: "2-digit", day: "2-digit" });
    if (kind !== "date") Object.assign(o, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    if (kind === "offset") Object.assign(o, { timeZoneName: "longOffset" });
    cache.set(key, new Intl.DateTimeFormat("en-CA", o));
  }
  return cache.get(key);
}

const toDate = (t) => (t instanceof Date ? t : new Date(t));
function parts(t, kind) {
  const p = {};
  for (const x of fmt(kind, zone).formatToParts(toDate(t))) p[x.type] = x.value;
  return p;
}

// "+09:00" (the zone's offset at t)
export function offset(t = Date.now()) {
  const n = parts(t, "offset").timeZoneName || "GMT";
  return n === "GMT" ? "+00:00" : n.replace("GMT", "");
}
// "2026-12-03 18:08:00 Asia/Tokyo (+09:00)"
export function when(t) {
  if (t === null || t === undefined || t === "") return "never";
  const p = parts(t, "full");
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zone} (${offset(t)})`;
}
// the short form for a chart's axis, in the zone: "18:08", "12-03 18:00"
// or "12-03"; "18:08:20" when its ticks are less than a minute apart (a
// chart of the last few minutes would repeat "18:08")
export function axis(t, spanMs, tickMs = 60000) {
  const p = parts(t, "full");
  if (spanMs > 4 * 86400000) return `${p.month}-${p.day}`;
  if (spanMs > 86400000) return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
  if (tickMs < 60000) return `${p.hour}:${p.minute}:${p.second}`;
  return `${p.hour}:${p.minute}`;
}
// "09:08:00" of a time in the zone, for a chart's legend
export function clock(t) {
  const p = parts(t, "full");
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
// "2026-12-03T18:08" (a datetime-local field's value) read as a wall
// clock of the zone: its epoch ms (the offset taken at that moment)
export function fromWall(v) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(v || "");
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let t = wall - shiftSeconds(wall) * 1000;
  t = wall - shiftSeconds(t) * 1000;      // again, across a change of offset
  return t;
}
// the other way: epoch ms to a datetime-local value in the zone
export function toWall(t) {
  const p = parts(t, "full");
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// seconds to add to an epoch time to read it as the zone's wall clock (uPlot draws UTC)
export function shiftSeconds(t) {
  const o = offset(t);
  const s = o[0] === "-" ? -1 : 1;
  const [hh, mm] = o.slice(1).split(":").map(Number);
  return s * (hh * 3600 + mm * 60);
}
