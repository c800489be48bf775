#!/usr/bin/env python3
"""tests/reports/samples.py gen FILE END | expect CSV BEGIN_MS END_MS - the
hosts' and datastores' samples of the reports' suite, and the cells the
view "hosts-memory" must show, computed here from those samples alone
(not through cordon).

gen: OpenMetrics (timestamps in seconds) for hosts hv-00 and hv-01 and
datastores pool-a and pool-b, every 60 s for the three days to END (s):
a host's memory in use and its memory (gauges), its CPU time busy (a
counter) and CPUs; a datastore's capacity, used and free bytes, used
growing by 10 GB a day.  expect: reads the CSV the manager gave for the
view's section over [BEGIN_MS, END_MS] (whole hours) and compares each
cell with docs/monitoring.md's definitions: the 1-hour step; avg the mean
of the hours' means; max and min of the samples; p95 the nearest rank of
the hours' means; in GiB with two decimals (a cell may differ by its last
rounding unit at most).  Prints "ok"/"FAIL" lines; exits 1 on a FAIL."""
import csv, io, math, sys

STEP = 60
HOSTS = ["hv-00", "hv-01"]
POOLS = ["pool-a", "pool-b"]
GIB = float(1 << 30)


def mem(h, t):
    k = HOSTS.index(h)
    day = 2 * math.pi * (t % 86400) / 86400
    if k == 0:
        return 30e9 + 6e9 * math.sin(day) + ((t // 60) % 7) * 1e8
    return 20e9 + 3e9 * math.cos(day) + ((t // 60) % 5) * 2e8


def gen(path, end):
    start = end - 3 * 86400
    with open(path, "w") as f:
        for m, kind in [("host_memory_used_bytes", "gauge"), ("host_memory_total_bytes", "gauge"),
                        ("host_cpu_busy_seconds", "counter"), ("host_cpus", "gauge"),
                        ("datastore_capacity_bytes", "gauge"), ("datastore_used_bytes", "gauge"),
                        ("datastore_free_bytes", "gauge")]:
            f.write("# TYPE %s %s\n" % (m, kind))
        busy = {h: 0.0 for h in HOSTS}
        t = start
        while t <= end:
            for k, h in enumerate(HOSTS):
                lab = '{host="%s",source="kvm1"}' % h
                busy[h] += 32 * STEP * (0.3 + 0.2 * k + 0.15 * math.sin(2 * math.pi * (t % 86400) / 86400))
                f.write("host_memory_used_bytes%s %r %d\n" % (lab, mem(h, t), t))
                f.write("host_memory_total_bytes%s %d %d\n" % (lab, 64 << 30, t))
                f.write("host_cpu_busy_seconds_total%s %.6f %d\n" % (lab, busy[h], t))
                f.write("host_cpus%s 32 %d\n" % (lab, t))
            for k, p in enumerate(POOLS):
                lab = '{datastore="%s",host="hv-0%d",source="kvm1"}' % (p, k)
                cap = 2e12 * (k + 1)
                used = 1e12 + 1e10 * (k + 1) * (t - start) / 86400
                f.write("datastore_capacity_bytes%s %d %d\n" % (lab, cap, t))
                f.write("datastore_used_bytes%s %d %d\n" % (lab, used, t))
                f.write("datastore_free_bytes%s %d %d\n" % (lab, cap - used, t))
            t += STEP
        f.write("# EOF\n")


def expect(path, begin_ms, end_ms):
    b, e = begin_ms // 1000, (end_ms + 1) // 1000
    rows = list(csv.reader(io.StringIO(open(path, newline="").read())))
    want_head = ["Host", "Mem avg (GiB)", "Mem max (GiB)", "Mem p95 (GiB)", "Mem min (GiB)"]
    bad = 0
    if rows[0] != want_head:
        print("FAIL the header: %s" % rows[0])
        return 1
    if [r[0] for r in rows[1:]] != HOSTS:
        print("FAIL the rows: %s" % [r[0] for r in rows[1:]])
        return 1
    cells = 0
    for r in rows[1:]:
        h = r[0]
        hours, lo, hi = [], math.inf, -math.inf
        for s in range(b, e, 3600):
            v = [mem(h, t) for t in range(s, s + 3600, STEP)]
            hours.append(sum(v) / len(v))
            lo, hi = min(lo, min(v)), max(hi, max(v))
        srt = sorted(hours)
        p95 = srt[math.ceil(0.95 * len(srt)) - 1]
        for title, got, want in [("avg", r[1], sum(hours) / len(hours)), ("max", r[2], hi),
                                 ("p95", r[3], p95), ("min", r[4], lo)]:
            cells += 1
            w = want / GIB
            if got != "%.2f" % w and abs(float(got) - w) > 0.00500001:
                print("FAIL %s %s: the CSV says %s, the samples %.6f" % (h, title, got, w))
                bad += 1
    if not bad:
        print("ok %d cells of %d hosts over %d hours equal the samples' figures" %
              (cells, len(rows) - 1, (e - b) // 3600))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(expect(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
