// views.js - list views (vROps' custom views): pick one, see its rows in
// the virtual table over a range, sort by a column, export the CSV the
// API makes, and edit a view in the page (a new revision when saved).
import { html, useState, useEffect } from "../lib/html.js";
import { api, get, q, download } from "../lib/api.js";
import { useData, poke } from "../lib/live.js";
import { Err, VirtualTable } from "../lib/ui.js";
import { when } from "../lib/time.js";

const RANGES = ["1h", "6h", "1d", "7d", "30d", "90d"];
const PROPS = ["name", "host", "source", "os", "tags"];
const XFORMS = ["current", "avg", "min", "max", "p95", "sum", "days_left"];
const UNITS = { bytes: ["auto", "GB", "GiB", "TB", "TiB"], bytes_per_second: ["auto", "GB", "GiB", "TB", "TiB"],
  ratio: ["auto", "%"], seconds: ["auto", "ms", "s"] };

const blank = (kind) => ({ name: "", title: "", kind, filter: "", range: "1d",
  columns: [{ title: "Name", property: "name" }], sort: { column: 0, order: "asc" } });

// one column of the editor: a property, or a metric with its transform and unit
function ColumnEditor({ c, i, n, metrics, set, move, drop }) {
  const m = metrics.find((x) => x.name === c.metric);
  const units = (m && UNITS[m.unit]) || ["auto"];
  const isProp = c.property !== undefined;
  return html`<li class="row viewcol">
    <input aria-label=${`column ${i + 1}: title`} value=${c.title || ""} placeholder="title"
      onInput=${(e) => set({ ...c, title: e.target.value })} />
    <select aria-label=${`column ${i + 1}: what`} value=${isProp ? "p:" + c.property : "m:" + c.metric}
      onChange=${(e) => { const [k, v] = [e.target.value.slice(0, 1), e.target.value.slice(2)];
        set(k === "p" ? { title: c.title, property: v } : { title: c.title, metric: v, transform: c.transform || "current", unit: "auto" }); }}>
      <optgroup label="Properties">${PROPS.map((p) => html`<option value=${"p:" + p}>${p}</option>`)}</optgroup>
      <optgroup label="Metrics">${metrics.map((x) => html`<option value=${"m:" + x.name}>${x.name}</option>`)}</optgroup>
    </select>
    ${!isProp && html`<select aria-label=${`column ${i + 1}: transformation`} value=${c.transform}
        onChange=${(e) => set({ ...c, transform: e.target.value })}>${XFORMS.map((x) => html`<option>${x}</option>`)}</select>
      <select aria-label=${`column ${i + 1}: unit`} value=${c.unit || "auto"}
        onChange=${(e) => set({ ...c, unit: e.target.value })}>${units.map((u) => html`<option>${u}</option>`)}</select>`}
    <button type="button" aria-label=${`column ${i + 1}: up`} disabled=${i === 0} onClick=${() => move(i, -1)}>↑</button>
    <button type="button" aria-label=${`column ${i + 1}: down`} disabled=${i === n - 1} onClick=${() => move(i, 1)}>↓</button>
    <button type="button" aria-label=${`column ${i + 1}: remove`} disabled=${n === 1} onClick=${() => drop(i)}>✕</button>
  </li>`;
}

function Editor({ view, metrics, saved, cancel }) {
  const [v, setV] = useState(view);
  const [err, setErr] = useState(null);
  const cols = v.columns;
  const setCol = (i, c) => setV({ ...v, columns: cols.map((x, k) => (k === i ? c : x)) });
  const move = (i, d) => { const c = [...cols]; [c[i], c[i + d]] = [c[i + d], c[i]]; setV({ ...v, columns: c }); };
  const drop = (i) => setV({ ...v, columns: cols.filter((x, k) => k !== i), sort: { ...v.sort, column: 0 } });
  const km = metrics.filter((m) => m.kind === v.kind);
  async function save(e) {
    e.preventDefault();
    setErr(null);
    const body = { ...v };
    delete body.builtin; delete body.rev;
    try { await api("POST", "/views", body); saved(v.name); } catch (x) { setErr(x); }
  }
  return html`<form class="card vieweditor" onSubmit=${save} aria-label="Edit the view">
    <div class="row">
      <label>Name <input required value=${v.name} pattern="[a-z0-9][a-z0-9._\\-]*" onInput=${(e) => setV({ ...v, name: e.target.value })} /></label>
      <label>Title <input value=${v.title} onInput=${(e) => setV({ ...v, title: e.target.value })} /></label>
      <label>Objects <select value=${v.kind} onChange=${(e) => setV({ ...blank(e.target.value), name: v.name, title: v.title })}>
        <option value="vm">VMs</option><option value="host">hosts</option><option value="datastore">datastores</option></select></label>
      <label>Range <select value=${v.range} onChange=${(e) => setV({ ...v, range: e.target.value })}>
        ${RANGES.map((r) => html`<option>${r}</option>`)}</select></label>
    </div>
    <label class="wide">Filter (a selector: tag, name, host, os, source, group)
      <input value=${v.filter} placeholder='tag == "env=prod" and host =~ "kvm*"' onInput=${(e) => setV({ ...v, filter: e.target.value })} /></label>
    <h3>Columns</h3>
    <ol class="viewcols">${cols.map((c, i) => html`<${ColumnEditor} key=${i} c=${c} i=${i} n=${cols.length} metrics=${km}
      set=${(x) => setCol(i, x)} move=${move} drop=${drop} />`)}</ol>
    <div class="row">
      <button type="button" disabled=${cols.length >= 32} onClick=${() => setV({ ...v, columns: [...cols, { title: "", metric: km[0]?.name, transform: "avg", unit: "auto" }] })}>Add a column</button>
      <label>Sort by <select value=${v.sort.column} onChange=${(e) => setV({ ...v, sort: { ...v.sort, column: Number(e.target.value) } })}>
        ${cols.map((c, i) => html`<option value=${i}>${c.title || c.property || c.metric}</option>`)}</select></label>
      <select aria-label="Sort order" value=${v.sort.order} onChange=${(e) => setV({ ...v, sort: { ...v.sort, order: e.target.value } })}>
        <option value="asc">ascending</option><option value="desc">descending</option></select>
    </div>
    <${Err} e=${err && { message: err.field ? `${err.message}` : err.message }} />
    <div class="row"><button class="primary" type="submit">Save</button><button type="button" onClick=${cancel}>Cancel</button></div>
  </form>`;
}

