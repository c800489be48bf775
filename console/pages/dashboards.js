// dashboards.js - compute overview, storage overview and storage
// comparison: tables with current values (a unit switch per column of
// bytes) and charts with their trend over the chosen range.
import { html, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Chart, RangePicker, UnitSwitch } from "../lib/ui.js";
import { bytes, value } from "../lib/units.js";
import { latest, range } from "../lib/metrics.js";

const TOP = 8;
const last = (s) => (s && s.points.length ? s.points[s.points.length - 1][1] : null);
const pick = (series, metric) => series.filter((s) => s.metric === metric);
const avg = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : null);
const sum = (a) => (a.length ? a.reduce((x, y) => x + y, 0) : null);

// days until full, as the manager says (the alerts' rule: a line through
// used bytes over the last 7 days; null when not filling)
const fmtDays = (d) => (d === undefined ? "–" : d === null ? "not filling" : d < 1 ? "< 1 day" : `${Math.floor(d)} days`);

function topBy(series, metric, n = TOP) {
  return pick(series, metric).sort((a, b) => (last(b) ?? -1) - (last(a) ?? -1)).slice(0, n)
    .map((s) => ({ label: s.name, points: s.points }));
}

function Compute({ rng }) {
  const [mu, setMu] = useState("auto");
  const [tu, setTu] = useState("auto");
  const { data, error } = useData(async () => {
    const objs = await get("/metrics/objects");
    const hosts = objs.filter((o) => o.kind === "host"), vms = objs.filter((o) => o.kind === "vm");
    const hs = hosts.length ? await range(hosts.map((o) => ({ kind: "host", name: o.name })),
      ["host_cpu_usage_ratio", "host_memory_used_ratio"], rng) : [];
    const vs = vms.length ? await range(vms.map((o) => ({ kind: "vm", name: o.name })),
      ["vm_cpu_usage_ratio", "vm_cpu_ready_ratio", "vm_memory_used_bytes"], rng) : [];
    const now = hosts.length ? await latest("host", hosts.map((o) => o.name),
      ["host_cpu_usage_ratio", "host_memory_used_bytes", "host_memory_total_bytes"]) : {};
    return { hosts, vms, hs, vs, now };
  }, [rng]);
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  const { hosts, vms, hs, vs, now } = data;
  return html`<${Err} e=${error} />
    ${!hosts.length && !vms.length && html`<p class="empty">No metrics yet. They come from each host's agent
      (<code>cordon agent-token create --host HOST</code>, then <code>cordon-agent</code> on the host) and from the
      sources the manager follows (<a href="#/sources">Sources</a>: a libvirt host or a vCenter).</p>`}
    <table tabindex="0" class="wide"><caption>Hosts</caption><thead><tr><th scope="col">Host</th><th scope="col">Source</th><th scope="col">VMs</th><th scope="col">CPU usage</th>
      <th scope="col">Memory used <${UnitSwitch} label="Memory used" unit=${mu} set=${setMu} /></th>
      <th scope="col">Memory total <${UnitSwitch} label="Memory total" unit=${tu} set=${setTu} /></th></tr></thead>
    <tbody>${hosts.map((h) => html`<tr><td>${h.name}</td><td>${h.source}</td><td>${vms.filter((v) => v.host === h.name).length}</td>
      <td>${value(now[h.name]?.host_cpu_usage_ratio, "ratio")}</td>
      <td>${bytes(now[h.name]?.host_memory_used_bytes, mu)}</td><td>${bytes(now[h.name]?.host_memory_total_bytes, tu)}</td></tr>`)}</tbody></table>
    <div class="charts">
      <${Chart} title="Hosts: CPU usage" unit="ratio" series=${pick(hs, "host_cpu_usage_ratio").map((s) => ({ label: s.name, points: s.points }))} />
      <${Chart} title="Hosts: memory used" unit="ratio" series=${pick(hs, "host_memory_used_ratio").map((s) => ({ label: s.name, points: s.points }))} />
      <${Chart} title=${`VMs: CPU usage (top ${TOP})`} unit="ratio" series=${topBy(vs, "vm_cpu_usage_ratio")} />
      <${Chart} title=${`VMs: CPU contention, ready (top ${TOP})`} unit="ratio" series=${topBy(vs, "vm_cpu_ready_ratio")} />
      <${Chart} title=${`VMs: memory used (top ${TOP})`} unit="bytes" series=${topBy(vs, "vm_memory_used_bytes")} />
    </div>`;
}

