// reports.js - reports (docs/monitoring.md, "Reports"): the saved and
// built-in ones with their schedules and next runs; one report's PDF and
// its tables' CSV made now over a range; a run now to its destinations
// (operator, admin); its runs, each delivery's outcome and error.
import { html, useState } from "../lib/html.js";
import { api, get, q, download } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time, State } from "../lib/ui.js";

const RANGES = [["", "the report's"], ["1d", "1 day"], ["7d", "7 days"], ["30d", "30 days"], ["90d", "90 days"]];
const enc = encodeURIComponent;

// a section's kind (view, chart, detections, quarantines, unmatched_rules)
// and the title the PDF gives it
const kindOf = (s) => ["view", "chart", "detections", "quarantines", "unmatched_rules"].find((k) => s[k] !== undefined);
const titleOf = (s) => {
  const k = kindOf(s);
  return s.title || (typeof s[k] === "object" && s[k].title) || (k === "view" ? s.view : k.replace("_", " "));
};

const RANGE_WORDS = { previous_week: "the previous week", previous_month: "the previous month" };
const rangeWords = (r) => RANGE_WORDS[r] || `the last ${r}`;

const Outcome = ({ o }) => html`<${State} ok=${o === "ok"} warn=${o === "running" || o === "interrupted"} word=${o} />`;

function Runs({ runs }) {
  if (!runs.length) return html`<p class="empty">No run yet: scheduled runs and runs made here are listed, newest first.</p>`;
  return html`<table tabindex="0" class="wide"><caption>Runs (newest first)</caption>
    <thead><tr><th scope="col">Started</th><th scope="col">By</th><th scope="col">Range</th><th scope="col">Outcome</th>
      <th scope="col">Files</th><th scope="col">Deliveries</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr data-run=${r.id}>
      <td><${Time} t=${Math.floor(r.started / 1000)} /></td>
      <td>${r.trigger === "schedule" ? "the schedule" : r.actor || "the API"}</td>
      <td><${Time} t=${r.begin} /> to <${Time} t=${r.end} /></td>
      <td><${Outcome} o=${r.outcome} />${r.error && html`<div class="sub">${r.error}</div>`}</td>
      <td>${(r.files || []).map((f) => html`<div><code>${f.name}</code> <span class="sub">${f.bytes} bytes</span></div>`)}</td>
      <td>${(r.deliveries || []).map((d) => html`<div>${d.destination}: <${Outcome} o=${d.outcome} />${" "}<span class="sub">${d.attempts} ${d.attempts === 1 ? "try" : "tries"}${d.error ? `: ${d.error}` : ""}</span></div>`)}</td>
    </tr>`)}</tbody></table>`;
}

function Report({ name, sum, who }) {
  const [range, setRange] = useState("");
  const [gen, setGen] = useState(0);
  const [err, setErr] = useState(null);
  const [msg, setMsg] = useState("");
  const [busy, setBusy] = useState(false);
  const def = useData(() => get(`/reports/${enc(name)}`), [name]);
  const runs = useData(() => get(`/reports/${enc(name)}/runs?limit=20`), [name, gen]);
  const d = def.data;
  const sections = d ? d.sections : [];
  const suffix = range ? `-${range}` : "";
  async function run() {
    setErr(null);
    setMsg("");
    setBusy(true);
    try {
      const r = await api("POST", `/reports/${enc(name)}/run?${q({ range })}`);
      if (r.outcome === "ok") setMsg("Made and delivered: ok.");
      else setErr(new Error(`Made, not delivered everywhere: ${r.outcome}${r.error ? ` (${r.error})` : ""}; its run below says where.`));
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
      setGen((g) => g + 1);
    }
  }
  const save = (path, file) => { setErr(null); setMsg(""); download(path, file).catch(setErr); };
  const canRun = who.role !== "viewer" && sum.destinations > 0;
  return html`<section class="card report" aria-label=${`Report ${name}`}>
    <h2>${sum.title}</h2>
    ${d && html`<p class="sub">${sections.length} sections, over ${rangeWords(d.range)} by default, times in ${sum.timezone};
      ${sum.schedule ? ` made at "${sum.schedule}"` : " made on demand only"}${sum.destinations
        ? `, delivered to ${sum.destinations} ${sum.destinations === 1 ? "destination" : "destinations"}` : ", delivered nowhere (no destination)"}.</p>`}
    <div class="row">
      <label>Range <select value=${range} onChange=${(e) => setRange(e.target.value)}>
        ${RANGES.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select></label>
      <button onClick=${() => save(`/reports/${enc(name)}/pdf?${q({ range })}`, `${name}${suffix}.pdf`)}>Download PDF</button>
      ${sections.map((s, i) => kindOf(s) !== "chart" && html`<button onClick=${() => save(
        `/reports/${enc(name)}/csv?${q({ section: i + 1, range })}`, `${name}${suffix}-${i + 1}.csv`)}>CSV: ${titleOf(s)}</button>`)}
      <button class="primary" disabled=${!canRun || busy} onClick=${run}>${busy ? "Running…" : "Run now"}</button>
      ${who.role === "viewer" ? html`<small>Running needs the operator role.</small>`
        : !sum.destinations && html`<small>Nowhere to deliver it: save the report with a destination to run it.</small>`}
    </div>
    <${Err} e=${err || def.error || runs.error} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    ${runs.data && html`<${Runs} runs=${runs.data} />`}
  </section>`;
}

export function Reports({ params, who }) {
  const { data, error } = useData(() => get("/reports"));
  const name = params.get("name");
  const list = data || [];
  const cur = list.find((r) => r.name === name);
  return html`<h1>Reports</h1>
    <p class="sub">Views' rows, charts and the security tables over a range, made by the manager as a PDF and a CSV file per table,
      on demand or on a schedule in the report's time zone. Reports are saved with <code>cordon reports push</code>.</p>
    <${Err} e=${error} />
    ${!data && !error && html`<p>Loading…</p>`}
    ${data && html`<table tabindex="0" class="wide"><caption>Reports (${list.length})</caption>
      <thead><tr><th scope="col">Report</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Time zone</th>
        <th scope="col">Destinations</th><th scope="col">Kept</th></tr></thead>
      <tbody>${list.map((r) => html`<tr data-report=${r.name} class=${r.name === name ? "selected" : ""}>
        <td><a href=${"#/reports?name=" + enc(r.name)} aria-current=${r.name === name ? "true" : undefined}>${r.title}</a>
          <div class="sub"><code>${r.name}</code></div></td>
        <td>${r.schedule ? html`<code>${r.schedule}</code>` : "on demand"}</td>
        <td>${r.next ? html`<${Time} t=${r.next} />` : "–"}</td>
        <td>${r.timezone}</td>
        <td>${r.destinations}</td>
        <td>${r.builtin ? "built in" : `saved, revision ${r.rev}${r.replaces_builtin ? " (replaces the built-in)" : ""}`}</td>
      </tr>`)}</tbody></table>`}
    ${name && data && !cur && html`<p class="error" role="alert">There is no report ${name}.</p>`}
    ${cur && html`<${Report} key=${cur.name} name=${cur.name} sum=${cur} who=${who} />`}
    ${data && !name && html`<p class="sub">Pick a report to make its PDF or CSV now, run it, or see its runs.</p>`}`;
}