const exportCsv = (name, range) => download(`/views/${encodeURIComponent(name)}/rows?${q({ range, format: "csv" })}`,
  range ? `${name}-${range}.csv` : `${name}.csv`);

const cell = (v, col) => (v === null ? "–" : typeof v === "number"
  ? (col.transform === "days_left" ? v.toFixed(1) : v.toFixed(2)) : v);

export function Views({ params }) {
  const list = useData(() => get("/views"));
  const catalog = useData(() => get("/metrics/catalog"));
  const name = params.get("name") || "vms";
  const [range, setRange] = useState(null);
  const [sort, setSort] = useState(null);
  const [rows, setRows] = useState(null);
  const [err, setErr] = useState(null);
  const [editing, setEditing] = useState(null);
  const [gen, setGen] = useState(0);
  const go = (n) => { location.hash = `#/views?name=${encodeURIComponent(n)}`; setSort(null); setRange(null); };
  useEffect(() => {
    let live = true;
    setErr(null);
    get(`/views/${encodeURIComponent(name)}/rows?${q({ range, limit: 200000, sort: sort?.column, order: sort?.order })}`)
      .then((r) => live && setRows(r), (e) => live && (setErr(e), setRows(null)));
    return () => { live = false; };
  }, [name, range, sort?.column, sort?.order, gen]);
  async function edit(fresh) {
    try { setEditing(fresh ? blank("vm") : await get(`/views/${encodeURIComponent(name)}`)); } catch (e) { setErr(e); }
  }
  const views = list.data || [];
  const cur = views.find((v) => v.name === name);
  const columns = (rows?.columns || []).map((c, i) => ({
    head: html`<button class="link" aria-label=${`sort by ${c.title}`} onClick=${() => setSort({ column: i,
      order: sort?.column === i && sort.order === "desc" ? "asc" : "desc" })}>${c.title}${c.unit ? ` (${c.unit})` : ""}${sort?.column === i ? (sort.order === "desc" ? " ▼" : " ▲") : ""}</button>`,
    cell: (r) => (i === 0 && c.property === "name" && rows.view && cur?.kind === "vm"
      ? html`<a href=${"#/workloads/" + encodeURIComponent(r.name)}>${r.name}</a>` : cell(r.cells[i], c)),
  }));
  return html`<h1>Views</h1>
    <div class="row">
      <label>View <select value=${name} onChange=${(e) => go(e.target.value)}>
        ${views.map((v) => html`<option value=${v.name}>${v.title}${v.builtin ? "" : " (saved)"}</option>`)}</select></label>
      <label>Range <select value=${range || ""} onChange=${(e) => setRange(e.target.value || null)}>
        <option value="">the view's</option>${RANGES.map((r) => html`<option>${r}</option>`)}</select></label>
      <button onClick=${() => exportCsv(name, range).catch(setErr)}>Export CSV</button>
      <button onClick=${() => edit(false)}>Edit</button>
      <button onClick=${() => edit(true)}>New view</button>
      ${cur && !cur.builtin && html`<button class="danger" onClick=${() => api("DELETE", `/views/${encodeURIComponent(name)}`)
        .then(() => { poke(); go("vms"); }, setErr)}>Remove</button>`}
    </div>
    ${editing && html`<${Editor} view=${editing} metrics=${catalog.data || []} cancel=${() => setEditing(null)}
      saved=${(n) => { setEditing(null); poke(); setGen(gen + 1); go(n); }} />`}
    <${Err} e=${err || list.error} />
    ${rows && html`<p class="sub">${rows.total} ${rows.total === 1 ? "object" : "objects"}, ${when(rows.begin)} to ${when(rows.end)},
      from the store's ${rows.step === "1h" ? "1-hour" : rows.step === "5m" ? "5-minute" : "raw"} tier${cur && !cur.builtin ? `; revision ${rows.rev}` : ""}</p>
      <${VirtualTable} label=${`${cur?.title || name}: rows`} columns=${columns} rows=${rows.rows} rowKey=${(r) => r.name} />`}
    ${!rows && !err && html`<p>Loading…</p>`}`;
}
