// tests/console/modules.mjs - the console's modules that need no page
// (console/lib/time.js, units.js), in Node: times in a zone and back
// across offset changes, byte units and their bases.
// Prints "ok NAME" / "FAIL NAME" and "N passed, N failed".
globalThis.localStorage = { m: new Map(), getItem(k) { return this.m.get(k) ?? null; }, setItem(k, v) { this.m.set(k, v); } };
const t = await import("../../console/lib/time.js");
const u = await import("../../console/lib/units.js");
let npass = 0, nfail = 0;
const check = (name, ok, why = "") => {
  if (ok) { npass++; if (process.env.VERBOSE) console.log(`ok   ${name}`); } else { nfail++; console.log(`FAIL ${name}${why ? `\n     ${why}` : ""}`); }
};
const at = Date.UTC(2026, 11, 3, 9, 8, 0);          // 2026-12-03 09:08:00 UTC
t.setUser("u1", "Asia/Tokyo");
check("a time in Asia/Tokyo with its offset", t.when(at) === "2026-12-03 18:08:00 Asia/Tokyo (+09:00)", t.when(at));
t.setZone("America/New_York");
check("the zone kept per user", localStorage.getItem("cordon-zone:u1") === "America/New_York");
check("New York in December: -05:00", t.offset(at) === "-05:00", t.offset(at));
const summer = Date.UTC(2026, 6, 1, 12, 0, 0);
check("New York in July: -04:00", t.offset(summer) === "-04:00", t.offset(summer));
// wall clocks of the zone to epoch and back, on both sides of the March change
for (const w of ["2026-03-08T01:30", "2026-03-08T03:30", "2026-11-01T00:30", "2026-12-03T04:08"]) {
  const e = t.fromWall(w);
  check(`wall clock ${w} in New York and back`, t.toWall(e) === w, `${e} -> ${t.toWall(e)}`);
}
check("2026-03-08T03:30 in New York is 07:30 UTC", t.fromWall("2026-03-08T03:30") === Date.UTC(2026, 2, 8, 7, 30), new Date(t.fromWall("2026-03-08T03:30")).toISOString());
check("a malformed wall clock is NaN", Number.isNaN(t.fromWall("tomorrow")));
// a chart's axis: minutes, or seconds when its ticks are closer than a minute
check("an axis of an hour: 23:08", t.axis(Date.UTC(2026, 11, 3, 4, 8, 20), 3600000, 600000) === "23:08",
  t.axis(Date.UTC(2026, 11, 3, 4, 8, 20), 3600000, 600000));
check("an axis of two minutes, ticks 15 s apart: 23:08:20",
  t.axis(Date.UTC(2026, 11, 3, 4, 8, 20), 120000, 15000) === "23:08:20", t.axis(Date.UTC(2026, 11, 3, 4, 8, 20), 120000, 15000));
t.setZone("Asia/Kolkata");
check("a half-hour offset: +05:30", t.offset(at) === "+05:30" && t.when(at).endsWith("Asia/Kolkata (+05:30)"), t.when(at));
let threw = false;
try { t.setZone("Mars/Olympus"); } catch { threw = true; }
check("a zone the runtime does not know is refused", threw && t.getZone() === "Asia/Kolkata");
t.setUser("u2", null);
check("another user without a choice: the runtime's zone", t.getZone() === t.browserZone());
check("zones listed with the current one first", t.zones()[0] === t.getZone() && t.zones().includes("Asia/Tokyo"));
// bytes
check("auto: decimal units", u.bytes(1234567890) === "1.23 GB" && u.bytes(999) === "999 B", u.bytes(1234567890));
check("GiB, base 2", u.bytes(2 ** 31, "GiB") === "2.00 GiB" && u.base("GiB") === "base 2");
check("TB, base 10", u.bytes(5e12, "TB") === "5.00 TB" && u.base("TB") === "base 10");
check("TiB", u.bytes(2 ** 40 * 1.5, "TiB") === "1.50 TiB");
check("no value: a dash", u.bytes(null) === "–" && u.value(NaN, "ratio") === "–");
check("a ratio as a percentage, latency in ms, rates", u.value(0.1234, "ratio") === "12.3 %" &&
  u.value(0.0042, "seconds") === "4.20 ms" && u.value(2.5e6, "bytes_per_second") === "2.50 MB/s" &&
  u.value(12, "ops_per_second") === "12.0 IOPS");
console.log(`${npass} passed, ${nfail} failed`);
process.exit(nfail ? 1 : 0);
