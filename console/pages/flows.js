// flows.js - the flow records (docs/flows.md): filters, a dependency map
// of workloads or groups with an edge per port and verdict, and the
// records as a table.
import { html, useState } from "../lib/html.js";
import { get, q } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time } from "../lib/ui.js";

const VERDICTS = ["allowed", "dropped", "rejected", "would-drop", "would-reject"];
const SPANS = [["15m", "last 15 minutes"], ["1h", "last hour"], ["24h", "last 24 hours"], ["7d", "last 7 days"], ["30d", "last 30 days"]];
const MS = { "15m": 900e3, "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };
const MAX_NODES = 24;          // the map's busiest ends; the rest are "others"

const service = (r) => (r.port == null ? String(r.protocol) : `${r.protocol}/${r.port}`);
const endName = (e) => e.workload || e.ip;

// a record's end on the map: its workload (or address), or its first group
function node(r, end, by) {
  if (by === "groups") {
    const g = r[end + "_groups"];
    if (g && g.length) return "group " + g[0];
  }
  return endName(r[end]);
}

// edges (from, to, service, verdict) summed; the busiest nodes kept
function graph(rows, by) {
  const edges = new Map(), weight = new Map();
  for (const r of rows) {
    const a = node(r, "source", by), b = node(r, "destination", by);
    const k = [a, b, service(r), r.verdict].join("\u001f");
    const e = edges.get(k) || { a, b, svc: service(r), verdict: r.verdict, n: 0 };
    e.n += r.connections;
    edges.set(k, e);
    weight.set(a, (weight.get(a) || 0) + r.connections);
    weight.set(b, (weight.get(b) || 0) + r.connections);
  }
  const keep = new Set([...weight.entries()].sort((x, y) => y[1] - x[1]).slice(0, MAX_NODES).map(([n]) => n));
  const merged = new Map();
  for (const e of edges.values()) {
    const a = keep.has(e.a) ? e.a : "others", b = keep.has(e.b) ? e.b : "others";
    const k = [a, b, e.svc, e.verdict].join("\u001f");
    const m = merged.get(k) || { ...e, a, b, n: 0 };
    m.n += e.n;
    merged.set(k, m);
  }
  const names = [...new Set([...merged.values()].flatMap((e) => [e.a, e.b]))].sort();
  return { names, edges: [...merged.values()] };
}

function FlowMap({ rows, by }) {
  const { names, edges } = graph(rows, by);
  if (!names.length) return html`<p class="empty">No flow in this range.</p>`;
  const W = 760, H = 520, cx = W / 2, cy = H / 2, R = Math.min(cx, cy) - 90;
  const at = new Map(names.map((n, i) => {
    const t = (2 * Math.PI * i) / names.length - Math.PI / 2;
    return [n, [cx + R * Math.cos(t), cy + R * Math.sin(t), t]];
  }));
  // edges between one pair drawn as arcs that bend apart
  const seen = new Map();
  const paths = edges.map((e) => {
    const [x1, y1] = at.get(e.a), [x2, y2] = at.get(e.b);
    const pk = [e.a, e.b].sort().join("\u001f"), k = seen.get(pk) || 0;
    seen.set(pk, k + 1);
    const mx = (x1 + x2) / 2, my = (y1 + y2) / 2, dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1;
    const bend = (k + 1) * 26 * (k % 2 ? -1 : 1);
    const qx = mx - (dy / len) * bend, qy = my + (dx / len) * bend;
    // from the edge of one circle to the edge of the other, along the curve
    const cut = (x, y, n) => { const l = Math.hypot(qx - x, qy - y) || 1; return [x + ((qx - x) / l) * n, y + ((qy - y) / l) * n]; };
    const [sx, sy] = cut(x1, y1, 10), [ex, ey] = cut(x2, y2, 12);
    const d = e.a === e.b ? `M ${x1} ${y1 - 10} c 40 -60 80 0 12 8` : `M ${sx} ${sy} Q ${qx} ${qy} ${ex} ${ey}`;
    const lx = 0.25 * x1 + 0.5 * qx + 0.25 * x2, ly = 0.25 * y1 + 0.5 * qy + 0.25 * y2;
    return { e, d, lx, ly, w: Math.min(6, 1 + Math.log10(e.n + 1)) };
  });
  return html`<figure class="flowmap">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`Dependency map: ${names.length} ${by}, ${edges.length} edges`}>
      <defs>${VERDICTS.map((v) => html`<marker id=${"arr-" + v} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M 0 0 L 10 5 L 0 10 z" class=${"v-" + v} /></marker>`)}</defs>
      ${paths.map(({ e, d, lx, ly, w }) => html`<g class=${"edge v-" + e.verdict}>
        <title>${`${e.a} → ${e.b} ${e.svc}: ${e.verdict}, ${e.n} connections`}</title>
        <path d=${d} stroke-width=${w} marker-end=${`url(#arr-${e.verdict})`} />
        <text x=${lx} y=${ly}>${e.svc}</text></g>`)}
      ${names.map((n) => {
        const [x, y, t] = at.get(n), right = Math.cos(t) >= 0;
        return html`<g class=${"node" + (n.startsWith("group ") ? " group" : "")}><circle cx=${x} cy=${y} r="9" />
          <text x=${x + (right ? 14 : -14)} y=${y + 4} text-anchor=${right ? "start" : "end"}>${n}</text></g>`;
      })}
    </svg>
    <figcaption>${VERDICTS.map((v) => html`<span class=${"key v-" + v}>${v}</span> `)}
      <small>Edges by port and verdict; their width grows with the connections.</small></figcaption>
  </figure>`;
}

export function Flows({ params }) {
  const init = { span: "1h", workload: params.get("workload") || "", group: params.get("group") || "", tag: "",
    port: "", verdict: params.get("verdict") || "", rule: "" };
  const [f, setF] = useState(init);
  const [applied, setApplied] = useState(init);
  const [by, setBy] = useState("workloads");
  const { data, error } = useData(() => get("/flows?" + q({
    since: new Date(Date.now() - MS[applied.span]).toISOString(), workload: applied.workload, group: applied.group,
    tag: applied.tag, port: applied.port, verdict: applied.verdict,
    rule: applied.rule.trim() === "0" ? "default" : applied.rule.trim(), limit: 1000,
  })), [applied]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const rows = data ? data.flows : [];
  const conns = rows.reduce((s, r) => s + r.connections, 0);
  return html`<h1>Flows</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setApplied(f); }}>
      <label>Time<select id="fl-span" value=${f.span} onChange=${set("span")}>${SPANS.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select></label>
      <label>Workload<input id="fl-workload" value=${f.workload} onInput=${set("workload")} placeholder="either end" /></label>
      <label>Group<input id="fl-group" value=${f.group} onInput=${set("group")} /></label>
      <label>Tag<input id="fl-tag" value=${f.tag} onInput=${set("tag")} /></label>
      <label>Port<input id="fl-port" value=${f.port} onInput=${set("port")} inputmode="numeric" size="6" /></label>
      <label>Verdict<select id="fl-verdict" value=${f.verdict} onChange=${set("verdict")}>${["", ...VERDICTS].map((v) => html`<option value=${v}>${v || "any"}</option>`)}</select></label>
      <label>Rule<input id="fl-rule" value=${f.rule} onInput=${set("rule")} inputmode="numeric" size="6" placeholder="id, 0: default" /></label>
      <button type="submit" class="primary">Show</button>
    </form>
    <${Err} e=${error} />
    <p class="count-line" aria-live="polite">${data ? `${rows.length} records, ${conns} connections${data.next ? " (the newest 1000 records)" : ""}` : "Loading…"}</p>
    <h2>Dependency map</h2>
    <div class="row" role="radiogroup" aria-label="Map by">${["workloads", "groups"].map((k) => html`<label class="radio">
      <input type="radio" name="fl-by" value=${k} checked=${by === k} onChange=${() => setBy(k)} /> ${k}</label>`)}</div>
    ${data && html`<${FlowMap} rows=${rows} by=${by} />`}
    <h2>Records</h2>
    <table tabindex="0" class="wide flows-table"><thead><tr><th scope="col">Minute</th><th scope="col">Source</th><th scope="col">Destination</th>
      <th scope="col">Service</th><th scope="col">Verdict</th><th scope="col">Rule</th><th scope="col" class="num">Connections</th>
      <th scope="col" class="num">Bytes out / in</th><th scope="col">Host</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><td><${Time} t=${r.minute} /></td>
      <td>${r.source.workload ? html`<a href=${"#/workloads/" + encodeURIComponent(r.source.workload)}>${r.source.workload}</a>` : r.source.ip}</td>
      <td>${r.destination.workload ? html`<a href=${"#/workloads/" + encodeURIComponent(r.destination.workload)}>${r.destination.workload}</a>` : r.destination.ip}</td>
      <td>${service(r)}</td><td><span class=${"verdict v-" + r.verdict}>${r.verdict}</span></td>
      <td>${r.rule ? `${r.rule.id}${r.rule.name ? " " + r.rule.name : ""}` : "default"}${r.staged_rule ? ` (staged ${r.staged_rule.id})` : ""}</td>
      <td class="num">${r.connections}</td><td class="num">${r.bytes_out} / ${r.bytes_in}</td><td>${r.host}</td></tr>`)}</tbody></table>`;
}
