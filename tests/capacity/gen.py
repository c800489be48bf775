#!/usr/bin/env python3
"""tests/capacity/gen.py END_S [COPIES] - 30 days of 5-minute samples of known VM
shapes as OpenMetrics text with timestamps (cordon metrics import), the
last sample before END_S (epoch seconds), one a step at its middle:

  big8     8 vCPUs, 16 GiB: never more than 1 vCPU, its guest uses 3 GiB
  busy2    2 vCPUs, 2 GiB: 1.9 to 1.98 vCPUs, its guest 1.9 GiB
  noguest  4 vCPUs, 4 GiB: 0.5 vCPU; no guest figure, only a resident set
           of 3.9 GiB (which right-sizing must not read)
  idle1    2 vCPUs: 0.005 to 0.007 vCPU and 100 bytes/s for 30 days
  off1     2 vCPUs: ran 20 days, shut off (state 5) the last 10
  young    8 vCPUs: 3 days of samples only

COPIES (1) of each: the second and later named NAME-2, NAME-3, ... (a
larger store, to time the answers).
"""
import sys

END = int(sys.argv[1]) // 300 * 300
COPIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1
DAYS = 30
GIB, MIB = 2 ** 30, 2 ** 20
LAB = '{vm="%s",host="kvm9",source="lab"}'

def small(k): return 0.2 + 0.8 * (k % 50) / 49
def busy(k): return 1.9 + 0.08 * (k % 2)
def half(k): return 0.5
def idle(k): return 0.005 + 0.001 * (k % 3)
def off(k): return 0.5 if k < 20 * 288 else None

VMS = [  # name, vCPUs, memory, CPU, guest used, net bytes/s, days
    ("big8", 8, 16 * GIB, small, 3 * GIB, 50000, 30),
    ("busy2", 2, 2 * GIB, busy, 1.9 * GIB, 50000, 30),
    ("noguest", 4, 4 * GIB, half, None, 50000, 30),
    ("idle1", 2, 2 * GIB, idle, 0.5 * GIB, 50, 30),
    ("off1", 2, 2 * GIB, off, 1 * GIB, 50000, 30),
    ("young", 8, 8 * GIB, small, 1 * GIB, 50000, 3),
]
w = sys.stdout.write
for c in ("vm_cpu_seconds", "vm_net_rx_bytes", "vm_net_tx_bytes"):
    w("# TYPE %s counter\n" % c)
for g in ("vm_vcpus", "vm_memory_bytes", "vm_memory_guest_used_bytes", "vm_memory_used_bytes", "vm_power_state"):
    w("# TYPE %s gauge\n" % g)
for (name, vcpus, mem, cpu, guest, net, days), c in [(v, c) for c in range(1, COPIES + 1) for v in VMS]:
    lab = LAB % (name if c == 1 else "%s-%d" % (name, c))
    steps = DAYS * 288
    secs = rx = tx = 0.0
    for k in range(steps - days * 288, steps):
        t = END - (steps - k) * 300 + 150
        used = cpu(k - (steps - days * 288))
        w("vm_vcpus%s %d %d\n" % (lab, vcpus, t))
        w("vm_memory_bytes%s %d %d\n" % (lab, mem, t))
        w("vm_power_state%s %d %d\n" % (lab, 5 if used is None else 1, t))
        if used is None:
            continue
        secs += used * 300
        rx += net * 300
        tx += net * 300
        w("vm_cpu_seconds_total%s %.3f %d\n" % (lab, secs, t))
        w("vm_net_rx_bytes_total%s %d %d\n" % (lab, rx, t))
        w("vm_net_tx_bytes_total%s %d %d\n" % (lab, tx, t))
        if guest is not None:
            w("vm_memory_guest_used_bytes%s %d %d\n" % (lab, guest - (k % 10) * MIB, t))
        else:
            w("vm_memory_used_bytes%s %d %d\n" % (lab, 3.9 * GIB, t))
w("# EOF\n")