const DS = ["datastore_capacity_bytes", "datastore_used_bytes", "datastore_free_bytes", "datastore_used_ratio"];
const VMIO = ["vm_disk_read_latency_seconds", "vm_disk_write_latency_seconds", "vm_disk_read_ops_per_second", "vm_disk_write_ops_per_second"];

async function storageData(rng) {
  const objs = await get("/metrics/objects");
  const dss = objs.filter((o) => o.kind === "datastore");
  const vms = objs.filter((o) => o.kind === "vm");
  const members = Object.fromEntries(dss.map((d) => [d.name, vms.filter((v) => (v.datastores || []).includes(d.name)).map((v) => v.name)]));
  const ds = dss.length ? await range(dss.map((d) => ({ kind: "datastore", name: d.name })), DS, rng, "avg") : [];
  const io = vms.length ? await latest("vm", vms.map((v) => v.name), VMIO) : {};
  const iotrend = vms.length ? await range(vms.map((v) => ({ kind: "vm", name: v.name })), VMIO, rng) : [];
  return { dss, members, ds, io, iotrend };
}

function Storage({ rng }) {
  const [u, setU] = useState({ cap: "auto", used: "auto", free: "auto" });
  const { data, error } = useData(() => storageData(rng), [rng]);
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  const { dss, members, ds, io } = data;
  const one = (d, m) => ds.find((s) => s.name === d && s.metric === m);
  const sw = (k, label) => html`<${UnitSwitch} label=${label} unit=${u[k]} set=${(v) => setU({ ...u, [k]: v })} />`;
  return html`<${Err} e=${error} />
    <table tabindex="0" class="wide"><caption>Datastores</caption><thead><tr><th scope="col">Datastore</th><th scope="col">Source</th>
      <th scope="col">Capacity ${sw("cap", "Capacity")}</th><th scope="col">Used ${sw("used", "Used")}</th><th scope="col">Free ${sw("free", "Free")}</th>
      <th scope="col">Used %</th><th scope="col">Days remaining</th><th scope="col">VMs</th><th scope="col">VMs' latency (avg)</th><th scope="col">VMs' IOPS</th></tr></thead>
    <tbody>${dss.map((d) => {
      const cap = last(one(d.name, "datastore_capacity_bytes"));
      const vm = members[d.name];
      const lat = avg(vm.flatMap((v) => [io[v]?.vm_disk_read_latency_seconds, io[v]?.vm_disk_write_latency_seconds].filter((x) => x != null)));
      const iops = sum(vm.flatMap((v) => [io[v]?.vm_disk_read_ops_per_second, io[v]?.vm_disk_write_ops_per_second].filter((x) => x != null)));
      return html`<tr><td>${d.name}</td><td>${d.source}</td><td>${bytes(cap, u.cap)}</td>
        <td>${bytes(last(one(d.name, "datastore_used_bytes")), u.used)}</td><td>${bytes(last(one(d.name, "datastore_free_bytes")), u.free)}</td>
        <td>${value(last(one(d.name, "datastore_used_ratio")), "ratio")}</td>
        <td>${fmtDays(d.days_left)}</td><td>${vm.length}</td>
        <td>${value(lat, "seconds")}</td><td>${value(iops, "ops_per_second")}</td></tr>`;
    })}</tbody></table>
    ${!dss.length && html`<p class="empty">No datastore has samples yet: a host's agent sends its storage pools,
      a vCenter source its datastores.</p>`}
    <div class="charts">
      <${Chart} title="Datastores: used" unit="bytes" series=${pick(ds, "datastore_used_bytes").map((s) => ({ label: s.name, points: s.points }))} />
      <${Chart} title="Datastores: used share" unit="ratio" series=${pick(ds, "datastore_used_ratio").map((s) => ({ label: s.name, points: s.points }))} />
    </div>`;
}

