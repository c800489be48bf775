#!/usr/bin/env python3
"""tests/views/samples.py gen FILE T0 | expect CSV T0 - three days of known
samples for the views' suite, and the cells a view must show, computed
here from those samples alone (not through cordon).

gen: OpenMetrics (timestamps in seconds) for VMs vm-a, vm-b, vm-c every
20 s from T0 for three days: memory in use (a gauge), bytes received (a
counter) and CPU and ready time (counters) with vCPUs.  expect: reads the
CSV the manager gave for the view below over [T0, T0 + 2 days) and
compares each cell with the definitions of docs/monitoring.md, "Views":
the 1-hour step (the range is past a day); avg the mean of the hours'
means; min and max of the samples (a rate's between two samples); p95
the nearest rank of the hours' means; sum a rate's increase; current the
last sample of the range's last 10 minutes.  Prints "ok"/"FAIL" lines."""
import math, sys

T0 = 0                   # the first sample's time (s): a midnight, given
STEP = 20
N = 3 * 86400 // STEP
VMS = ["vm-a", "vm-b", "vm-c"]

def mem(v, i):
    k = VMS.index(v) + 1
    return 1e9 * k + 2e8 * math.sin(i / (300.0 * k)) + (i * 7919 % 101) * 1e5

def rx_inc(v, i):        # bytes between sample i-1 and i
    k = VMS.index(v) + 1
    return (1000 + (i * 31 % 17) * 100) * k * (3 if (i // 180) % 24 == 13 else 1)

def cpu_inc(v, i):       # CPU seconds between samples, 2 vCPUs
    return STEP * 2 * (0.2 + 0.1 * math.sin(i / 500.0) + 0.05 * VMS.index(v))

def gen(path):
    with open(path, "w") as f:
        for m, t in [("vm_memory_used_bytes", "gauge"), ("vm_net_rx_bytes", "counter"),
                     ("vm_cpu_seconds", "counter"), ("vm_vcpus", "gauge")]:
            f.write("# TYPE %s %s\n" % (m, t))
        tot = {v: [0.0, 0.0] for v in VMS}
        for i in range(N):
            t = T0 + i * STEP
            for v in VMS:
                if i:
                    tot[v][0] += rx_inc(v, i)
                    tot[v][1] += cpu_inc(v, i)
                lab = '{vm="%s",host="hv1",source="kvm1"}' % v
                f.write("vm_memory_used_bytes%s %r %d\n" % (lab, mem(v, i), t))
                f.write("vm_net_rx_bytes_total%s %r %d\n" % (lab, tot[v][0], t))
                f.write("vm_cpu_seconds_total%s %.9f %d\n" % (lab, tot[v][1], t))
                f.write("vm_vcpus%s 2 %d\n" % (lab, t))
        f.write("# EOF\n")

def nearest_rank(xs, p):
    xs = sorted(xs)
    k = max(1, math.ceil(p / 100.0 * len(xs) - 1e-9))
    return xs[k - 1]

def expect(csv_path):
    END = T0 + 2 * 86400     # the view's range: [T0, END) in ms: END*1000 - 1
    last = (END * 1000 - 1 - T0 * 1000) // (STEP * 1000)          # the range's last sample
    rows = {}
    lines = open(csv_path, newline="").read().split("\r\n")
    head = lines[0].split(",")
    for l in lines[1:]:
        if l:
            c = l.split(",")
            rows[c[0]] = c
    fails = 0
    def check(name, got, want):
        nonlocal fails
        w = "%.2f" % want
        if got == w:
            print("ok   %s: %s" % (name, got))
        else:
            fails += 1
            print("FAIL %s: CSV %s, from the samples %s" % (name, got, w))
    # auto units: a decimal unit a column, chosen from its largest value
    def unit(xs, suffix):
        m = max(abs(x) for x in xs)
        for name, size in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)]:
            if m >= size:
                return name + suffix, size
        return "B" + suffix, 1.0
    want = {}
    for v in VMS:
        per = 3600 // STEP
        def hour_rate(h, inc):
            lo, hi = h * per, (h + 1) * per
            xs = [i for i in range(max(lo, 1), hi)]
            return sum(inc(v, i) for i in xs) / (len(xs) * STEP)
        hm = [sum(mem(v, i) for i in range(h * per, (h + 1) * per)) / per for h in range(48)]
        samples = [mem(v, i) for i in range(0, last + 1)]
        rates = [hour_rate(h, rx_inc) for h in range(48)]
        cpu = [hour_rate(h, cpu_inc) / 2 for h in range(48)]
        want[v] = [sum(hm) / 48, min(samples), max(samples), nearest_rank(hm, 95), mem(v, last),
                   sum(rates) / 48, max(rx_inc(v, i) / STEP for i in range(1, last + 1)),
                   sum(rx_inc(v, i) for i in range(1, last + 1)), nearest_rank(cpu, 95) * 100]
    units = []
    for k, suffix in enumerate(["", "", "", "", "", "/s", "/s", ""]):
        units.append(unit([want[v][k] for v in VMS], suffix) if k >= 5 else ("GB", 1e9))
    units.append(("%", 1.0))
    titles = ["Mem avg", "Mem min", "Mem max", "Mem p95", "Mem now", "Rx avg", "Rx max", "Rx sum", "CPU p95"]
    want_head = ["VM"] + ["%s (%s)" % (t, u[0]) for t, u in zip(titles, units)]
    if head != want_head:
        print("FAIL the header: %s, from the samples %s" % (head, want_head))
        fails += 1
    else:
        print("ok   the header, each column's unit as the largest value calls for: %s" % ",".join(head))
    names = ["memory avg", "memory min", "memory max", "memory p95", "memory now", "rx avg", "rx max",
             "rx sum", "CPU p95"]
    for v in VMS:
        if v not in rows:
            print("FAIL %s: no row" % v)
            fails += 1
            continue
        for k in range(9):
            check("%s %s" % (v, names[k]), rows[v][k + 1], want[v][k] / units[k][1])
    return fails

if __name__ == "__main__":
    T0 = int(sys.argv[3])
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        sys.exit(1 if expect(sys.argv[2]) else 0)
