#!/usr/bin/env python3
"""tests/api/check.py URL DATA-DIR API-C OPENAPI-JSON - the manager against
docs/openapi.json.

- Every route of lib/manager/api.c's table is in the document, and every operation
  of the document is a route.
- For every operation, real requests (valid ones, and a bad one of each
  kind the operation documents) get a documented status, and the body
  validates against the schema documented for that status.

Prints one "ok"/"FAIL" line per check and "N passed, N failed"."""
import json, re, ssl, sys, time, urllib.request, urllib.error

url, data, api_c, spec_path = sys.argv[1:5]
spec = json.load(open(spec_path))
npass = nfail = 0

def check(name, cond, detail=""):
    global npass, nfail
    if cond:
        npass += 1
        print("ok   " + name)
    else:
        nfail += 1
        print("FAIL " + name + ("\n     " + detail if detail else ""))

# --- the route table and the document list the same operations ---
routes = set()
for m, p in re.findall(r'\{ "(GET|POST|PUT|DELETE)", "(/api/v1/[^"]*)"', open(api_c).read()):
    routes.add((m.lower(), p[len("/api/v1"):]))
documented = set()
for p, ops in spec["paths"].items():
    for m in ops:
        documented.add((m, re.sub(r"\{[^}]*\}", "*", p)))
check("every route is documented", routes <= documented, str(routes - documented))
check("every documented operation is a route", documented <= routes, str(documented - routes))

# --- a small JSON Schema (the OpenAPI subset the document uses) ---
def resolve(s):
    while "$ref" in s:
        s = spec["components"]["schemas"][s["$ref"].split("/")[-1]]
    return s

def validate(v, s, where="$"):
    s = resolve(s)
    if "oneOf" in s:
        alts = [validate(v, x, where) for x in s["oneOf"]]
        return [] if any(not a for a in alts) else ["%s: none of oneOf: %s" % (where, "; ".join(a[0] for a in alts))]
    if v is None:
        return [] if s.get("nullable") else [where + ": null"]
    t = s.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t == "integer":
        if not isinstance(v, int) or isinstance(v, bool):
            return [where + ": not an integer"]
    elif t == "number":
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return [where + ": not a number"]
    elif t in types and not isinstance(v, types[t]):
        return ["%s: not %s" % (where, t)]
    errs = []
    if "enum" in s and v not in s["enum"]:
        errs.append("%s: %r not in %r" % (where, v, s["enum"]))
    if t == "object":
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r not in v:
                errs.append("%s: no %s" % (where, r))
        for k, x in v.items():
            if k in props:
                errs += validate(x, props[k], where + "." + k)
            elif isinstance(s.get("additionalProperties"), dict):
                errs += validate(x, s["additionalProperties"], where + "." + k)
            elif s.get("additionalProperties") is False:
                errs.append("%s: undocumented field %s" % (where, k))
    if t == "array":
        for i, x in enumerate(v):
            errs += validate(x, s.get("items", {}), "%s[%d]" % (where, i))
    return errs

ctx = ssl.create_default_context(cafile=data + "/tls.crt")
admin = open(data + "/admin.token").read().strip()

def call_headers_only(method, path, length, token):
    """A request whose body is not sent: the manager answers from the
    headers (Content-Length past the route's bound: 413) before reading a
    byte of it.  (Sent whole, the body races the manager's close: a
    client still sending then sees the connection end, not the answer.)"""
    import http.client
    from urllib.parse import urlsplit
    u = urlsplit(url)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
    conn.putrequest(method.upper(), "/api/v1" + path)
    conn.putheader("Content-Length", str(length))
    conn.putheader("Content-Type", "application/json")
    if token:
        conn.putheader("Authorization", "Bearer " + token)
    conn.endheaders()
    r = conn.getresponse()
    status, text = r.status, r.read()
    conn.close()
    return status, json.loads(text or b"null")

def call(method, path, body=None, token=admin, raw=None):
    if raw is not None and len(raw) > 65536:
        return call_headers_only(method, path, len(raw), token)
    req = urllib.request.Request(url + "/api/v1" + path, method=method.upper())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if raw is not None:
        req.data = raw
    elif body is not None:
        req.data = json.dumps(body).encode()
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def conform(name, method, tmpl, path, body=None, token=admin, raw=None, want=None):
    status, out = call(method, path, body, token, raw)
    op = spec["paths"][tmpl][method]
    doc = op["responses"].get(str(status))
    if want is not None and status != want:
        check(name, False, "HTTP %d, expected %d: %s" % (status, want, json.dumps(out)[:300]))
        return out
    if doc is None:
        check(name, False, "HTTP %d is not documented for %s %s: %s" % (status, method, tmpl, json.dumps(out)[:200]))
        return out
    errs = validate(out, doc["content"]["application/json"]["schema"])
    check(name + " (HTTP %d)" % status, not errs, "; ".join(errs[:5]))
    return out

inv = open(sys.argv[5]).read()
pol = open(sys.argv[6]).read()
conform("inventory push", "put", "/inventory/{source}", "/inventory/lab", {"document": inv, "filename": "inv.yaml"}, want=200)
out = conform("policy rules, before a first policy", "get", "/policy/rules", "/policy/rules", want=200)
check("no policy yet: revision 0, no rules (a state, not an error)", out.get("revision") == 0 and out.get("rules") == [], json.dumps(out)[:200])
conform("policy push", "post", "/policy", "/policy", {"document": pol}, want=201)
conform("policy push, a bad document", "post", "/policy", "/policy", {"document": "rules: [{id: x}]"}, want=400)
# the console's editor: a dry run checks and stores nothing
nrev = len(call("get", "/policy/revisions")[1])
conform("policy dry run, valid", "post", "/policy", "/policy", {"document": pol, "dry_run": True}, want=200)
out = conform("policy dry run, an error", "post", "/policy", "/policy",
              {"document": "default_action: allow\nrules:\n  - id: 7\n    action: allow\n    source: [group:nope]\n",
               "filename": "p.yaml", "dry_run": True}, want=400)
check("a dry run's error is located (line 5) and nothing is stored",
      any(e.get("line") == 5 for e in (out or {}).get("errors", [])) and len(call("get", "/policy/revisions")[1]) == nrev,
      json.dumps(out)[:300])
out = conform("policy rules", "get", "/policy/rules", "/policy/rules", want=200)
check("policy rules: groups with selectors, rules by category with their lines",
      isinstance(out, dict) and any(g.get("match") for g in out["groups"]) and
      all(isinstance(r["line"], int) and r["line"] > 0 for r in out["rules"]) and len(out["rules"]) > 0, json.dumps(out)[:300])