// VMs' disk latency and IOPS side by side, by datastore: where would a VM do better?
function Comparison({ rng }) {
  const { data, error } = useData(() => storageData(rng), [rng]);
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  const { dss, members, io, iotrend } = data;
  const of = (vms, m) => vms.map((v) => io[v]?.[m]).filter((x) => x != null);
  const dsLat = (d) => iotrend.filter((s) => members[d].includes(s.name) && s.metric === "vm_disk_read_latency_seconds");
  return html`<${Err} e=${error} />
    <table tabindex="0" class="wide compare"><caption>By datastore: its VMs now</caption><thead><tr><th scope="col">Datastore</th><th scope="col">VMs</th>
      <th scope="col">Read latency (avg)</th><th scope="col">Write latency (avg)</th><th scope="col">Worst latency</th><th scope="col">Read IOPS</th><th scope="col">Write IOPS</th></tr></thead>
    <tbody>${dss.map((d) => {
      const vm = members[d.name];
      const worst = Math.max(...of(vm, "vm_disk_read_latency_seconds"), ...of(vm, "vm_disk_write_latency_seconds"));
      return html`<tr><td>${d.name}</td><td>${vm.length}</td><td>${value(avg(of(vm, "vm_disk_read_latency_seconds")), "seconds")}</td>
        <td>${value(avg(of(vm, "vm_disk_write_latency_seconds")), "seconds")}</td><td>${value(Number.isFinite(worst) ? worst : null, "seconds")}</td>
        <td>${value(sum(of(vm, "vm_disk_read_ops_per_second")), "ops_per_second")}</td><td>${value(sum(of(vm, "vm_disk_write_ops_per_second")), "ops_per_second")}</td></tr>`;
    })}</tbody></table>
    <table tabindex="0" class="wide"><caption>Each VM, by datastore</caption><thead><tr><th scope="col">Datastore</th><th scope="col">VM</th><th scope="col">Read latency</th><th scope="col">Write latency</th><th scope="col">Read IOPS</th><th scope="col">Write IOPS</th></tr></thead>
    <tbody>${dss.flatMap((d) => members[d.name].map((v) => html`<tr><td>${d.name}</td><td><a href=${"#/workloads/" + encodeURIComponent(v)}>${v}</a></td>
      <td>${value(io[v]?.vm_disk_read_latency_seconds, "seconds")}</td><td>${value(io[v]?.vm_disk_write_latency_seconds, "seconds")}</td>
      <td>${value(io[v]?.vm_disk_read_ops_per_second, "ops_per_second")}</td><td>${value(io[v]?.vm_disk_write_ops_per_second, "ops_per_second")}</td></tr>`))}</tbody></table>
    <div class="charts">${dss.map((d) => html`<${Chart} title=${`${d.name}: its VMs' read latency`} unit="seconds"
      series=${dsLat(d.name).slice(0, TOP).map((s) => ({ label: s.name, points: s.points }))} />`)}</div>`;
}

export function Dashboards({ params }) {
  const tab = params.get("tab") || "compute";
  const [rng, setRng] = useState(params.get("range") || "1h");
  const tabs = [["compute", "Compute overview"], ["storage", "Storage overview"], ["compare", "Storage comparison"]];
  return html`<h1>Dashboards</h1>
    <nav class="tabs" aria-label="Dashboards">${tabs.map(([k, l]) => html`<a href=${"#/dashboards?tab=" + k} aria-current=${tab === k ? "page" : undefined}>${l}</a>`)}</nav>
    <${RangePicker} range=${rng} set=${setRng} />
    ${tab === "compute" && html`<${Compute} rng=${rng} />`}
    ${tab === "storage" && html`<${Storage} rng=${rng} />`}
    ${tab === "compare" && html`<${Comparison} rng=${rng} />`}`;
}
