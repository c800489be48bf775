// capacity.js - right-sizing and reclamation (docs/capacity.md): VMs to
// resize with their 95th percentiles and recommendations, idle VMs, VMs
// powered off and pool images no domain uses; each finding beside its
// evidence (the metric, the range, the figure).
import { html, useState } from "../lib/html.js";
import { get, q } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time, State, UnitSwitch } from "../lib/ui.js";
import { bytes } from "../lib/units.js";

const RANGES = [["7d", "7 days"], ["14d", "14 days"], ["30d", "30 days"], ["90d", "90 days"], ["180d", "6 months"]];
const DAYS = [1, 3, 7, 14, 30, 90];
const WORD = { ok: "right size", oversized: "oversized", undersized: "undersized", not_enough_data: "not enough data", not_assessed: "not assessed" };
const STATE = ["no state", "running", "blocked", "paused", "shutting down", "shut off", "crashed", "suspended"];

const fix = (v, d = 2) => (v === null || v === undefined ? "–" : v.toFixed(d));
const Verdict = ({ s }) => html`<${State} ok=${s === "ok"} warn=${s === "oversized" || s === "not_enough_data" || s === "not_assessed"} word=${WORD[s] || s} />`;
const Vm = ({ f }) => (f.in_inventory ? html`<a href=${"#/workloads/" + encodeURIComponent(f.name)}>${f.name}</a>` : html`${f.name}`);
const span = (b, e) => html`<${Time} t=${b} /> to <${Time} t=${e} />`;

// a dimension's evidence: what was read and the figure judged by
function Evidence({ d, unit, mu }) {
  const e = d.evidence;
  const fig = unit === "bytes" ? (v) => bytes(v, mu) : (v) => `${fix(v)} vCPU`;
  if (d.status === "not_assessed" || d.status === "not_enough_data") {
    return html`<span class="why">${d.why}${d.points ? ` (${d.points} points)` : ""}</span>`;
  }
  const what = `p${e.percentile} of ${d.points} ${e.step_seconds / 60}-minute means of `;
  const figs = `: ${fig(d["p95_" + unit])} (highest ${fig(d["max_" + unit])}), `;
  return html`<span class="evidence">${what}<code>${e.metric}</code>${unit === "vcpus" ? " × vm_vcpus" : ""}${figs}${span(e.begin, e.end)}</span>`;
}

function Rightsize({ range, mu, setMu }) {
  const { data, error } = useData(() => get("/rightsize?" + q({ range })), [range]);
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  const vms = data.vms;
  const p = data.policy;
  // (htm drops a line break's spaces next to an expression: sentences are made whole first)
  const how = `The ${p.percentile}th percentile (nearest rank) of each VM's ${p.step_seconds / 60}-minute means over the range, `
    + `against what it has now; recommended for ${p.cpu_target * 100} % CPU and ${p.memory_target * 100} % memory use `
    + `(memory rounded up to ${p.memory_round_bytes / 2 ** 20} MiB); oversized when the recommendation is smaller, `
    + `undersized above ${p.high * 100} % of it; ${p.min_days} days of points needed. Memory only from the guest's own figure, `
    + "never the host's resident set.";
  return html`<${Err} e=${error} />
    <p class="sub">${how}</p>
    ${!vms.length && html`<p class="empty">No VM has samples in the range.</p>`}
    ${vms.length > 0 && html`<table tabindex="0" class="wide capacity"><caption>VMs to resize (${vms.filter((v) => v.verdict === "oversized" || v.verdict === "undersized").length} of ${vms.length})</caption>
      <thead><tr><th scope="col">VM</th><th scope="col">Verdict</th><th scope="col">vCPUs: has → recommended</th><th scope="col">CPU evidence</th>
        <th scope="col">Memory: has → recommended <${UnitSwitch} label="Memory" unit=${mu} set=${setMu} /></th><th scope="col">Memory evidence</th></tr></thead>
      <tbody>${vms.map((v) => html`<tr data-vm=${v.name}>
        <td><${Vm} f=${v} /><div class="sub">${v.host || ""}</div></td>
        <td><${Verdict} s=${v.verdict} /></td>
        <td><${Verdict} s=${v.cpu.status} /> ${fix(v.cpu.vcpus, 0)} → <strong>${fix(v.cpu.recommended_vcpus, 0)}</strong></td>
        <td class="evidence"><${Evidence} d=${v.cpu} unit="vcpus" /></td>
        <td><${Verdict} s=${v.memory.status} /> ${bytes(v.memory.bytes, mu)} → <strong>${bytes(v.memory.recommended_bytes, mu)}</strong></td>
        <td class="evidence"><${Evidence} d=${v.memory} unit="bytes" mu=${mu} /></td></tr>`)}</tbody></table>`}`;
}

const idleWhy = (e) => `every ${e.step_seconds / 60}-minute step below ${e.cpu_below_vcpus} vCPU and `
  + `${e.net_below_bytes_per_second} B/s: highest vm_cpu_usage_ratio × vm_vcpus ${fix(e.max_cpu_vcpus, 3)} vCPU, highest network `
  + (e.max_net_bytes_per_second === null ? "– (no network series)" : `${fix(e.max_net_bytes_per_second, 0)} B/s`)
  + `; ran ${e.points} of ${e.steps} steps, `;
