// ui.js - the pieces every page uses: a table whose rows are drawn only
// where they are seen, the unit switch, a chart with its current value,
// a confirmation, a time with its zone, a state with its colour and word.
import { html, useState, useEffect, useRef } from "./html.js";
import uPlot from "../vendor/uplot.js";
import { UNITS, base, value } from "./units.js";
import { when, getZone, offset, clock, axis } from "./time.js";

export const Time = ({ t }) => html`<time datetime=${t ? new Date(t).toISOString() : ""}>${when(t)}</time>`;

// ok: true/false; word: what the state is called (colour is never alone)
export const State = ({ ok, word, warn }) =>
  html`<span class=${"state " + (ok ? "ok" : warn ? "warn" : "bad")}>${word}</span>`;

export const Sev = ({ s }) => html`<span class=${"sev sev-" + s}>${s}</span>`;

export function UnitSwitch({ label, unit, set }) {
  return html`<span class="unitsw">
    <select aria-label=${`${label}: unit`} value=${unit} onChange=${(e) => set(e.target.value)}>
      ${UNITS.map((u) => html`<option value=${u}>${u}</option>`)}
    </select><small>${base(unit)}</small></span>`;
}

export const Err = ({ e }) => (e ? html`<p class="error" role="alert">${e.message || String(e)}</p>` : null);

// A table of many rows: only the rows in view (and a few beyond) are in
// the page; the rest is the height they would take.
const ROW = 34;
export function VirtualTable({ columns, rows, height = 560, label, rowKey }) {
  const box = useRef(null);
  const [top, setTop] = useState(0);
  const [h, setH] = useState(height);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setH(el.clientHeight || height));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const last = Math.min(rows.length, Math.ceil((top + h) / ROW) + 10);
  const shown = rows.slice(first, last);
  return html`<div class="vtable" ref=${box} tabindex="0" role="region" aria-label=${label}
      onScroll=${(e) => setTop(e.currentTarget.scrollTop)}>
    <table aria-rowcount=${rows.length + 1}>
      <thead><tr>${columns.map((c) => html`<th scope="col">${c.head}</th>`)}</tr></thead>
      <tbody>
        ${first > 0 && html`<tr class="spacer" aria-hidden="true" style=${{ height: `${first * ROW}px` }}></tr>`}
        ${shown.map((r, i) => html`<tr key=${rowKey(r)} aria-rowindex=${first + i + 2}>
          ${columns.map((c) => html`<td>${c.cell(r)}</td>`)}</tr>`)}
        ${last < rows.length && html`<tr class="spacer" aria-hidden="true" style=${{ height: `${(rows.length - last) * ROW}px` }}></tr>`}
      </tbody>
    </table></div>`;
}

// A confirmation in a modal dialog: confirm(text) resolves true or false.
export function useConfirm() {
  const [ask, setAsk] = useState(null);
  const dlg = useRef(null);
  useEffect(() => { if (ask && dlg.current && !dlg.current.open) dlg.current.showModal(); }, [ask]);
  const close = (v) => { dlg.current?.close(); ask?.resolve(v); setAsk(null); };
  const node = ask && html`<dialog ref=${dlg} aria-labelledby="confirm-text" onCancel=${() => close(false)}>
      <p id="confirm-text">${ask.text}</p>
      <div class="row"><button class="danger" onClick=${() => close(true)}>${ask.yes}</button>
      <button onClick=${() => close(false)}>Cancel</button></div></dialog>`;
  const confirm = (text, yes = "Confirm") => new Promise((resolve) => setAsk({ text, yes, resolve }));
  return [confirm, node];
}

const PALETTE = ["#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#e67700", "#0c8599", "#c2255c", "#5c940d"];

