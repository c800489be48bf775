// alerts.js - active and past alerts by severity; an alert's page:
// symptoms and their values, recommendations, related objects, the chart
// that shows it; acknowledge.
import { html, useState } from "../lib/html.js";
import { api, get, q } from "../lib/api.js";
import { useData, useAction } from "../lib/live.js";
import { Err, Time, Sev, Chart } from "../lib/ui.js";
import { units } from "../lib/metrics.js";

const SEVS = ["critical", "warning", "info"];
const num = (v) => (typeof v === "number" ? +v.toPrecision(4) : v);
const objLink = (kind, name) => (kind === "vm" ? html`<a href=${"#/workloads/" + encodeURIComponent(name)}>${name}</a>` : name);

export function Alerts({ params }) {
  const [state, setState] = useState(params.get("state") || "active");
  const sev = params.get("severity") || "";
  const { data, error } = useData(() => get("/alerts?" + q({ state, severity: sev })), [state, sev]);
  const rows = data || [];
  return html`<h1>Alerts</h1>
    <div class="row filters"><label>Show<select value=${state} onChange=${(e) => setState(e.target.value)}>
      <option value="active">active</option><option value="cancelled">past (cancelled)</option></select></label>
      ${sev && html`<span>severity ${sev} · <a href="#/alerts">all severities</a></span>`}</div>
    <${Err} e=${error} />
    ${!data && !error && html`<p>Loading…</p>`}
    ${data && !rows.length && html`<p class="empty">No ${state === "active" ? "active" : "past"} alert${sev ? ` of severity ${sev}` : ""}.</p>`}
    ${SEVS.map((s) => {
      const a = rows.filter((x) => x.severity === s);
      return a.length ? html`<section><h2><${Sev} s=${s} /> ${a.length}</h2>
        <table tabindex="0" class="wide"><thead><tr><th scope="col">Alert</th><th scope="col">Object</th><th scope="col">Raised</th><th scope="col">${state === "active" ? "Updated" : "Cancelled"}</th><th scope="col">Acknowledged</th></tr></thead>
        <tbody>${a.map((x) => html`<tr><td><a href=${"#/alerts/" + x.id}>${x.definition}</a></td><td>${x.kind} ${objLink(x.kind, x.object)}</td>
          <td><${Time} t=${x.raised} /></td><td><${Time} t=${state === "active" ? x.updated : x.cancelled} /></td><td>${x.acked_by ? html`by ${x.acked_by}` : "no"}</td></tr>`)}</tbody></table></section>` : null;
    })}`;
}

export function Alert({ arg: id }) {
  const [act, msg, err] = useAction();
  const { data, error } = useData(async () => {
    const a = await get(`/alerts/${encodeURIComponent(id)}`);
    let chart = null;
    if (a.drilldown?.query) {
      const u = await units();
      const dq = a.drilldown.query;
      const r = await api("POST", "/metrics/query", dq);
      chart = { unit: u[dq.metrics[0]], series: r.series.map((s) => ({ label: `${s.name} ${s.metric}`, points: s.points })) };
      // a learned threshold's: the band behind the metric, over the same range
      const learned = (a.symptoms || []).find((s) => s.band && s.metric === dq.metrics[0]);
      if (learned && dq.objects.length === 1) {
        const b = await get("/metrics/band?" + q({ kind: dq.objects[0].kind, name: dq.objects[0].name, metric: learned.metric,
          begin: dq.begin, end: dq.end, step_seconds: Math.max(60, dq.step_seconds), sigmas: learned.sigmas })).catch(() => null);
        if (b?.points?.length) chart.band = { label: "normal", points: b.points };
      }
    }
    return { a, chart };
  }, [id]);
  if (!data) return html`<h1>Alert ${id}</h1><${Err} e=${error} /><p>Loading…</p>`;
  const { a, chart } = data;
  return html`<h1><${Sev} s=${a.severity} /> ${a.definition}</h1>
    <p class="sub">${a.kind} ${objLink(a.kind, a.object)} · ${a.state} · raised <${Time} t=${a.raised} />
      ${a.cancelled && html` · cancelled <${Time} t=${a.cancelled} />`}</p>
    ${a.description && html`<p>${a.description}</p>`}
    <${Err} e=${error || err} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    <p>${a.acked_by ? html`Acknowledged by ${a.acked_by} at <${Time} t=${a.acked_at} />`
      : html`<button class="primary" onClick=${() => act(() => api("POST", `/alerts/${a.id}/ack`), "acknowledged")}>Acknowledge</button>`}</p>
    <div class="grid2">
    <section class="card"><h2>Symptoms</h2><ul>${(a.symptoms || []).map((s) => html`<li class=${s.holds ? "holds" : ""}>
      <strong>${s.symptom}</strong> ${s.holds ? "holds" : "does not hold"}${s.value != null ? html`: value <b>${typeof s.value === "number" ? +s.value.toPrecision(4) : s.value}</b>` : ""}
      ${s.band ? html`<div class="band">normal band <b>${num(s.band.lower)}</b> to <b>${num(s.band.upper)}</b> (centre ${num(s.band.centre)}, ±${s.sigmas}σ)
        at ${s.band.hour}, hour ${s.band.hour_of_week} of the week; learned from ${Math.floor(s.band.days)} days</div>`
        : s.op === "above_normal" || s.op === "below_normal" ? html`<div class="band">${s.why}</div>` : ""}</li>`)}</ul>
      ${a.reason && html`<p>${a.reason}</p>`}</section>
    <section class="card"><h2>Recommendations</h2><ul>${a.recommendations.map((r, i) => html`<li>${r.text}
      ${r.action && html` <button class="small" onClick=${() => act(() => api("POST", `/alerts/${a.id}/run`, { recommendation: i + 1 }), `${r.action} done`)}>${r.action}${r.tag ? ` ${r.tag}` : ""}</button>`}</li>`)}</ul>
      <h2>Related objects</h2><p>${a.related.length ? a.related.map((r) => html`<span class="tag">${r.kind} ${objLink(r.kind, r.name)}</span> `) : "none"}</p></section>
    </div>
    ${chart && html`<section class="card"><h2>What shows it</h2><${Chart} title=${a.drilldown.query.metrics.join(", ")} unit=${chart.unit} series=${chart.series} band=${chart.band || null}
      note=${chart.band ? "shaded: the normal band it is held to" : null} /></section>`}
    ${a.drilldown?.events && html`<p><a href=${"#/events?" + a.drilldown.events.split("?")[1]}>The events that show it</a></p>`}`;
}
