#!/usr/bin/env python3
"""tests/thresholds/feed.py URL CACERT CREDENTIAL ADMIN-TOKEN STATE.json DIR -
the five VMs' live samples, sent as their host's agent sends them (POST
/api/v1/agent/metrics with the agent's credential), one collection every
2 s on the 2-second boundaries, each VM's counter going on from where
gen.py left it.

What each VM uses is read from DIR/phase at each collection: "normal" (its
own daily curve, gen.py's, without noise) or "excursion V" (V for every
VM).  Each answer is appended to DIR/feed.log; once the first collection
of a phase is taken, GET /metrics's cordon_alert_cycles_total is written
to DIR/c-PHASE (the cycles after it are those that saw it), at each
change of DIR/phase.  Runs until killed."""
import json
import math
import ssl
import sys
import time
import urllib.request

url, cacert, cred, admin, state_file, d = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=cacert)
cred = open(cred).read().strip()
admin = open(admin).read().strip()
state = json.load(open(state_file))
INTERVAL = 2000


def call(method, path, token, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return r.read().decode()


def cycles():
    for line in call("GET", "/metrics", admin).splitlines():
        if line.startswith("cordon_alert_cycles_total "):
            return int(line.split()[1])
    return -1


def usage(peak, t):
    h = (t / 1000 % 86400) / 3600.0
    return 0.35 + 0.30 * math.cos(2 * math.pi * (h - peak) / 24)


last = None
log = open(d + "/feed.log", "a", buffering=1)
while True:
    now = time.time() * 1000
    t = int(now // INTERVAL * INTERVAL + INTERVAL)
    time.sleep((t - now) / 1000 + 0.05)
    try:
        phase = open(d + "/phase").read().split()
    except OSError:
        continue
    if not phase:                       # (read while it was being written)
        continue
    samples = []
    for vm, s in state.items():
        v = float(phase[1]) if phase[0] == "excursion" else usage(s["peak"], t)
        s["cpu"] += v * (t - s["t"]) / 1000 * s["vcpus"]
        s["t"] = t
        samples.append({"kind": "vm", "name": vm, "t": t,
                        "metrics": {"vm_cpu_seconds_total": round(s["cpu"], 6), "vm_vcpus": s["vcpus"]}})
    try:
        ans = json.loads(call("POST", "/api/v1/agent/metrics", cred, {"samples": samples}))
    except Exception as e:          # the manager stopping: said, and tried again
        log.write("%d %s error %s\n" % (t, phase[0], e))
        continue
    log.write("%d %s accepted %s refused %s\n" % (t, " ".join(phase), ans.get("accepted"), ans.get("refused")))
    if phase != last:
        last = phase
        c = cycles()
        with open(d + "/c-" + phase[0], "w") as f:
            f.write("%d\n" % c)
