// metrics.js - reading the metrics store: latest values for tables, a
// range at a step for charts (the store answers from the right tier).
import { api, get } from "./api.js";
import { rangeOf } from "./ui.js";

let catalog = null;
export async function units() {
  if (!catalog) {
    const c = await get("/metrics/catalog");
    catalog = Object.fromEntries(c.map((m) => [m.name, m.unit]));
  }
  return catalog;
}

export const objects = (kind) => get("/metrics/objects" + (kind ? `?kind=${kind}` : ""));

// the objects one query may name (the API's limit): more are asked for a
// page of them at a time
export const QUERY_MAX_OBJECTS = 1000;

// {name: {metric: value}} of the newest value in the last 10 minutes
export async function latest(kind, names, metrics) {
  const out = {};
  const end = Date.now();
  for (let i = 0; i < names.length; i += QUERY_MAX_OBJECTS) {
    const r = await api("POST", "/metrics/query", {
      objects: names.slice(i, i + QUERY_MAX_OBJECTS).map((name) => ({ kind, name })), metrics,
      begin: end - 600e3, end, step_seconds: 600, rollup: "latest",
    });
    for (const s of r.series) {
      if (!s.points.length) continue;
      (out[s.name] ||= {})[s.metric] = s.points[s.points.length - 1][1];
    }
  }
  return out;
}

// the series of objects' metrics over a range ("1h" ... "180d"), every
// object: a page of QUERY_MAX_OBJECTS a query
export async function range(objs, metrics, key, rollup = "avg") {
  const r = rangeOf(key);
  const end = Date.now();
  const out = [];
  for (let i = 0; i < objs.length; i += QUERY_MAX_OBJECTS) {
    const a = await api("POST", "/metrics/query", {
      objects: objs.slice(i, i + QUERY_MAX_OBJECTS), metrics, begin: end - r.ms, end, step_seconds: r.step, rollup,
    });
    out.push(...a.series);
  }
  return out;
}

// the learned thresholds' band of an object's metric over a range ("1h"
// ... "180d"), at the chart's step (a minute at least): {state, days,
// sigmas, points: [[ms, lower, centre, upper], ...]}; points is empty
// while the object is still learning (under 7 days of history)
export async function band(kind, name, metric, key) {
  const r = rangeOf(key);
  const end = Date.now();
  return get("/metrics/band?" + new URLSearchParams({
    kind, name, metric, begin: String(Math.round(end - r.ms)), end: String(Math.round(end)),
    step_seconds: String(Math.max(60, r.step)),
  }));
}
