// overview.js - counts and states at a glance, each a link to its page.
import { html } from "../lib/html.js";
import { get } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time } from "../lib/ui.js";

const SEVS = ["critical", "warning", "info"];

function Card({ href, n, label, sub, bad }) {
  return html`<a class=${"card count-card" + (bad ? " bad" : "")} href=${href}>
    <span class="count">${n}</span><span class="label">${label}</span>${sub && html`<small>${sub}</small>`}</a>`;
}

export function Overview() {
  const { data, error } = useData(async () => {
    const [wl, agents, sources, alerts] = await Promise.all([
      get("/workloads"), get("/agents"), get("/sources"), get("/alerts?state=active"),
    ]);
    return { wl, agents, sources, alerts, at: Date.now() };
  });
  if (!data) return html`<h1>Overview</h1><${Err} e=${error} /><p>Loading…</p>`;
  const { wl, agents, sources, alerts } = data;
  const q = wl.filter((w) => w.quarantined).length;
  const up = agents.filter((a) => a.connected).length;
  const current = agents.filter((a) => a.connected && a.current).length;
  const sync = sources.filter((s) => s.state === "in sync").length;
  const bySev = Object.fromEntries(SEVS.map((s) => [s, alerts.filter((a) => a.severity === s).length]));
  return html`<h1>Overview</h1><${Err} e=${error} />
    <section class="counts" aria-label="Counts">
      <${Card} href="#/workloads" n=${wl.length} label="workloads" />
      <${Card} href="#/quarantine" n=${q} label="quarantined" bad=${q > 0} />
      <${Card} href="#/agents" n=${`${up} / ${agents.length}`} label="agents up" sub=${`${current} current`} bad=${up < agents.length} />
      <${Card} href="#/sources" n=${`${sync} / ${sources.length}`} label="sources in sync" bad=${sync < sources.length} />
      ${SEVS.map((s) => html`<${Card} href=${"#/alerts?severity=" + s} n=${bySev[s]} label=${s + " alerts"} bad=${bySev[s] > 0 && s !== "info"} />`)}
    </section>
    <p class="when">Last updated <${Time} t=${data.at} /></p>`;
}