// A time-series chart (uPlot) in the user's zone, its latest value beside
// it.  series: [{label, points: [[ms, v], ...]}], unit: the catalog's;
// band: {label, points: [[ms, lower, centre, upper], ...]}, a light fill
// drawn behind the series (the learned thresholds' normal band), or null.
export function Chart({ title, series, unit, height = 180, bunit = "auto", band = null, note = null }) {
  const el = useRef(null);
  const plot = useRef(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    // the figure's width, not the plot's: the canvas inside would hold it
    const fig = el.current.parentElement;
    const measure = () => setWidth(Math.max(160, fig.clientWidth - 22));
    const ro = new ResizeObserver(measure);
    ro.observe(fig);
    measure();
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const bp = band?.points?.length ? band.points : [];
    const own = new Set(series.flatMap((s) => s.points.map((p) => p[0])));
    const ts = [...new Set([...own, ...bp.map((p) => p[0])])].sort((a, b) => a - b);
    const idx = new Map(ts.map((t, i) => [t, i]));
    const data = [ts.map((t) => t / 1000)];
    // a time only the band has: undefined in the series (uPlot joins
    // over it), not null (a gap in the data)
    for (const s of series) {
      const col = ts.map((t) => (own.has(t) ? null : undefined));
      for (const [t, v] of s.points) col[idx.get(t)] = v;
      data.push(col);
    }
    // the band: its upper then its lower edge, after the series; filled
    // between them (uPlot's bands), no line of their own
    const edges = bp.length ? [3, 1].map((k) => {
      const col = new Array(ts.length).fill(null);
      for (const p of bp) col[idx.get(p[0])] = p[k];
      return col;
    }) : [];
    data.push(...edges);
    const zone = getZone();
    const opts = {
      width, height,
      tzDate: (t) => uPlot.tzDate(new Date(t * 1000), zone),
      // every metric of the catalog is 0 or more: the y axis starts at 0
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      series: [{ label: `time (${zone} ${offset()})`, value: (u, v) => (v == null ? "–" : clock(v * 1000)) },
        ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5,
          spanGaps: false, value: (u, v) => value(v, unit, bunit) })),
        ...(edges.length ? ["upper", "lower"].map((e) => ({ label: `${band.label || "normal"} ${e}`,
          stroke: "rgba(47, 111, 222, 0.35)", width: 0.5, dash: [4, 4], spanGaps: true, points: { show: false },
          value: (u, v) => value(v, unit, bunit) })) : [])],
      bands: edges.length ? [{ series: [series.length + 1, series.length + 2], fill: "rgba(47, 111, 222, 0.16)" }] : [],
      // (80 px between ticks: room for "18:08:20")
      axes: [{ space: 80, values: (u, vals) => vals.map((v) => axis(v * 1000, (u.scales.x.max - u.scales.x.min) * 1000,
        vals.length > 1 ? (vals[1] - vals[0]) * 1000 : 60000)) },
        { values: (u, vals) => vals.map((v) => value(v, unit, bunit)), size: 80 }],
      legend: { live: true },
    };
    plot.current?.destroy();
    if (!width) return undefined;
    plot.current = new uPlot(opts, data, el.current);
    return () => { plot.current?.destroy(); plot.current = null; };
  }, [series, band, unit, width, height, bunit, getZone()]);
  const current = series.map((s) => [s.label, s.points.length ? s.points[s.points.length - 1] : null]);
  return html`<figure class="chart">
    <figcaption><strong>${title}</strong>
      <span class="now">${current.slice(0, 4).map(([l, p]) => html`<span>
        <span class="lbl">${l}</span> <b>${p ? value(p[1], unit, bunit) : "no data"}</b>
        ${p && html`<small> at ${when(p[0])}</small>`}</span>`)}</span>
      ${note && html`<small class="note">${note}</small>`}
    </figcaption>
    <div ref=${el} class="plot" data-band=${band?.points?.length ? "yes" : "no"}></div></figure>`;
}

// The ranges a chart can show, 1 hour to 6 months, and the step each is
// asked at: one the store answers from its 5-minute or 1-hour tier when
// the range is past the raw samples' days.
export const RANGES = [
  { key: "1h", label: "1 hour", ms: 3600e3, step: 20 },
  { key: "6h", label: "6 hours", ms: 6 * 3600e3, step: 60 },
  { key: "24h", label: "24 hours", ms: 86400e3, step: 300 },
  { key: "7d", label: "7 days", ms: 7 * 86400e3, step: 1800 },
  { key: "30d", label: "30 days", ms: 30 * 86400e3, step: 3600 },
  { key: "180d", label: "6 months", ms: 180 * 86400e3, step: 21600 },
];
export function RangePicker({ range, set }) {
  return html`<label class="range">Range <select value=${range} onChange=${(e) => set(e.target.value)}>
    ${RANGES.map((r) => html`<option value=${r.key}>${r.label}</option>`)}</select></label>`;
}
export const rangeOf = (key) => RANGES.find((r) => r.key === key) || RANGES[0];
