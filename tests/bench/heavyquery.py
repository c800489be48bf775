# tests/bench/heavyquery.py URL DATA-DIR END-SECONDS READY-FILE - the heaviest query
# a viewer may send (every VM metric of the store's VMs, 8 days at 20 s),
# again and again until SIGTERM; then how many ran and their median time.
# Once the first has been answered, the file READY-FILE is made.
import json, signal, ssl, statistics, sys, time, urllib.request

url, data, ready = sys.argv[1], sys.argv[2], sys.argv[4]
end = int(float(sys.argv[3]) * 1000)
ctx = ssl.create_default_context(cafile=data + "/tls.crt")
admin = open(data + "/admin.token").read().strip()

def call(method, path, body=None, token=admin):
    req = urllib.request.Request(url + "/api/v1" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, context=ctx, timeout=300) as r:
        return r.status, r.read()

viewer = json.loads(call("POST", "/tokens", {"role": "viewer", "name": "heavy-%d" % time.time()})[1])["token"]
metrics = [m["name"] for m in json.loads(call("GET", "/metrics/catalog")[1]) if m["name"].startswith("vm_")]
objs = json.loads(call("GET", "/metrics/objects?kind=vm")[1])
# as many of them as one answer may hold (2,000,000 points): the heaviest query allowed
metrics = metrics[:2000000 // (max(len(objs), 1) * (8 * 86400 // 20 + 1))]
q = {"objects": [{"kind": "vm", "name": o["name"]} for o in objs], "metrics": metrics,
     "begin": end - 8 * 86400000, "end": end, "step_seconds": 20}
took, stop = [], False
def done(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, done)
while not stop:
    t = time.monotonic()
    try:
        call("POST", "/metrics/query", q, token=viewer)
    except Exception:
        pass
    took.append(time.monotonic() - t)
    if len(took) == 1:
        open(ready, "w").close()
print("  (meanwhile %d queries of %d VMs x %d metrics, median %.2f s each)" %
      (len(took), len(objs), len(metrics), statistics.median(took) if took else 0))