const imageWhy = (i, sources) => `${i.format || i.type}${i.backing ? `, backed by ${i.backing}` : ""}; referenced by no disk, `
  + `backing chain or firmware file of the ${sources.find((s) => s.name === i.source)?.domains ?? ""} domains (running and defined) of ${i.source}`;

function Reclaim({ idle, off, mu }) {
  const [iu, setIu] = useState("auto");      // images: MB to TB by their size
  const { data, error } = useData(() => get("/reclaim?" + q({ idle_days: idle, off_days: off })), [idle, off]);
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  const p = data.policy;
  return html`<${Err} e=${error} />
    <table tabindex="0" class="wide capacity"><caption>Idle for ${p.idle_days} days (${data.idle.length})</caption>
      <thead><tr><th scope="col">VM</th><th scope="col">vCPUs</th><th scope="col">Memory</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${data.idle.map((f) => html`<tr data-vm=${f.name}><td><${Vm} f=${f} /><div class="sub">${f.host || ""}</div></td>
        <td>${fix(f.vcpus, 0)}</td><td>${bytes(f.memory_bytes, mu)}</td>
        <td class="evidence">${idleWhy(f.evidence)}${span(f.evidence.begin, f.evidence.end)}</td></tr>`)}</tbody></table>
    ${!data.idle.length && html`<p class="empty">No VM was idle through the last ${p.idle_days} days.</p>`}
    <table tabindex="0" class="wide capacity"><caption>Powered off for ${p.off_days} days (${data.powered_off.length})</caption>
      <thead><tr><th scope="col">VM</th><th scope="col">State</th><th scope="col">Off since</th><th scope="col">vCPUs</th><th scope="col">Memory</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${data.powered_off.map((f) => html`<tr data-vm=${f.name}><td><${Vm} f=${f} /><div class="sub">${f.host || ""}${f.in_inventory ? "" : " · not in the inventory"}</div></td>
        <td>${f.silent ? html`<${State} warn=${true} word="silent" />` : STATE[f.state] || "–"}</td>
        <td>${f.since_at_least ? "at least " : ""}<${Time} t=${f.since} /></td>
        <td>${fix(f.vcpus, 0)}</td><td>${bytes(f.memory_bytes, mu)}</td>
        <td class="evidence">${`no hour with ${f.evidence.metric} 1 to 4 (running to shutting down) nor a CPU sample from `}<${Time} t=${f.evidence.begin} />${"; "}${f.last_running ? html`${"last ran until "}<${Time} t=${f.last_running} />` : "not seen running in the last 180 days"}${"; newest sample "}<${Time} t=${f.last_sample} /></td></tr>`)}</tbody></table>
    ${!data.powered_off.length && html`<p class="empty">No VM has been off for ${p.off_days} days.</p>`}
    <table tabindex="0" class="wide capacity"><caption>Pool images no domain references (${data.images.length}): ${bytes(data.images_bytes, iu)} would be freed</caption>
      <thead><tr><th scope="col">Source / pool</th><th scope="col">Volume</th><th scope="col">Frees (allocation) <${UnitSwitch} label="Images" unit=${iu} set=${setIu} /></th><th scope="col">Capacity</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${data.images.map((i) => html`<tr data-image=${i.name}><td>${i.source} / ${i.pool}</td><td>${i.name}<div class="sub"><code>${i.path}</code></div></td>
        <td>${bytes(i.allocation_bytes, iu)}</td><td>${bytes(i.capacity_bytes, iu)}</td>
        <td class="evidence">${imageWhy(i, data.sources)}</td></tr>`)}</tbody></table>
    ${!data.images.length && html`<p class="empty">Every image in the libvirt sources' pools is used.</p>`}
    ${data.sources.filter((s) => s.error).map((s) => html`<p class="error">Source ${s.name}: ${s.error} (its pools are not judged)</p>`)}
    ${!data.sources.length && html`<p class="empty">No libvirt source: unused images are looked for in the pools of the libvirt hosts the manager follows (<a href="#/sources">Sources</a>).</p>`}`;
}

export function Capacity({ params }) {
  const [range, setRange] = useState(params.get("range") || "30d");
  const [idle, setIdle] = useState(Number(params.get("idle_days")) || 7);
  const [off, setOff] = useState(Number(params.get("off_days")) || 7);
  const [mu, setMu] = useState("GiB");
  return html`<h1>Right-sizing & reclamation</h1>
    <div class="filters">
      <label>Range <select value=${range} onChange=${(e) => setRange(e.target.value)}>${RANGES.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select></label>
      <label>Idle for <select value=${idle} onChange=${(e) => setIdle(Number(e.target.value))}>${DAYS.map((d) => html`<option value=${d}>${d} days</option>`)}</select></label>
      <label>Powered off for <select value=${off} onChange=${(e) => setOff(Number(e.target.value))}>${DAYS.map((d) => html`<option value=${d}>${d} days</option>`)}</select></label>
      <span>Bytes <${UnitSwitch} label="Bytes" unit=${mu} set=${setMu} /></span>
    </div>
    <h2>Right-sizing</h2>
    <${Rightsize} range=${range} mu=${mu} setMu=${setMu} />
    <h2>Reclamation</h2>
    <${Reclaim} idle=${idle} off=${off} mu=${mu} />`;
}
