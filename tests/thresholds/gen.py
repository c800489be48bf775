#!/usr/bin/env python3
"""tests/thresholds/gen.py NOW OUT.om STATE.json - daily-seasonal CPU usage
of five VMs for the learned thresholds' test, as OpenMetrics with
timestamps (`cordon metrics import` reads it), and what the feeder
(feed.py) needs to go on from it (STATE.json).

Each VM's CPU usage over its 2 vCPUs is 0.35 + 0.30 cos(2 pi (h - peak) / 24)
at hour h of the day (UTC), plus noise (sd 0.01), one sample every
5 minutes (its counter vm_cpu_seconds_total, and vm_vcpus):
  - quiet-1, quiet-2: their peak 12 hours from now, so that now is their
    quietest hour (about 0.05);
  - peak-1, peak-2: their peak now (about 0.65);
  - young: as a peak one, 3 days of history only (still learning).
21 days (and an hour) of history, the last sample 2 minutes before NOW
(epoch seconds).  Labels as a host agent's series have them (source,
vm), so that its live samples continue the same series."""
import json
import math
import random
import sys

now = int(sys.argv[1])
hour = now // 3600 % 24
random.seed(31)
STEP = 300
VCPUS = 2
vms = {"quiet-1": ((hour + 12) % 24, 21), "quiet-2": ((hour + 12) % 24, 21),
       "peak-1": (hour, 21), "peak-2": (hour, 21), "young": (hour, 3)}


def usage(peak, t, noise=True):
    h = (t % 86400) / 3600.0
    u = 0.35 + 0.30 * math.cos(2 * math.pi * (h - peak) / 24)
    if noise:
        u += random.gauss(0, 0.01)
    return min(max(u, 0.01), 1.0)


end = (now - 120) // STEP * STEP
cpu_lines, vcpu_lines, state = [], [], {}
for vm, (peak, days) in vms.items():
    lab = '{source="lab",vm="%s"}' % vm
    t = end - days * 86400 - 3600
    cpu = 1000.0
    while t <= end:
        cpu += usage(peak, t) * STEP * VCPUS
        cpu_lines.append("vm_cpu_seconds_total%s %.3f %d" % (lab, cpu, t))
        vcpu_lines.append("vm_vcpus%s %d %d" % (lab, VCPUS, t))
        t += STEP
    state[vm] = {"peak": peak, "cpu": cpu, "t": end * 1000, "vcpus": VCPUS}
with open(sys.argv[2], "w") as f:
    f.write("# TYPE vm_cpu_seconds counter\n")
    f.write("\n".join(cpu_lines) + "\n")
    f.write("# TYPE vm_vcpus gauge\n")
    f.write("\n".join(vcpu_lines) + "\n")
    f.write("# EOF\n")
with open(sys.argv[3], "w") as f:
    json.dump(state, f)
print(len(cpu_lines) + len(vcpu_lines))
