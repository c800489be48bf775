// events.js - the event log: search, filter by type, workload and time.
import { html, useState } from "../lib/html.js";
import { get, q } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time } from "../lib/ui.js";
import { fromWall, toWall, getZone, offset } from "../lib/time.js";

// the types every manager writes; those seen in an answer join them
const TYPES = ["audit", "inventory", "policy", "quarantine", "release", "detection", "scan",
  "agent-up", "agent-down", "source", "alert", "alert-ack"];
const SPANS = [["", "any time"], ["1h", "last hour"], ["24h", "last 24 hours"], ["7d", "last 7 days"], ["30d", "last 30 days"],
  ["custom", "from … to …"]];
const MS = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

// since and until of the filter: a span back from now, or two wall
// clocks of the user's zone
function range(f) {
  if (f.span === "custom") {
    const a = fromWall(f.from), b = fromWall(f.to);
    return { since: Number.isFinite(a) ? new Date(a).toISOString() : "", until: Number.isFinite(b) ? new Date(b).toISOString() : "" };
  }
  return { since: f.span ? new Date(Date.now() - MS[f.span]).toISOString() : "" };
}

export function Events({ params }) {
  const [f, setF] = useState({ q: "", type: params.get("type") || "", workload: params.get("workload") || "",
    host: params.get("host") || "", span: "", from: toWall(Date.now() - 86400e3), to: toWall(Date.now()) });
  const [applied, setApplied] = useState(f);
  const { data, error } = useData(() => get("/events?" + q({
    q: applied.q, type: applied.type, workload: applied.workload, host: applied.host, limit: 200,
    ...range(applied),
  })), [applied]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const rows = data ? [...data].reverse() : [];
  const types = ["", ...new Set([...TYPES, ...rows.map((e) => e.type)].sort())];
  return html`<h1>Events</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setApplied(f); }}>
      <label>Search<input type="search" value=${f.q} onInput=${set("q")} placeholder="words in the message or data" /></label>
      <label>Type<select value=${f.type} onChange=${set("type")}>${types.map((t) => html`<option value=${t}>${t || "any"}</option>`)}</select></label>
      <label>Workload<input value=${f.workload} onInput=${set("workload")} /></label>
      <label>Time<select id="ev-span" value=${f.span} onChange=${set("span")}>${SPANS.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select></label>
      ${f.span === "custom" && html`<label>From (${getZone()} ${offset()})<input id="ev-from" type="datetime-local" value=${f.from} onInput=${set("from")} required /></label>
        <label>To<input id="ev-to" type="datetime-local" value=${f.to} onInput=${set("to")} required /></label>`}
      <button type="submit" class="primary">Search</button>
    </form>
    <${Err} e=${error} />
    <p class="count-line" aria-live="polite">${data ? `${rows.length} events, newest first${rows.length === 200 ? " (the newest 200)" : ""}` : "Loading…"}</p>
    <table tabindex="0" class="wide events-table"><thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Workload</th><th scope="col">Host</th><th scope="col">By</th><th scope="col">Message</th></tr></thead>
    <tbody>${rows.map((e) => html`<tr><td><${Time} t=${e.time} /></td><td><span class="etype">${e.type}</span></td>
      <td>${e.workload && html`<a href=${"#/workloads/" + encodeURIComponent(e.workload)}>${e.workload}</a>`}</td>
      <td>${e.host}</td><td>${e.actor}</td><td>${e.message}</td></tr>`)}</tbody></table>`;
}
