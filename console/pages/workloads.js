// workloads.js - every workload (only the rows in view are drawn), with
// filters; one workload's page: tags, groups, rules, quarantine, metrics,
// events, a scan.
import { html, useState, useMemo } from "../lib/html.js";
import { api, get, q } from "../lib/api.js";
import { useData, useAction } from "../lib/live.js";
import { Err, Time, State, VirtualTable, UnitSwitch, Chart, RangePicker, useConfirm } from "../lib/ui.js";
import { bytes } from "../lib/units.js";
import { latest, range, band } from "../lib/metrics.js";

const uniq = (a) => [...new Set(a)].sort();
const link = (n) => html`<a href=${"#/workloads/" + encodeURIComponent(n)}>${n}</a>`;

export function Workloads({ params }) {
  const { data, error } = useData(async () => {
    const wl = await get("/workloads");
    const objs = await get("/metrics/objects?kind=vm");
    const known = new Set(objs.map((o) => o.name));
    const m = await latest("vm", wl.map((w) => w.name).filter((n) => known.has(n)),
      ["vm_memory_used_bytes", "vm_cpu_usage_ratio"]);
    return { wl, m };
  });
  const [f, setF] = useState({ name: params.get("name") || "", tag: "", group: params.get("group") || "",
    host: "", source: "", quarantine: "" });
  const [unit, setUnit] = useState("auto");
  const wl = data ? data.wl : [];
  const opts = useMemo(() => ({
    tag: uniq(wl.flatMap((w) => w.tags)), group: uniq(wl.flatMap((w) => w.groups)),
    host: uniq(wl.map((w) => w.host || "")), source: uniq(wl.map((w) => w.source || "")),
  }), [data]);
  const rows = useMemo(() => wl.filter((w) =>
    (!f.name || w.name.toLowerCase().includes(f.name.toLowerCase())) &&
    (!f.tag || w.tags.some((t) => t.toLowerCase().includes(f.tag.toLowerCase()))) && (!f.group || w.groups.includes(f.group)) &&
    (!f.host || w.host === f.host) && (!f.source || w.source === f.source) &&
    (!f.quarantine || String(w.quarantined) === f.quarantine)), [data, f]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const sel = (k, label) => html`<label>${label}<select id=${"f-" + k} value=${f[k]} onChange=${set(k)}>
    <option value="">any</option>${opts[k].map((v) => html`<option value=${v}>${v || "(none)"}</option>`)}</select></label>`;
  const m = data ? data.m : {};
  const columns = [
    { head: "Name", cell: (w) => link(w.name) },
    { head: "Host", cell: (w) => w.host },
    { head: "Source", cell: (w) => w.source },
    { head: "Tags", cell: (w) => w.tags.join(", ") },
    { head: "Groups", cell: (w) => w.groups.join(", ") },
    { head: "Quarantine", cell: (w) => (w.quarantined ? html`<${State} ok=${false} word="quarantined" />` : "–") },
    { head: "Enforced", cell: (w) => (w.not_enforced ? html`<${State} ok=${false} word="NOT enforced" />` : "yes") },
    { head: "CPU", cell: (w) => (m[w.name]?.vm_cpu_usage_ratio != null ? `${(m[w.name].vm_cpu_usage_ratio * 100).toFixed(1)} %` : "–") },
    { head: html`Memory <${UnitSwitch} label="Memory" unit=${unit} set=${setUnit} />`,
      cell: (w) => bytes(m[w.name]?.vm_memory_used_bytes, unit) },
  ];
  return html`<h1>Workloads</h1><${Err} e=${error} />
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Name<input id="f-name" type="search" value=${f.name} onInput=${set("name")} placeholder="part of a name" /></label>
      <label>Tag<input id="f-tag" list="f-tags" value=${f.tag} onInput=${set("tag")} placeholder="key=value, or part of it" /></label>
      <datalist id="f-tags">${opts.tag.slice(0, 2000).map((t) => html`<option value=${t} />`)}</datalist>
      ${sel("group", "Group")}${sel("host", "Host")}${sel("source", "Source")}
      <label>Quarantine<select id="f-quarantine" value=${f.quarantine} onChange=${set("quarantine")}>
        <option value="">any</option><option value="true">quarantined</option><option value="false">not quarantined</option></select></label>
    </form>
    <p class="count-line" aria-live="polite">${data ? `${rows.length} of ${wl.length} workloads` : "Loading…"}</p>
    <${VirtualTable} label="Workloads" columns=${columns} rows=${rows} rowKey=${(w) => w.id} />`;
}

// the rules that name the workload, one of its groups, its addresses or any
function rulesFor(w, pol) {
  if (!pol) return [];
  const refs = new Set(["any", `workload:${w.name}`, ...w.groups.map((g) => `group:${g}`), ...w.ips]);
  return pol.rules.filter((r) => [...r.source, ...r.destination, ...r.applied_to].some((x) => refs.has(x)));
}

const METRICS = [
  ["CPU usage", ["vm_cpu_usage_ratio"], "ratio"], ["CPU contention (ready)", ["vm_cpu_ready_ratio"], "ratio"],
  ["Memory: used by the guest, consumed on the host", ["vm_memory_used_bytes", "vm_memory_consumed_bytes"], "bytes"],
  ["Disk latency", ["vm_disk_read_latency_seconds", "vm_disk_write_latency_seconds"], "seconds"],
  ["Disk IOPS", ["vm_disk_read_ops_per_second", "vm_disk_write_ops_per_second"], "ops_per_second"],
];

export function Workload({ arg: name }) {
  const [rng, setRng] = useState("1h");
  const [act, msg, err] = useAction();
  const [tag, setTag] = useState("");
  const [confirm, dialog] = useConfirm();
  const { data, error } = useData(async () => {
    const [wl, pol, ev] = await Promise.all([get("/workloads"), get("/policy/rules").catch(() => null),
      get("/events?" + q({ workload: name, limit: 100 }))]);
    const w = wl.find((x) => x.name === name);
    return { w, pol, ev: ev.reverse() };
  }, [name]);
  const charts = useData(() => range([{ kind: "vm", name }], METRICS.flatMap((x) => x[1]), rng), [name, rng]);
  // the learned thresholds' band behind the CPU usage (none while learning)
  const cpuBand = useData(() => band("vm", name, "vm_cpu_usage_ratio", rng).catch(() => null), [name, rng]);
  if (!data) return html`<h1>${name}</h1><${Err} e=${error} /><p>Loading…</p>`;
  const { w, pol, ev } = data;
  if (!w) return html`<h1>${name}</h1><p>There is no workload ${name}.</p>`;
  const rules = rulesFor(w, pol);
  const qev = ev.filter((e) => /quarantin|release|detect|scan/.test(e.type));
  const series = charts.data || [];
  const b = cpuBand.data;
  const bandOf = (ms) => (ms[0] === "vm_cpu_usage_ratio" && b?.points?.length ? { label: "normal", points: b.points } : null);
  const bandNote = (ms) => (ms[0] !== "vm_cpu_usage_ratio" || !b ? null : b.points.length
    ? `shaded: its normal band, ±${b.sigmas}σ by hour of week (UTC), learned from ${Math.floor(b.days)} days`
    : b.state === "learning" && b.days > 0 ? `normal band: learning (${Math.floor(b.days)} days of ${b.min_days})` : null);
  return html`<h1>${w.name}</h1>${dialog}
    <p class="sub">${[`on ${w.host || "no host"}`, `source ${w.source || "–"}`, w.os, w.ips.join(", ")].filter(Boolean).join(" · ")}</p>
    <${Err} e=${error || err} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    ${(w.not_enforced || []).map((n) => html`<p class="unenforced" role="alert"><strong>Not enforced:</strong> its host cannot filter vNIC ${n.vnic}: ${n.reason}. Its policy and its quarantine do not hold.</p>`)}
    <div class="grid2">
    <section class="card"><h2>Tags</h2>
      <ul class="tags">${w.tags.map((t) => html`<li><span class="tag">${t}</span>
        <button class="small" aria-label=${"Remove tag " + t} onClick=${() => act(() => api("DELETE", `/workloads/${encodeURIComponent(name)}/tags?${q({ tag: t })}`), `tag ${t} removed`)}>Remove</button></li>`)}</ul>
      <form class="row" onSubmit=${(e) => { e.preventDefault(); act(() => api("POST", `/workloads/${encodeURIComponent(name)}/tags`, { tag }), `tag ${tag} added`).then(() => setTag("")); }}>
        <label for="newtag">New tag</label><input id="newtag" value=${tag} onInput=${(e) => setTag(e.target.value)} placeholder="key=value" required />
        <button type="submit">Add tag</button></form>
      <h2>Groups</h2><p class="groups">${w.groups.length ? w.groups.map((g) => html`<a class="tag" href=${"#/groups?name=" + g}>${g}</a> `) : "none"}</p>
    </section>
    <section class="card"><h2>Quarantine</h2>
      <p>${w.quarantined ? html`<${State} ok=${false} word="quarantined" /> since ${w.quarantine?.since ? html`<${Time} t=${w.quarantine.since} />` : "(not recorded)"}: ${w.quarantine?.why}`
        : html`<${State} ok=${true} word="not quarantined" />`}</p>
      <div class="row">
        <button onClick=${() => act(() => api("POST", `/workloads/${encodeURIComponent(name)}/scan`, { kind: "full" }), "full scan asked for")}>Full scan</button>
        <button onClick=${() => act(() => api("POST", `/workloads/${encodeURIComponent(name)}/scan`, { kind: "quick" }), "quick scan asked for")}>Quick scan</button>
        ${w.quarantined && html`<button class="danger" onClick=${async () => { if (await confirm(`Release ${name} from quarantine?`, "Release")) act(() => api("POST", `/workloads/${encodeURIComponent(name)}/release`), "released"); }}>Release</button>`}
      </div>
      <h3>History</h3>
      <ul class="events">${qev.length ? qev.slice(0, 10).map((e) => html`<li><${Time} t=${e.time} /> ${e.message}</li>`) : html`<li>none</li>`}</ul>
    </section></div>
    <section class="card"><h2>Rules that apply</h2>
      <table tabindex="0" class="wide" aria-label="Rules that apply"><thead><tr><th>ID</th><th>Name</th><th>Category</th><th>Action</th><th>Source</th><th>Destination</th><th>Services</th></tr></thead>
      <tbody>${rules.map((r) => html`<tr><td>${r.id}</td><td>${r.name}</td><td>${r.category}</td><td>${r.action}</td>
        <td>${r.source.join(", ")}</td><td>${r.destination.join(", ")}</td><td>${r.services.join(", ")}</td></tr>`)}</tbody></table>
      ${!rules.length && html`<p>No rule names this workload.</p>`}
    </section>
    <section class="card"><h2>Metrics</h2><${RangePicker} range=${rng} set=${setRng} /><${Err} e=${charts.error} />
      <div class="charts">${METRICS.map(([title, ms, unit]) => html`<${Chart} title=${title} unit=${unit}
        band=${bandOf(ms)} note=${bandNote(ms)}
        series=${series.filter((s) => ms.includes(s.metric)).map((s) => ({ label: s.metric.replace(/^vm_/, ""), points: s.points }))} />`)}</div>
    </section>
    <section class="card"><h2>Events</h2>
      <ul class="events">${ev.slice(0, 30).map((e) => html`<li><${Time} t=${e.time} /> <span class="etype">${e.type}</span> ${e.message}</li>`)}</ul>
      <a href=${"#/events?workload=" + encodeURIComponent(name)}>All its events</a>
    </section>`;
}