conform("inventory push, a bad source name", "put", "/inventory/{source}", "/inventory/a%20b", {"document": inv}, want=400)
# ".." as a name: made, it could never be removed (clients fold it away)
conform("inventory push, a source named ..", "put", "/inventory/{source}", "/inventory/..", {"document": inv}, want=400)
conform("source add, a source named ..", "post", "/sources", "/sources", {"name": "..", "kind": "libvirt", "uri": "test:///default"}, want=400)
conform("workloads", "get", "/workloads", "/workloads", want=200)
conform("tag add", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", {"tag": "x=1"}, want=200)
conform("tag add, unknown workload", "post", "/workloads/{name}/tags", "/workloads/nobody/tags", {"tag": "x"}, want=404)
conform("tag add, unknown field", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", {"tag": "x", "y": 1}, want=400)
conform("tag add, wrong type", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", {"tag": 1}, want=400)
conform("tag add, not JSON", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", raw=b"{", want=400)
conform("tag add, a huge body", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", raw=b" " * 100000, want=413)
conform("tag rm", "delete", "/workloads/{name}/tags", "/workloads/vdi-001/tags?tag=x%3D1", want=200)
conform("tag rm, no tag", "delete", "/workloads/{name}/tags", "/workloads/vdi-001/tags", want=400)
conform("policy show", "get", "/policy", "/policy", want=200)
conform("policy show, no such revision", "get", "/policy", "/policy?revision=99", want=404)
conform("policy show, bad number", "get", "/policy", "/policy?revision=x", want=400)
conform("policy history", "get", "/policy/revisions", "/policy/revisions", want=200)
conform("policy diff", "get", "/policy/diff", "/policy/diff?from=1&to=1", want=200)
conform("policy diff without from", "get", "/policy/diff", "/policy/diff", want=400)
conform("rollback", "post", "/policy/rollback", "/policy/rollback", {"revision": 1}, want=201)
conform("rollback, no such revision", "post", "/policy/rollback", "/policy/rollback", {"revision": 99}, want=404)
conform("groups", "get", "/groups", "/groups", want=200)
conform("explain", "get", "/explain", "/explain?from=vdi-001&to=broker-01&port=443", want=200)
conform("explain, no port", "get", "/explain", "/explain?from=vdi-001&to=broker-01", want=400)
conform("explain, unknown parameter", "get", "/explain", "/explain?from=a&to=b&colour=1", want=400)
for q, fld in [("from=nobody&to=broker-01&port=443", "from"), ("from=vdi-001&to=broker-01&proto=sctp&port=1", "proto"),
               ("from=vdi-001&to=broker-01&port=99999", "port"), ("from=vdi-001&port=443", "to")]:
    st, out = call("get", "/explain?" + q)
    check("explain ?%s: 400 naming %s" % (q, fld), st == 400 and out.get("field") == fld, "HTTP %d %s" % (st, out))
tok = conform("agent token", "post", "/agent-tokens", "/agent-tokens", {"host": "hv1"}, want=201)
conform("agent token, both host and workload", "post", "/agent-tokens", "/agent-tokens", {"host": "a", "workload": "b"}, want=400)
viewer = conform("API token", "post", "/tokens", "/tokens", {"role": "viewer", "name": "v"}, want=201)
conform("API token, bad role", "post", "/tokens", "/tokens", {"role": "root", "name": "v"}, want=400)
conform("a viewer's write", "post", "/workloads/{name}/tags", "/workloads/vdi-001/tags", {"tag": "x"}, token=viewer["token"], want=403)
cred = conform("enroll", "post", "/enroll", "/enroll", {"token": tok["token"]}, token=None, want=201)
conform("enroll again", "post", "/enroll", "/enroll", {"token": tok["token"]}, token=None, want=401)
agent = cred["credential"]
conform("changes, snapshot", "get", "/agent/changes", "/agent/changes?snapshot=1", token=agent, want=200)
seq = call("get", "/agent/changes?snapshot=1", token=agent)[1]["seq"]
conform("changes, long-poll that times out", "get", "/agent/changes", "/agent/changes?since=%d&wait=1" % seq, token=agent, want=200)
conform("changes, another host", "get", "/agent/changes", "/agent/changes?host=hv2", token=agent, want=403)
conform("heartbeat", "post", "/agent/heartbeat", "/agent/heartbeat", {"applied_revision": 1, "applied_seq": seq, "status": {}}, token=agent, want=200)
conform("heartbeat, missing field", "post", "/agent/heartbeat", "/agent/heartbeat", {"applied_seq": 1}, token=agent, want=400)
ev = {"seq": 1, "time": "2026-11-26T12:00:00Z", "type": "agent-started", "message": "m", "workload": "vdi-001"}
conform("agent events", "post", "/agent/events", "/agent/events", {"events": [ev]}, token=agent, want=200)
# flow records: a call taken, sent again, refused naming its field; read back, summed
now_min = int(time.time()) // 60 * 60000
fr = {"minute": now_min - 60000, "vnic": "vnet2", "seen_at": "source", "source": {"workload": "vdi-001", "ip": "10.1.0.21"},
      "destination": {"workload": None, "ip": "192.0.2.7"}, "protocol": "tcp", "port": 443, "verdict": "allowed",
      "rule": {"id": 1, "name": None, "category": "application"}, "staged_rule": None, "connections": 2, "bytes_out": 10,
      "bytes_in": 20, "packets_out": 1, "packets_in": 2, "source_tags": ["vdi"], "destination_tags": [], "source_groups": [],
      "destination_groups": []}
out = conform("agent flows", "post", "/agent/flows", "/agent/flows", {"batches": [{"seq": 1, "records": [fr]}]}, token=agent, want=200)
check("agent flows: stored", out == {"acked": 1, "stored": 1}, str(out))
out = conform("agent flows again", "post", "/agent/flows", "/agent/flows", {"batches": [{"seq": 1, "records": [fr]}]}, token=agent, want=200)
check("agent flows again: not stored again", out == {"acked": 1, "stored": 0}, str(out))
out = conform("agent flows, bad port", "post", "/agent/flows", "/agent/flows", {"batches": [{"seq": 2, "records": [dict(fr, port=0)]}]}, token=agent, want=400)
check("agent flows, bad port: named", out.get("field") == "batches[0].records[0].port", str(out))
conform("agent flows, a viewer", "post", "/agent/flows", "/agent/flows", {"batches": []}, token=viewer["token"], want=403)
out = conform("flows", "get", "/flows", "/flows?workload=vdi-001", want=200)
check("flows: the record, with its host", len(out["flows"]) == 1 and out["flows"][0]["host"] == "hv1", str(out)[:300])
for by in ("pair", "port", "rule", "workload"):
    conform("flows, top by " + by, "get", "/flows", "/flows?top=5&by=" + by, want=200)
conform("flows, bad limit", "get", "/flows", "/flows?limit=1001", want=400)
# a draft that drops everything: a flow between two workloads changes,
# the first record's (neither end managed: nobody checks it) does not
mr = dict(fr, source={"workload": "vdi-001", "ip": "10.0.1.1"}, destination={"workload": "broker-01", "ip": "10.0.9.10"})
conform("agent flows, between workloads", "post", "/agent/flows", "/agent/flows", {"batches": [{"seq": 3, "records": [mr]}]}, token=agent, want=200)
out = conform("policy impact", "post", "/policy/impact", "/policy/impact",
              {"policy": "default_action: drop\nrules: []\n", "since": 0}, want=200)
check("policy impact: the flow between workloads denied by the draft, the other unchanged",
      len(out["changed"]) == 1 and out["changed"][0]["destination"]["ip"] == "10.0.9.10" and
      out["changed"][0]["after"] == {"verdict": "drop", "rule": None} and out["unchanged"] == 1, str(out)[:400])
nrev = len(call("get", "/policy/revisions")[1])
out = conform("policy recommend", "post", "/policy/recommend", "/policy/recommend", {"group": "vdi", "days": 1}, want=200)
check("policy recommend: the flows of vdi's members, staged rules ending with vdi's default drop, nothing stored",
      out and out["flows"] == 2 and out["rules"][-1].get("applied_to") == ["group:vdi"] and
      out["document"].count("mode: staged") >= len(out["rules"]) and
      len(call("get", "/policy/revisions")[1]) == nrev,
      json.dumps({k: (out or {}).get(k) for k in ("flows", "rules", "groups")})[:600])
conform("policy recommend, no such group", "post", "/policy/recommend", "/policy/recommend", {"group": "nope"}, want=404)
conform("policy recommend, bad days", "post", "/policy/recommend", "/policy/recommend", {"group": "vdi", "days": 0}, want=400)
conform("policy recommend, an unknown field", "post", "/policy/recommend", "/policy/recommend", {"group": "vdi", "x": 1}, want=400)
out = conform("policy promote, a rule the policy lacks", "post", "/policy/promote", "/policy/promote", {"rules": [987654]}, want=400)
check("policy promote: the id is named", "987654" in json.dumps(out), json.dumps(out)[:300])
conform("policy promote, no staged rule", "post", "/policy/promote", "/policy/promote", {"rules": [1001]}, want=409)
conform("policy promote, a bad id", "post", "/policy/promote", "/policy/promote", {"rules": ["x"]}, want=400)
conform("policy promote, a viewer", "post", "/policy/promote", "/policy/promote", {"rules": [1001]}, token=viewer["token"], want=403)
conform("policy impact, a draft with an error", "post", "/policy/impact", "/policy/impact",
        {"policy": "rules: [{id: x}]"}, want=400)
conform("policy impact, a bad since", "post", "/policy/impact", "/policy/impact",
        {"policy": "rules: []", "since": "noon"}, want=400)
conform("agent events, another host's workload", "post", "/agent/events", "/agent/events",
        {"events": [dict(ev, workload="broker-01")]}, token=agent, want=403)
conform("agent events, bad time", "post", "/agent/events", "/agent/events", {"events": [dict(ev, time="noon")]}, token=agent, want=400)
conform("agent events, a type the manager writes", "post", "/agent/events", "/agent/events",
        {"events": [dict(ev, type="audit")]}, token=agent, want=403)
conform("agent events, a detection from a host's agent", "post", "/agent/events", "/agent/events",
        {"events": [dict(ev, type="detection")]}, token=agent, want=403)
# the quarantine loop, with vdi-001's scanning agent: a detection tags the
# workload, a clean full scan the manager asked for releases it
wtok = call("post", "/agent-tokens", {"workload": "vdi-001"})[1]["token"]
scanner = call("post", "/enroll", {"token": wtok}, token=None)[1]["credential"]
conform("changes, a scanning agent's snapshot", "get", "/agent/changes", "/agent/changes?snapshot=1", token=scanner, want=200)
det = dict(ev, seq=10, type="detection", message="found", data={"file": "/home/u/eicar.com",
           "signature": "Cordon.Test.EICAR", "action": "quarantine_file", "remediated": True})
conform("a detection", "post", "/agent/events", "/agent/events", {"events": [det]}, token=scanner, want=200)
w = {x["name"]: x for x in call("get", "/workloads")[1]}
check("a detection quarantines the workload", w["vdi-001"]["quarantined"], json.dumps(w["vdi-001"]))
release = call("post", "/workloads/vdi-001/release")
call("post", "/agent/events", {"events": [det]}, token=scanner)
w = {x["name"]: x for x in call("get", "/workloads")[1]}
check("a detection sent again is not acted on again", not w["vdi-001"]["quarantined"], json.dumps(w["vdi-001"]))
call("post", "/agent/events", {"events": [dict(det, seq=11)]}, token=scanner)
fin = dict(ev, seq=12, type="scan-finished", message="done", data={"scan": 0, "full": True, "infected": 0, "files": 3})
call("post", "/agent/events", {"events": [fin]}, token=scanner)
w = {x["name"]: x for x in call("get", "/workloads")[1]}
check("a clean full scan nobody asked for does not release it", w["vdi-001"]["quarantined"], json.dumps(w["vdi-001"]))
sid = call("post", "/workloads/vdi-001/scan", {"kind": "full"})[1]["id"]
conform("agent events, another workload's scan", "post", "/agent/events", "/agent/events",
        {"events": [dict(fin, seq=13, data=dict(fin["data"], scan=sid + 1000))]}, token=scanner, want=403)
call("post", "/agent/events", {"events": [dict(fin, seq=14, data=dict(fin["data"], scan=sid))]}, token=scanner)
w = {x["name"]: x for x in call("get", "/workloads")[1]}
check("a clean full scan the manager asked for releases it", not w["vdi-001"]["quarantined"], json.dumps(w["vdi-001"]))
conform("an agent reading workloads", "get", "/workloads", "/workloads", token=agent, want=403)
# tokens listed (never a secret) and revoked, audited
lst = conform("token list", "get", "/tokens", "/tokens", want=200)
check("the list holds no secret", viewer["token"] not in json.dumps(lst) and admin not in json.dumps(lst))
conform("token list, by a viewer", "get", "/tokens", "/tokens", token=viewer["token"], want=403)
conform("token revoke", "delete", "/tokens/{name}", "/tokens/v", want=200)
check("a revoked token is refused", call("get", "/workloads", token=viewer["token"])[0] == 401)
conform("token revoke, none", "delete", "/tokens/{name}", "/tokens/v", want=404)
conform("token revoke, the last admin", "delete", "/tokens/{name}", "/tokens/admin", want=409)
conform("agent token list", "get", "/agent-tokens", "/agent-tokens", want=200)
spare = call("post", "/enroll", {"token": call("post", "/agent-tokens", {"host": "hv2"})[1]["token"]}, token=None)[1]["credential"]
check("a second agent works", call("get", "/agent/changes?snapshot=1&host=hv2", token=spare)[0] == 200)
conform("agent credential revoke", "delete", "/agent-tokens/{name}", "/agent-tokens/host:hv2", want=200)
check("a revoked agent is refused", call("get", "/agent/changes?snapshot=1&host=hv2", token=spare)[0] == 401)
check("the other agent is not", call("get", "/agent/changes?snapshot=1", token=agent)[0] == 200)
check("revocations are audited", sum("revoked" in e["message"] for e in call("get", "/events?type=audit")[1]) == 2)
conform("agents", "get", "/agents", "/agents", want=200)
# metrics: an agent's samples of its host's workload and of the host, read back
import time as _t
now = int(_t.time() * 1000) // 20000 * 20000
cat = conform("metrics catalog", "get", "/metrics/catalog", "/metrics/catalog", want=200)
check("the catalog has the contract's metrics", {"vm_cpu_ready_ratio", "vm_disk_read_latency_seconds", "datastore_free_bytes"}
      <= {m["name"] for m in cat}, json.dumps(cat)[:200])
samples = [{"kind": "vm", "name": "vdi-001", "t": now - 60000 + i * 20000,
            "metrics": {"vm_cpu_seconds_total": 100 + i * 5.0, "vm_vcpus": 2, "vm_memory_used_bytes": 1e9}} for i in range(3)]
samples.append({"kind": "host", "name": "hv1", "t": now, "metrics": {"host_memory_total_bytes": 64e9}})
res = conform("agent metrics", "post", "/agent/metrics", "/agent/metrics", {"samples": samples}, token=agent, want=200)
check("agent metrics: 10 accepted", res.get("accepted") == 10 and res.get("refused") == 0, json.dumps(res))
res = conform("agent metrics sent again", "post", "/agent/metrics", "/agent/metrics", {"samples": samples}, token=agent, want=200)
check("agent metrics sent again: duplicates, nothing stored twice", res.get("accepted") == 0 and res.get("duplicates") == 10, json.dumps(res))
other = [{"kind": "vm", "name": "broker-01", "t": now, "metrics": {"vm_vcpus": 2}},
         {"kind": "host", "name": "hv2", "t": now, "metrics": {"host_cpus": 8}},
         {"kind": "vm", "name": "vdi-001", "t": now + 20000, "metrics": {"evil_metric": 1}},
         {"kind": "vm", "name": "vdi-001", "t": now - 30 * 86400000, "metrics": {"vm_vcpus": 2}}]
res = conform("agent metrics of another host's objects", "post", "/agent/metrics", "/agent/metrics", {"samples": other}, token=agent, want=200)
check("another host's workload, another host, an unknown metric and a time a month ago are refused",
      res.get("accepted") == 0 and res.get("refused") == 4, json.dumps(res))
conform("agent metrics, not numbers", "post", "/agent/metrics", "/agent/metrics",
        {"samples": [dict(samples[0], metrics={"vm_vcpus": "two"})]}, token=agent, want=400)
conform("agent metrics, by an API token", "post", "/agent/metrics", "/agent/metrics", {"samples": samples}, want=403)
mixed = [{"kind": "vm", "name": "vdi-001", "t": now + 10000, "metrics": {"vm_memory_used_bytes": 2e9}},
         {"kind": "vm", "name": "vdi-001", "t": now + 10000, "metrics": {"vm_vcpus": "two"}},
         {"kind": "host", "name": "hv1", "t": now - 120000, "metrics": {"host_cpus": 8}}]
res = conform("agent metrics, one entry of three damaged", "post", "/agent/metrics", "/agent/metrics", {"samples": mixed}, token=agent, want=200)
check("a damaged entry is refused by its index, the others taken", res.get("accepted") == 2 and res.get("refused") == 1 and
      [m.get("index") for m in res.get("malformed", [])] == [1], json.dumps(res))
objs = conform("metrics objects", "get", "/metrics/objects", "/metrics/objects", want=200)
check("the objects with samples", sorted((o["kind"], o["name"]) for o in objs) == [("host", "hv1"), ("vm", "vdi-001")], json.dumps(objs))
conform("metrics objects, bad kind", "get", "/metrics/objects", "/metrics/objects?kind=cluster", want=400)
rs = conform("rightsize", "get", "/rightsize", "/rightsize?range=30d", want=200)
v = {x["name"]: x for x in rs.get("vms", [])}.get("vdi-001", {})
check("rightsize: vdi-001, a minute of samples, is not enough data; its memory (a resident set) not assessed",
      v.get("verdict") == "not_enough_data" and v.get("memory", {}).get("status") == "not_assessed", json.dumps(rs)[:300])
conform("rightsize, a range under a day", "get", "/rightsize", "/rightsize?range=1h", want=400)
rc = conform("reclaim", "get", "/reclaim", "/reclaim?idle_days=7&off_days=30", want=200)
check("reclaim: nothing idle nor off, no libvirt source", rc.get("idle") == [] and rc.get("powered_off") == [] and
      rc.get("images") == [] and rc.get("sources") == [], json.dumps(rc)[:300])
conform("reclaim, idle_days 0", "get", "/reclaim", "/reclaim?idle_days=0", want=400)
q = {"objects": [{"kind": "vm", "name": "vdi-001"}], "metrics": ["vm_cpu_usage_ratio", "vm_memory_used_bytes"],
     "begin": now - 60000, "end": now, "step_seconds": 20}
ans = conform("metrics query", "post", "/metrics/query", "/metrics/query", q, want=200)
pts = {s["metric"]: s["points"] for s in ans.get("series", [])}
check("the CPU ratio is the counter's rate over the vCPUs: 5 s in 20 s on 2 vCPUs",
      [round(p[1], 6) for p in pts.get("vm_cpu_usage_ratio", [])] == [0.125, 0.125] and len(pts.get("vm_memory_used_bytes", [])) == 3, json.dumps(ans))
band = conform("metrics band (a minute of samples: learning)", "get", "/metrics/band",
               "/metrics/band?kind=vm&name=vdi-001&metric=vm_cpu_usage_ratio&begin=%d&end=%d" % (now - 86400000, now), want=200)
check("a band of a VM with a minute of history: learning, no points", band.get("state") == "learning" and band.get("points") == [], json.dumps(band)[:300])
conform("metrics band, a state's code", "get", "/metrics/band", "/metrics/band?kind=vm&name=vdi-001&metric=vm_power_state", want=400)
conform("metrics band, too many points", "get", "/metrics/band", "/metrics/band?kind=vm&name=vdi-001&metric=vm_cpu_usage_ratio&begin=0&step_seconds=60", want=400)
conform("metrics query, unknown metric", "post", "/metrics/query", "/metrics/query", dict(q, metrics=["vm_fun_ratio"]), want=400)
conform("metrics query, bad rollup", "post", "/metrics/query", "/metrics/query", dict(q, rollup="median"), want=400)
conform("metrics query, too many points", "post", "/metrics/query", "/metrics/query", dict(q, begin=0, step_seconds=1), want=400)
conform("metrics query, bad object", "post", "/metrics/query", "/metrics/query", dict(q, objects=[{"kind": "cluster", "name": "x"}]), want=400)
st, out = call("post", "/metrics/query", dict(q, objects=[{"kind": "vm", "name": "vdi-001"}, {"kind": "vm", "name": "VDI-001"}]))
check("metrics query, an object twice (in another case): 400 naming objects", st == 400 and out.get("field") == "objects" and "objects[0]" in out.get("error", ""), "%d %s" % (st, out))
st, out = call("post", "/metrics/query", dict(q, objects=[{"kind": "vm", "name": "vm-%03d" % i} for i in range(200)]))
check("metrics query of 200 distinct objects: 200 (none taken for another)", st == 200 and len(out.get("series", [])) == 400, "%d %s" % (st, str(out)[:200]))
st, out = call("post", "/metrics/query", dict(q, metrics=["vm_cpu_usage_ratio", "vm_cpu_usage_ratio"]))
check("metrics query, a metric twice: 400 naming metrics", st == 400 and out.get("field") == "metrics", "%d %s" % (st, out))
# an agent's names are the inventory's, its pools its own, its series counted
res = call("post", "/agent/metrics", {"samples": [
    {"kind": "host", "name": "HV1", "t": now + 20000, "metrics": {"host_memory_total_bytes": 64e9}},
    {"kind": "vm", "name": "VDI-001", "t": now + 20000, "metrics": {"vm_vcpus": 2}},
    {"kind": "datastore", "name": "pool-a", "t": now, "metrics": {"datastore_capacity_bytes": 1e12}}]}, token=agent)[1]
names = sorted((o["kind"], o["name"]) for o in call("get", "/metrics/objects")[1])
check("a host and a VM named in another case are the inventory's objects, not new ones",
      res.get("accepted") == 3 and names == [("datastore", "lab/pool-a"), ("host", "hv1"), ("vm", "vdi-001")],
      "%s %s" % (res, names))
hv2 = call("post", "/enroll", {"token": call("post", "/agent-tokens", {"host": "hv2"})[1]["token"]}, token=None)[1]["credential"]
res = call("post", "/agent/metrics", {"samples": [
    {"kind": "datastore", "name": "pool-a", "t": now + 20000, "metrics": {"datastore_used_bytes": 99e10}}]}, token=hv2)[1]
check("another host's pool (one static source, two hosts) is refused", res.get("refused") == 1 and
      "another host's pool" in json.dumps(res.get("errors")), json.dumps(res))
pools = [{"kind": "datastore", "name": "made-up-%d" % i, "t": now, "metrics": {"datastore_capacity_bytes": 1}} for i in range(60)]
res = call("post", "/agent/metrics", {"samples": pools}, token=agent)[1]
check("an agent's series stop at its limit (--series-per-host 40: 6 made, 34 more)",
      res.get("accepted") == 34 and res.get("refused") == 26 and "as many series" in json.dumps(res.get("errors")), json.dumps(res)[:300])
res = call("post", "/agent/metrics", {"samples": [{"kind": "datastore", "name": "pool-b", "t": now, "metrics": {"datastore_capacity_bytes": 1}}]}, token=hv2)[1]
check("another host's agent is not held by that limit", res.get("accepted") == 1, json.dumps(res))
# series removed: the made-up pools' (admin only), which frees the agent's limit
op = call("post", "/tokens", {"role": "operator", "name": "op-rm"})[1]["token"]
conform("metrics removed, by an operator", "delete", "/metrics/objects", "/metrics/objects?kind=datastore&name=lab%2Fmade-up-0", token=op, want=403)
conform("metrics removed, bad kind", "delete", "/metrics/objects", "/metrics/objects?kind=cluster&name=x", want=400)
conform("metrics removed, no name", "delete", "/metrics/objects", "/metrics/objects?kind=vm", want=400)
conform("metrics removed, an object without metrics", "delete", "/metrics/objects", "/metrics/objects?kind=vm&name=nobody", want=404)
out = conform("metrics removed", "delete", "/metrics/objects", "/metrics/objects?kind=datastore&name=LAB%2Fmade-up-0", want=200)
check("an object's metrics removed (its name in another case): its one series", out.get("series") == 1 and out.get("name") == "LAB/made-up-0", json.dumps(out))
for i in range(1, 34):
    call("delete", "/metrics/objects?kind=datastore&name=lab%%2Fmade-up-%d" % i)
dso = conform("metrics objects: datastores", "get", "/metrics/objects", "/metrics/objects?kind=datastore", want=200)
check("a datastore's days until full, by the alerts' rule: null with one sample (cannot be told)",
      dso and all("days_left" in o and o["days_left"] is None for o in dso), json.dumps(dso)[:300])
left = sorted(o["name"] for o in call("get", "/metrics/objects?kind=datastore")[1])
check("the removed objects are no more", left == ["lab/pool-a", "lab/pool-b"], json.dumps(left))
check("removed twice: 404", call("delete", "/metrics/objects?kind=datastore&name=lab%2Fmade-up-0")[0] == 404)
res = call("post", "/agent/metrics", {"samples": pools[34:]}, token=agent)[1]
check("the agent's limit counts its series removed no more: 26 new ones taken, then the limit again",
      res.get("accepted") == 26 and res.get("refused") == 0, json.dumps(res)[:300])
res = call("post", "/agent/metrics", {"samples": pools[:10]}, token=agent)[1]
check("... 8 more taken, 2 refused at the limit", res.get("accepted") == 8 and res.get("refused") == 2, json.dumps(res)[:300])
st, ev = call("get", "/events?type=metrics-removed")
check("each removal is audited: who, what, how many series", st == 200 and len(ev) == 34 and
      ev[0].get("data", {}).get("series") == 1 and ev[0].get("actor"), json.dumps(ev[:1]))
req = urllib.request.Request(url + "/metrics")
req.add_header("Authorization", "Bearer " + admin)
with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
    text = r.read().decode()
    ctype = r.headers.get("Content-Type")
check("GET /metrics: OpenMetrics with the latest values, # EOF last",
      ctype.startswith("application/openmetrics-text") and text.endswith("# EOF\n") and
      'vm_cpu_seconds_total{source="lab",vm="vdi-001"} 110' in text and "# TYPE vm_cpu_seconds counter" in text, text[:600])
# the strict OpenMetrics parser of Debian's python3-prometheus-client
from prometheus_client.openmetrics.parser import text_string_to_metric_families
try:
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    nohelp = sorted(n for n, f in fams.items() if not f.documentation)
    check("GET /metrics parses as OpenMetrics: every family has its help, and its unit where its name ends with one",
          not nohelp and fams.get("vm_cpu_seconds") and fams["vm_cpu_seconds"].unit == "seconds" and
          fams.get("vm_memory_used_bytes") and fams["vm_memory_used_bytes"].unit == "bytes" and
          fams.get("vm_vcpus") and fams["vm_vcpus"].unit == "", "no help: %s; %s" % (nohelp, text[:400]))
except Exception as e:
    check("GET /metrics parses as OpenMetrics", False, "%s: %s" % (e, text[:400]))
req = urllib.request.Request(url + "/metrics")
try:
    urllib.request.urlopen(req, context=ctx, timeout=30)
    check("GET /metrics without a token: 401", False)
except urllib.error.HTTPError as e:
    check("GET /metrics without a token: 401", e.code == 401)
# list views: the built-in ones, one saved, its rows as JSON and CSV,
# errors naming their field, a built-in not removable
lst = conform("views", "get", "/views", "/views", want=200)
check("the built-in views are listed", {"vms", "vms-by-contention", "datastores-by-days-left"} <= {v["name"] for v in lst}, json.dumps(lst)[:300])
conform("a built-in view", "get", "/views/{name}", "/views/vms-by-contention", want=200)
conform("no such view", "get", "/views/{name}", "/views/nope", want=404)
mine = {"name": "gold", "kind": "vm", "filter": 'tag == "tier=gold" or name =~ "vdi-*"', "range": "2h",
        "columns": [{"property": "name"}, {"title": "Mem", "metric": "vm_memory_used_bytes", "transform": "max", "unit": "GiB"}],
        "sort": {"column": "Mem", "order": "desc"}}
out = conform("view save", "post", "/views", "/views", mine, want=200)
check("a saved view's first revision is 1", out.get("rev") == 1, json.dumps(out))
out = conform("view save, a bad transform", "post", "/views", "/views", dict(mine, columns=[{"metric": "vm_vcpus", "transform": "p99"}]), want=400)
check("a bad view names its field", out.get("field") == "columns[0].transform", json.dumps(out))
out = conform("view save, a filter naming no field", "post", "/views", "/views", dict(mine, filter="colour == 1"), want=400)
check("a bad filter is located", "filter:1:" in out.get("error", ""), json.dumps(out))
vtok = call("post", "/tokens", {"role": "viewer", "name": "views-viewer"})[1]["token"]
conform("view save, a viewer", "post", "/views", "/views", mine, token=vtok, want=403)
conform("view rows, a viewer", "get", "/views/{name}/rows", "/views/gold/rows?range=1h", token=vtok, want=200)
conform("view save, not JSON", "post", "/views", "/views", raw=b"{", want=400)
conform("view save again", "post", "/views", "/views", dict(mine, title="Gold VMs"), want=200)
revs = conform("view revisions", "get", "/views/{name}/revisions", "/views/gold/revisions", want=200)
check("two revisions, oldest first", [r["rev"] for r in revs] == [1, 2], json.dumps(revs)[:300])
rows = conform("view rows", "get", "/views/{name}/rows", "/views/gold/rows?range=1h", want=200)
check("rows: the step of a range of an hour is a minute", rows.get("step") == "1m" and rows.get("columns", [{}])[1].get("unit") == "GiB", json.dumps(rows)[:300])
conform("view rows, a bad range", "get", "/views/{name}/rows", "/views/gold/rows?range=3y", want=400)
conform("view rows, range and begin", "get", "/views/{name}/rows", "/views/gold/rows?range=1h&begin=1", want=400)
conform("view rows, a column past the view's", "get", "/views/{name}/rows", "/views/gold/rows?sort=5", want=400)
conform("view rows, no such view", "get", "/views/{name}/rows", "/views/nope/rows", want=404)
req = urllib.request.Request(url + "/api/v1/views/gold/rows?begin=1764547200000&end=1764550800000&format=csv",
                             headers={"Authorization": "Bearer " + admin})
with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
    ctype, csv1 = r.headers.get("Content-Type", ""), r.read()
with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
    csv2 = r.read()
check("view rows as CSV: text/csv, the header with its units, the same bytes twice",
      ctype.startswith("text/csv") and csv1.startswith(b"name,Mem (GiB)\r\n") and csv1 == csv2, "%s %r" % (ctype, csv1[:200]))
conform("view remove, a built-in", "delete", "/views/{name}", "/views/vms", want=409)
conform("view remove", "delete", "/views/{name}", "/views/gold", want=200)
conform("view remove, gone", "delete", "/views/{name}", "/views/gold", want=404)
# reports: the built-in ones, one saved (two revisions), refused with its
# field named, its PDF and a section's CSV (the same bytes twice), run to
# a directory and recorded, a built-in not removable
lst = conform("reports", "get", "/reports", "/reports", want=200)
check("the built-in reports are listed", {"weekly-capacity", "monthly-security"} <= {r["name"] for r in lst}, json.dumps(lst)[:300])
conform("a built-in report", "get", "/reports/{name}", "/reports/monthly-security", want=200)
conform("no such report", "get", "/reports/{name}", "/reports/nope", want=404)
import os
os.makedirs(data + "/reports-out", exist_ok=True)
rep = {"name": "sec", "title": "Security", "range": "1d", "timezone": "Europe/Paris",
       "sections": [{"detections": {}}, {"quarantines": {}}, {"unmatched_rules": {}}], "formats": ["csv"],
       "deliver": [{"directory": data + "/reports-out"}]}
conform("report save", "post", "/reports", "/reports", rep, want=200)
out = conform("report save, a bad chart metric", "post", "/reports", "/reports", dict(rep, sections=[{"chart": {"metric": "nope"}}]), want=400)
check("report save, a bad chart metric: the field named", out.get("field") == "sections[0].chart.metric", str(out))
conform("report save, a viewer", "post", "/reports", "/reports", rep, token=vtok, want=403)
# a destination names files the manager reads (a token, a password): an
# operator saves none, and reads a webhook's URL without its path
otok = call("post", "/tokens", {"role": "operator", "name": "reports-operator"})[1]["token"]
conform("report save, an operator", "post", "/reports", "/reports",
        dict(rep, name="steal", deliver=[{"webhook": "https://127.0.0.1:9/x", "token_file": data + "/admin.token"}]),
        token=otok, want=403)
out = conform("report save, a token over http", "post", "/reports", "/reports",
              dict(rep, name="hook", deliver=[{"webhook": "http://127.0.0.1:9/x", "token_file": "/etc/hostname"}]), want=400)
check("a webhook token over http refused, its field named", out.get("field") == "deliver[0].token_file", str(out))
conform("report save, a webhook", "post", "/reports", "/reports",
        dict(rep, name="hook", deliver=[{"webhook": "https://127.0.0.1:9/hooks/SECRET?key=SECRET2"}]), want=200)
got = conform("a report read by an operator", "get", "/reports/{name}", "/reports/hook", token=otok, want=200)
check("an operator reads a webhook's scheme and host, not its path", "SECRET" not in json.dumps(got) and
      got["deliver"][0]["webhook"].startswith("https://127.0.0.1:9/"), json.dumps(got)[:300])
got = conform("a report read by an admin", "get", "/reports/{name}", "/reports/hook", want=200)
check("an admin reads it whole, and pushes it back as it is", "SECRET2" in json.dumps(got) and
      call("post", "/reports", got)[0] == 200, json.dumps(got)[:300])
conform("report remove, an operator", "delete", "/reports/{name}", "/reports/hook", token=otok, want=403)
conform("report remove", "delete", "/reports/{name}", "/reports/hook", want=200)
conform("report save, a built-in's name", "post", "/reports", "/reports", dict(rep, name="weekly-capacity"), want=200)
lst = [r for r in call("get", "/reports")[1] if r["name"] == "weekly-capacity"]
check("a saved report replaces the built-in of its name: listed once, saved", len(lst) == 1 and not lst[0]["builtin"], str(lst))
conform("report remove, the one replacing a built-in", "delete", "/reports/{name}", "/reports/weekly-capacity", want=200)
lst = [r for r in call("get", "/reports")[1] if r["name"] == "weekly-capacity"]
check("removed, the built-in is back", len(lst) == 1 and lst[0]["builtin"], str(lst))
conform("report save again", "post", "/reports", "/reports", dict(rep, title="Security (2)"), want=200)
revs = conform("report revisions", "get", "/reports/{name}/revisions", "/reports/sec/revisions", want=200)
check("a report's two revisions", [r["rev"] for r in revs] == [1, 2], json.dumps(revs)[:300])
got = []
for q in ["pdf?begin=1764547200000&end=1764633600000&generated=1764637200000"] * 2 + ["csv?section=1&range=1d&end=1764633600000"] * 2:
    req = urllib.request.Request(url + "/api/v1/reports/sec/" + q, headers={"Authorization": "Bearer " + admin})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        got.append((r.headers.get("Content-Type", ""), r.read()))
check("report PDF: application/pdf, the same bytes twice", got[0][0] == "application/pdf" and got[0][1][:5] == b"%PDF-" and
      got[0] == got[1], "%s %r" % (got[0][0], got[0][1][:20]))
check("report CSV: text/csv, the detections' header, the same bytes twice", got[2][0].startswith("text/csv") and
      got[2][1].startswith(b"Time,Workload,Signature,File,Action,Remediated\r\n") and got[2] == got[3], "%s %r" % got[2])
conform("report CSV, no such section", "get", "/reports/{name}/csv", "/reports/sec/csv?section=9", want=400)
conform("report PDF, a bad range", "get", "/reports/{name}/pdf", "/reports/sec/pdf?range=3y", want=400)
conform("report PDF, no such report", "get", "/reports/{name}/pdf", "/reports/nope/pdf", want=404)
conform("report run, a viewer", "post", "/reports/{name}/run", "/reports/sec/run", token=vtok, want=403)
out = conform("report run", "post", "/reports/{name}/run", "/reports/sec/run?range=1h", want=200)
check("report run: delivered to the directory", out.get("outcome") == "ok" and
      sorted(os.listdir(data + "/reports-out")) == sorted(f["name"] for f in out["files"]), json.dumps(out)[:400])
conform("report run, a built-in without destinations", "post", "/reports/{name}/run", "/reports/weekly-capacity/run", want=409)
runs = conform("report runs", "get", "/reports/{name}/runs", "/reports/sec/runs", want=200)
check("report runs: the run, by admin", len(runs) == 1 and runs[0]["trigger"] == "api" and runs[0]["actor"] == "admin", json.dumps(runs)[:300])
conform("report save, a calendar range", "post", "/reports", "/reports", dict(rep, range="previous_month"), want=200)
# (its run at 2026-03-01 06:00 in Paris)
conform("report run, the previous month", "post", "/reports/{name}/run", "/reports/sec/run?end=1772341200000", want=200)
runs = call("get", "/reports/sec/runs")[1]
check("report run, previous_month in Europe/Paris: 1 February to 1 March, midnight to midnight",
      runs[0]["begin"] == 1769900400000 and runs[0]["end"] == 1772319600000, json.dumps(runs[:1])[:300])
conform("report remove, a built-in", "delete", "/reports/{name}", "/reports/weekly-capacity", want=409)
conform("report remove", "delete", "/reports/{name}", "/reports/sec", want=200)
conform("report remove, gone", "delete", "/reports/{name}", "/reports/sec", want=404)
# alerts: vdi-003 came with the quarantine tag: the built-in malware-quarantined alert
import time
defs = conform("alert definitions", "get", "/alert-definitions", "/alert-definitions", want=200)
check("eleven built-in alert definitions", len([d for d in defs.get("definitions", []) if d["builtin"]]) == 11, json.dumps(defs)[:300])
bad = "definitions:\n  - name: x\n    object: vm\n    severity: warning\n    symptoms:\n      - metric: vm_fun_ratio\n        op: '>'\n        value: 1\n        wait_cycles: 0\n"
out = conform("alert definitions push, bad", "post", "/alert-definitions", "/alert-definitions", {"document": bad, "filename": "a.yaml"}, want=400)
msgs = [e.get("message", "") + "@%s:%s" % (e.get("line"), e.get("column")) for e in out.get("errors", [])]
check("bad alert definitions: every error located", any("vm_fun_ratio" in m and "@6:" in m for m in msgs) and any("wait_cycles" in m and "@9:" in m for m in msgs), json.dumps(out)[:400])
good = "definitions:\n  - name: vdi-quarantined\n    object: vm\n    severity: immediate\n    symptoms: [{state: quarantined}]\n    recommendations: [{text: scan it, action: scan}]\n"
conform("alert definitions push", "post", "/alert-definitions", "/alert-definitions", {"document": good}, want=201)
conform("alert definitions, a revision", "get", "/alert-definitions", "/alert-definitions?revision=1", want=200)
conform("alert definitions, no such revision", "get", "/alert-definitions", "/alert-definitions?revision=99", want=404)
conform("alert definitions revisions", "get", "/alert-definitions/revisions", "/alert-definitions/revisions", want=200)
conform("alert definitions diff", "get", "/alert-definitions/diff", "/alert-definitions/diff?from=1&to=1", want=200)
conform("alert definitions rollback", "post", "/alert-definitions/rollback", "/alert-definitions/rollback", {"revision": 1}, want=201)
conform("alert definitions rollback, no such revision", "post", "/alert-definitions/rollback", "/alert-definitions/rollback", {"revision": 99}, want=404)
active = []
for _ in range(100):
    active = [a for a in call("get", "/alerts?state=active&kind=vm&name=vdi-003")[1] if a["definition"] == "vdi-quarantined"]
    if active:
        break
    time.sleep(0.1)
check("an alert raised for a quarantined workload", len(active) == 1, json.dumps(call("get", "/alerts")[1])[:300])
conform("alerts", "get", "/alerts", "/alerts?state=active&severity=immediate", want=200)
conform("alerts, bad state", "get", "/alerts", "/alerts?state=asleep", want=400)
conform("alerts, bad severity", "get", "/alerts", "/alerts?severity=loud", want=400)
if active:
    aid = active[0]["id"]
    a = conform("an alert", "get", "/alerts/{id}", "/alerts/%d" % aid, want=200)
    check("the alert names its symptom, why, and where to look", a.get("symptoms") and a["symptoms"][0]["holds"] and
          "quarantine" in a["symptoms"][0].get("why", "") and a.get("drilldown"), json.dumps(a)[:400])
    a = conform("alert ack", "post", "/alerts/{id}/ack", "/alerts/%d/ack" % aid, want=200)
    check("the alert acknowledged by admin", a.get("acked_by") == "admin", json.dumps(a)[:300])
    conform("alert run, no such recommendation", "post", "/alerts/{id}/run", "/alerts/%d/run" % aid, {"recommendation": 5}, want=400)
    conform("alert run, scan", "post", "/alerts/{id}/run", "/alerts/%d/run" % aid, {"recommendation": 1}, want=200)
conform("an alert, none", "get", "/alerts/{id}", "/alerts/999", want=404)
conform("alert ack, none", "post", "/alerts/{id}/ack", "/alerts/999/ack", want=404)
conform("events search", "get", "/events", "/events?q=alert%20raised", want=200)
check("events search finds the alert's event, newest first",
      any("vdi-quarantined" in e["message"] for e in call("get", "/events?q=vdi-quarantined")[1]))
conform("events search, no word", "get", "/events", "/events?q=%20", want=400)
# Unicode separators inside a word (PostgreSQL's parser splits on them)
for q in ["vdi%E2%80%A8quarantined", "vdi%E3%80%80quarantined", "%E2%80%A8", "a%E3%80%80b*", "'%5C%E2%80%A8"]:
    st, out = call("get", "/events?q=" + q)
    check("events search q=%s: 200, not the database's error" % q, st == 200 and isinstance(out, list), "%d %s" % (st, out))
conform("quarantine release", "post", "/workloads/{name}/release", "/workloads/vdi-003/release", want=200)
conform("quarantine release, unknown workload", "post", "/workloads/{name}/release", "/workloads/nobody/release", want=404)
conform("sources", "get", "/sources", "/sources", want=200)
conform("source add, unknown kind", "post", "/sources", "/sources", {"name": "x", "kind": "xen"}, want=400)
conform("source add, libvirt without uri", "post", "/sources", "/sources", {"name": "x", "kind": "libvirt"}, want=400)
# a libvirt URI that would run a program as the manager's user (root)
import os
marker = data + "/ext-ran"
script = data + "/ext.sh"
open(script, "w").write("#!/bin/sh\ntouch %s\n" % marker)
os.chmod(script, 0o700)
for u in ["test+ext:///default?command=" + script, "qemu+ssh://h/system?command=" + script,
          "qemu+ssh://h/system?netcat=" + script]:
    st, b = call("post", "/sources", {"name": "x", "kind": "libvirt", "uri": u})
    check("source add refuses %s (400, field uri)" % u.split("?")[1].split("=")[0] + " " + u.split(":")[0],
          st == 400 and b.get("field") == "uri", "%d %s" % (st, b))
check("no program ran from a libvirt URI", not os.path.exists(marker))
conform("source add, vsphere over http", "post", "/sources", "/sources",
        {"name": "x", "kind": "vsphere", "url": "http://vc/sdk", "user": "u", "password": "p"}, want=400)
conform("source add, credentials in the URL", "post", "/sources", "/sources",
        {"name": "x", "kind": "vsphere", "url": "https://u:p@vc/sdk", "user": "u", "password": "p"}, want=400)
conform("source add, unreachable libvirt", "post", "/sources", "/sources",
        {"name": "x", "kind": "libvirt", "uri": "qemu+unix:///system?socket=/nonexistent/sock"}, want=400)
conform("source add, test driver", "post", "/sources", "/sources",
        {"name": "lvtest", "kind": "libvirt", "uri": "test:///default"}, want=201)
conform("source add, name taken", "post", "/sources", "/sources",
        {"name": "lvtest", "kind": "libvirt", "uri": "test:///default"}, want=409)
conform("source rm, a connected source", "delete", "/sources/{source}", "/sources/lvtest", want=200)
sc = conform("scan request", "post", "/workloads/{name}/scan", "/workloads/vdi-002/scan", {"kind": "full"}, want=201)
conform("scan request, bad kind", "post", "/workloads/{name}/scan", "/workloads/vdi-002/scan", {"kind": "deep"}, want=400)
conform("scan state", "get", "/scans/{id}", "/scans/%d" % sc["id"], want=200)
conform("scan state, none", "get", "/scans/{id}", "/scans/999", want=404)
conform("changes carry the scan request", "get", "/agent/changes", "/agent/changes?snapshot=1", token=agent, want=200)
conform("source rm, unknown", "delete", "/sources/{source}", "/sources/nothing", want=404)
conform("inventory push, a second source", "put", "/inventory/{source}", "/inventory/spare",
        {"document": "workloads:\n  - {name: spare-1, host: hv9}\n"}, want=200)
conform("source rm", "delete", "/sources/{source}", "/sources/spare", want=200)
conform("events", "get", "/events", "/events?type=audit&since=2020-01-01T00:00:00Z", want=200)
conform("events, bad since", "get", "/events", "/events?since=yesterday", want=400)
conform("events, a page too large", "get", "/events", "/events?limit=1001", want=400)
first = call("get", "/events?limit=3")[1][0]["id"]
conform("events, the page before", "get", "/events", "/events?limit=3&before=%d" % first, want=200)
check("the page before holds only older events",
      all(e["id"] < first for e in call("get", "/events?limit=3&before=%d" % first)[1]))
# an agent flooding the event log: 40 bodies of 1 MB (the issue saw 36 MB
# stored in 2.5 s); its rate lets through a burst of about 2 MB
import time
t2 = call("post", "/enroll", {"token": call("post", "/agent-tokens", {"host": "hv2"})[1]["token"]}, token=None)[1]["credential"]
# events of 64 kB: the rate refills less than one between two bodies, so
# that most bodies are refused whole (429)
big = {"seq": 0, "time": "2026-11-26T12:00:00Z", "type": "agent-started", "message": "x" * 4000, "workload": "broker-01",
       "data": {"pad": "y" * 60000}}
stored = refused = 0
retry_after = None
t0 = time.time()
for b in range(40):
    body = {"events": [dict(big, seq=b * 16 + i + 1) for i in range(16)]}
    req = urllib.request.Request(url + "/api/v1/agent/events", method="POST", data=json.dumps(body).encode())
    req.add_header("Authorization", "Bearer " + t2)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            stored += json.loads(r.read())["stored"]
    except urllib.error.HTTPError as e:
        if e.code == 429:
            refused += 1
            retry_after = e.headers.get("Retry-After")
            errs = validate(json.loads(e.read()), spec["paths"]["/agent/events"]["post"]["responses"]["429"]["content"]["application/json"]["schema"])
        else:
            raise
secs = time.time() - t0
# (a body is taken in part while the rate allows some of it, else 429)
check("a flooding agent: %.1f of 41 MB stored in %.1f s, %d bodies refused whole (429)" % (stored * 64000 / 1e6, secs, refused),
      stored * 64000 < 2100000 + 65536 * (secs + 1) and refused >= 20 and retry_after and int(retry_after) >= 1 and not errs,
      "stored %d events, refused %d, Retry-After %s" % (stored, refused, retry_after))
ag = [a for a in call("get", "/agents")[1] if a["name"] == "host:hv2"]
check("the excess is counted (events_refused)", ag and ag[0]["events_refused"] >= 20 * 16, json.dumps(ag))
# the console's users and sessions: a cookie, and for a change its CSRF value
def cookie_call(method, path, body=None, cookie=None, csrf=None, ctype="application/json", origin=None, raw=None):
    req = urllib.request.Request(url + "/api/v1" + path, method=method)
    if cookie:
        req.add_header("Cookie", cookie)
    if csrf:
        req.add_header("X-CSRF-Token", csrf)
    if origin:
        req.add_header("Origin", origin)
    if raw is not None or body is not None:
        req.data = raw if raw is not None else json.dumps(body).encode()
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers.get("Set-Cookie")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers.get("Set-Cookie")
import os, stat
pwfile = data + "/admin.password"
check("the admin's password file is 0600", os.path.exists(pwfile) and stat.S_IMODE(os.stat(pwfile).st_mode) == 0o600)
conform("user add", "post", "/users", "/users", {"name": "alice", "role": "operator", "password": "alice-password-1"}, want=201)
conform("user add, bad role", "post", "/users", "/users", {"name": "eve", "role": "god", "password": "eve-password-1"}, want=400)
conform("user add, short password", "post", "/users", "/users", {"name": "eve", "role": "viewer", "password": "short"}, want=400)
conform("users", "get", "/users", "/users", want=200)
# login CSRF: a form of another site posting text/plain, or anything
# from another origin, signs no one in
st, out, sc = cookie_call("POST", "/session", raw=b'{"user": "alice", "password": "alice-password-1"}', ctype="text/plain")
check("a sign-in that is not JSON (a cross-site form): 415, no cookie", st == 415 and not sc, "%d %s %s" % (st, out, sc))
st, out, sc = cookie_call("POST", "/session", {"user": "alice", "password": "alice-password-1"}, origin="https://evil.example")
check("a sign-in from another site's page (Origin): 403, no cookie", st == 403 and not sc, "%d %s %s" % (st, out, sc))
st, out, sc = cookie_call("POST", "/session", {"user": "alice", "password": "alice-password-1"}, origin=url)
check("a sign-in from this site's page (Origin the manager's): 201", st == 201 and sc, "%d %s" % (st, out))
st, out, sc = cookie_call("POST", "/session", {"user": "alice", "password": "alice-password-1"})
errs = validate(out, spec["components"]["schemas"]["Session"]) if st == 201 else ["HTTP %d %s" % (st, out)]
check("sign in: 201, a cookie HttpOnly, Secure, SameSite=Strict, and a CSRF value", st == 201 and not errs and sc and
      "HttpOnly" in sc and "Secure" in sc and "SameSite=Strict" in sc, "%s %s" % (errs, sc))
cookie = sc.split(";")[0] if sc else ""
csrf = out.get("csrf") if isinstance(out, dict) else None
st, out, _ = cookie_call("GET", "/session", cookie=cookie)
check("the cookie is alice, operator", st == 200 and out == {"name": "alice", "role": "operator", "session": True, "zone": None}, "%d %s" % (st, out))
# her time zone, kept with her
st, out, _ = cookie_call("PUT", "/session/zone", {"zone": "Asia/Tokyo"}, cookie=cookie, csrf=csrf)
st2, out2, _ = cookie_call("GET", "/session", cookie=cookie)
check("a user's zone kept: PUT /session/zone, then GET /session says it", st == 200 and out2.get("zone") == "Asia/Tokyo", "%d %s %s" % (st, out, out2))
bad = [cookie_call("PUT", "/session/zone", {"zone": z}, cookie=cookie, csrf=csrf) for z in ["Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Asia/Tokyo\n"]]
check("zones that are not tzdata's: 400 naming zone", all(b[0] == 400 and b[1].get("field") == "zone" for b in bad), str([b[:2] for b in bad]))
st, out = call("put", "/session/zone", {"zone": "UTC"})
check("a bearer token has no zone to keep: 400", st == 400, "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/workloads/vdi-002/tags", {"tag": "from-console"}, cookie=cookie)
check("a change with the cookie but no X-CSRF-Token: 403", st == 403, "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/workloads/vdi-002/tags", {"tag": "from-console"}, cookie=cookie, csrf="0" * 64)
check("a change with a wrong X-CSRF-Token: 403", st == 403, "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/workloads/vdi-002/tags", {"tag": "from-console"}, cookie=cookie, csrf=csrf)
check("a change with the cookie and its X-CSRF-Token: done", st == 200, "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/tokens", {"role": "viewer", "name": "x"}, cookie=cookie, csrf=csrf)
check("an operator's session may not make tokens: 403", st == 403, "%d %s" % (st, out))
st, out, sc = cookie_call("DELETE", "/session", cookie=cookie, csrf=csrf)
check("sign out: 200, the cookie cleared", st == 200 and sc and "Max-Age=0" in sc, "%d %s %s" % (st, out, sc))
st, out, _ = cookie_call("GET", "/session", cookie=cookie)
check("the cookie after sign-out: 401", st == 401, "%d %s" % (st, out))
# signing in with an API token: a session of its role, ended by the token's revocation
st, out = call("post", "/tokens", {"role": "viewer", "name": "kiosk"})
kiosk = out.get("token") if isinstance(out, dict) else None
st, out, sc = cookie_call("POST", "/session", {"token": kiosk or "x"})
check("sign in with an API token: 201 and a cookie", st == 201 and sc and "HttpOnly" in sc, "%d %s" % (st, out))
kcookie = sc.split(";")[0] if sc else ""
st, out, _ = cookie_call("GET", "/session", cookie=kcookie)
check("the token's session: token:kiosk, viewer", st == 200 and out.get("name") == "token:kiosk" and out.get("role") == "viewer", "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/session", {"token": kiosk or "x", "user": "alice"})
check("a token and a user at once: 400", st == 400, "%d %s" % (st, out))
st, out, _ = cookie_call("POST", "/session", {"token": "a" * 40})
check("a token that is not one: 401", st == 401, "%d %s" % (st, out))
call("delete", "/tokens/kiosk")
st, out, _ = cookie_call("GET", "/session", cookie=kcookie)
check("the token revoked: its session too (401)", st == 401, "%d %s" % (st, out))
# lost rights are not kept: a role change, a password change and a
# removal each end every session of the user, whatever its role
import time
def signin(user, pw):
    for _ in range(20):   # the sign-in limit is shared: wait its Retry-After
        st, out, sc = cookie_call("POST", "/session", {"user": user, "password": pw})
        if st != 429:
            break
        time.sleep(1)
    return st, (sc.split(";")[0] if sc else ""), (out.get("csrf") if isinstance(out, dict) else None)
conform("user add (mallory, admin)", "post", "/users", "/users", {"name": "mallory", "role": "admin", "password": "mallory-pass-1"}, want=201)
conform("user add with a name taken in another case: 409", "post", "/users", "/users", {"name": "MALLORY", "role": "viewer", "password": "other-pass-1"}, want=409)
st, mc, mcsrf = signin("mallory", "mallory-pass-1")
st2, out, _ = cookie_call("GET", "/session", cookie=mc)
check("mallory signs in as admin", st == 201 and st2 == 200 and out.get("role") == "admin", "%d %d %s" % (st, st2, out))
conform("user set: role viewer", "put", "/users/{name}", "/users/mallory", {"role": "viewer"}, want=200)
st, out, _ = cookie_call("GET", "/session", cookie=mc)
st2, out2, _ = cookie_call("POST", "/tokens", {"role": "admin", "name": "mallory-kept"}, cookie=mc, csrf=mcsrf)
check("a role change ends the user's sessions: the old admin session is 401, and makes no token", st == 401 and st2 == 401, "%d %s; %d %s" % (st, out, st2, out2))
st, mc, mcsrf = signin("mallory", "mallory-pass-1")
st2, out, _ = cookie_call("GET", "/session", cookie=mc)
check("signed in again: viewer", st == 201 and out.get("role") == "viewer", "%d %s" % (st, out))
conform("user set: password", "put", "/users/{name}", "/users/mallory", {"password": "mallory-pass-2"}, want=200)
st, out, _ = cookie_call("GET", "/session", cookie=mc)
check("a password change ends the user's sessions (401)", st == 401, "%d %s" % (st, out))
st, _, _ = signin("mallory", "mallory-pass-1")
check("the old password is refused", st == 401, "%d" % st)
st, mc, mcsrf = signin("mallory", "mallory-pass-2")
conform("user rm (mallory)", "delete", "/users/{name}", "/users/mallory", want=200)
st, out, _ = cookie_call("GET", "/session", cookie=mc)
st2, out2, _ = cookie_call("POST", "/users", {"name": "mallory2", "role": "admin", "password": "mallory-pass-3"}, cookie=mc, csrf=mcsrf)
check("a removal ends the user's sessions: 401, and no user made", st == 401 and st2 == 401 and
      not [u for u in call("get", "/users")[1] if u["name"] == "mallory2"], "%d %s; %d %s" % (st, out, st2, out2))
conform("user set, none", "put", "/users/{name}", "/users/mallory", {"role": "admin"}, want=404)
conform("user set, nothing to change", "put", "/users/{name}", "/users/alice", {}, want=400)
conform("user set, bad role", "put", "/users/{name}", "/users/alice", {"role": "god"}, want=400)
conform("the last admin user is not demoted: 409", "put", "/users/{name}", "/users/admin", {"role": "viewer"}, want=409)
conform("the last admin user is not removed: 409", "delete", "/users/{name}", "/users/admin", want=409)
check("the last admin user is still admin", [u["role"] for u in call("get", "/users")[1] if u["name"] == "admin"] == ["admin"])
codes = [signin("alice", "wrong-password")[0]]   # (once the limit lets one through)
codes += [cookie_call("POST", "/session", {"user": "alice", "password": "wrong-password"})[0] for _ in range(7)]
check("wrong passwords: 401, then 429 (rate-limited)", codes[0] == 401 and codes[-1] == 429, str(codes))
# the live stream: an event stream, its first event at once, auth first
def stream_first(cookie=None, token=None):
    import http.client
    c = http.client.HTTPSConnection(url.split("//")[1], context=ctx, timeout=10)
    h = {"Cookie": cookie} if cookie else {"Authorization": "Bearer " + token} if token else {}
    c.request("GET", "/api/v1/stream", headers=h)
    r = c.getresponse()
    first = r.read(200) if r.status != 200 else r.fp.read1(400)
    c.close()
    return r.status, r.getheader("Content-Type"), r.getheader("Content-Security-Policy"), first
st, ct, csp, first = stream_first(token=admin)
check("GET /stream: text/event-stream, its first event at once (seq, pulse), a CSP",
      st == 200 and ct == "text/event-stream" and b"event: change\ndata: {\"seq\":" in first and b"retry:" in first and csp,
      "%d %s %r" % (st, ct, first))
st, ct, _, first = stream_first()
check("GET /stream without a credential: 401", st == 401, "%d %r" % (st, first))
# one credential takes no more than 16 live streams: the 17th is 429, and
# another's is still served
import http.client
viewer16 = call("post", "/tokens", {"role": "viewer", "name": "many-tabs"})[1]["token"]
held = []
for _ in range(16):
    hc = http.client.HTTPSConnection(url.split("//")[1], context=ctx, timeout=10)
    hc.request("GET", "/api/v1/stream", headers={"Authorization": "Bearer " + viewer16})
    r = hc.getresponse()
    held.append((hc, r.status))
st17, _, _, _ = stream_first(token=viewer16)
sta, _, _, _ = stream_first(token=admin)
check("16 live streams of one credential, the 17th 429, another's 200",
      [x[1] for x in held] == [200] * 16 and st17 == 429 and sta == 200, "%s %d %d" % ([x[1] for x in held], st17, sta))
for hc, _ in held:
    hc.close()
conform("user rm", "delete", "/users/{name}", "/users/alice", want=200)
conform("user rm, none", "delete", "/users/{name}", "/users/alice", want=404)
check("no secret in the tokens' list", all(not t["name"].startswith("session:") for t in call("get", "/tokens")[1]))
# the console's files: public, read only, under a strict CSP
def page(path, method="GET"):
    req = urllib.request.Request(url + path, method=method)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
st, h, body = page("/")
csp = h.get("Content-Security-Policy", "")
check("GET /: the console's page, no inline script, a CSP without 'unsafe-inline' nor eval",
      st == 200 and h.get("Content-Type", "").startswith("text/html") and b"<script type=\"module\" src=" in body and
      "script-src 'self'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp and
      h.get("X-Content-Type-Options") == "nosniff", "%d %s" % (st, dict(h)))
st, h, _ = page("/app.js")
check("GET /app.js: a module", st == 200 and h.get("Content-Type", "").startswith("text/javascript"), str(st))
for bad in ["/.git/config", "/nothing.html", "/console/../README.md", "/app.js/"]:
    st, _, _ = page(bad)
    check("GET %s: 404" % bad, st == 404, str(st))
check("POST /: 405", page("/", "POST")[0] == 405)
# unknown query parameters are refused on every route, before anything is done
for path, ops in spec["paths"].items():
    for m in ops:
        concrete = path.replace("{name}", "vdi-002").replace("{source}", "nothing").replace("{id}", "1")
        tok = agent if path.startswith("/agent/") else None if path == "/enroll" or (path, m) == ("/session", "post") else admin
        s, out = call(m, concrete + "?colour=1", None, token=tok)
        check("unknown parameter: %s %s -> 400 naming it" % (m.upper(), path),
              s == 400 and out.get("field") == "colour", "HTTP %d %s" % (s, out))
# a NUL in a value is not the end of it; a parameter given twice is refused
call("post", "/workloads/vdi-002/tags", {"tag": "keep"})
for q in ["%00=1", "=1", "ta%00g=keep"]:
    st, out = call("get", "/workloads?" + q)
    check("a key that is empty or holds a NUL (?%s): 400" % q, st == 400, "HTTP %d %s" % (st, out))
for q in ["tag=keep%00x", "tag=keep&tag=x"]:
    st, out = call("delete", "/workloads/vdi-002/tags?" + q)
    w = {x["name"]: x for x in call("get", "/workloads")[1]}
    check("tag rm ?%s: 400 naming tag, the tag kept" % q, st == 400 and out.get("field") == "tag" and "keep" in w["vdi-002"]["tags"],
          "HTTP %d %s; tags %s" % (st, out, w["vdi-002"]["tags"]))
for path, ops in spec["paths"].items():
    for m in ops:
        concrete = path.replace("{name}", "vdi-001").replace("{source}", "lab").replace("{id}", "1")
        s, out = call(m, concrete, {}, token=None)
        want = 400 if path == "/enroll" else 415 if (path, m) == ("/session", "post") else 401
        check("no token: %s %s -> %d" % (m.upper(), path, want), s == want and not validate(out, spec["components"]["schemas"]["Error"]),
              "HTTP %d %s" % (s, out))
print("%d passed, %d failed" % (npass, nfail))
sys.exit(1 if nfail else 0)
