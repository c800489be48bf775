# tests/api/stall.py URL DATA-DIR END-SECONDS - no query holds up anyone
# else: while the heaviest query a viewer may send (every VM metric of
# the store's VMs, 8 days at 20 s: it runs for about a second here) runs
# again and again, a console's GET /session and a host agent's heartbeat
# sent in its midst are answered before it ends.  What is checked is that
# order (each request that starts 0.1 s into a query and 0.5 s before its
# end ends before it), not a time; the latencies are printed.
import json, ssl, statistics, sys, threading, time, urllib.request

url, data = sys.argv[1], sys.argv[2]
end = int(float(sys.argv[3]) * 1000)
ctx = ssl.create_default_context(cafile=data + "/tls.crt")
admin = open(data + "/admin.token").read().strip()
passed = failed = 0

def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("\n     " + why if why else ""))

def call(method, path, body=None, token=admin):
    req = urllib.request.Request(url + "/api/v1" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=300) as r:
            out, st = r.read(), r.status
    except urllib.error.HTTPError as e:
        out, st = e.read(), e.code
    return st, out, t0, time.monotonic()

viewer = json.loads(call("POST", "/tokens", {"role": "viewer", "name": "chart"})[1])["token"]
etok = json.loads(call("POST", "/agent-tokens", {"host": "hv1"})[1])["token"]
st, out, _, _ = call("POST", "/enroll", {"token": etok}, token="")
agent = json.loads(out)["credential"]
metrics = [m["name"] for m in json.loads(call("GET", "/metrics/catalog")[1]) if m["name"].startswith("vm_")]
objs = [o for o in json.loads(call("GET", "/metrics/objects?kind=vm")[1])]
# as many of them as one answer may hold (2,000,000 points): the heaviest query allowed
metrics = metrics[:2000000 // (max(len(objs), 1) * (8 * 86400 // 20 + 1))]
q = {"objects": [{"kind": "vm", "name": o["name"]} for o in objs], "metrics": metrics,
     "begin": end - 8 * 86400000, "end": end, "step_seconds": 20}
queries, others, stop = [], [], threading.Event()

def run_queries():
    while not stop.is_set():
        st, out, a, b = call("POST", "/metrics/query", q, token=viewer)
        queries.append((a, b, st, len(out)))

def run_others():
    while not stop.is_set():
        for what, args in (("session", ("GET", "/session")),
                           ("heartbeat", ("POST", "/agent/heartbeat",
                                          {"applied_revision": 0, "applied_seq": 0, "status": {}}, agent))):
            st, _, a, b = call(*args) if len(args) < 4 else call(args[0], args[1], args[2], args[3])
            others.append((what, a, b, st))
        time.sleep(0.05)

ts = [threading.Thread(target=run_queries), threading.Thread(target=run_others)]
for t in ts:
    t.start()
time.sleep(8)
stop.set()
for t in ts:
    t.join()
check("the heavy query is answered (200), %d times in 8 s" % len(queries),
      queries and all(x[2] == 200 for x in queries), str([x[2] for x in queries]))
inside = [(o, x) for o in others for x in queries if x[0] + 0.1 <= o[1] and o[1] <= x[1] - 0.5]
late = [(o[0], round(o[2] - x[1], 3)) for o, x in inside if o[2] > x[1]]
check("requests sent in a query's midst (%d) are answered before it ends" % len(inside),
      len(inside) >= 5 and not late, "too few (%d), or answered after: %s" % (len(inside), late[:10]))
check("every such request answered 200", all(o[3] == 200 for o in others),
      str([o for o in others if o[3] != 200][:5]))
lat = sorted((o[2] - o[1]) * 1000 for o in others)
if lat:
    print("     latency of GET /session and heartbeats while queries run: median %.1f ms, "
          "p99 %.1f ms, max %.1f ms (n=%d); the query: median %.2f s" %
          (statistics.median(lat), lat[int(len(lat) * 0.99) - 1 if len(lat) > 1 else 0], lat[-1], len(lat),
           statistics.median([x[1] - x[0] for x in queries]) if queries else 0))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
