// agents.js - each agent: connected or not, last heartbeat, what it
// realized, and the vNICs of its host it cannot filter.
import { html } from "../lib/html.js";
import { get } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err, Time, State } from "../lib/ui.js";

export function Agents() {
  const { data, error } = useData(() => get("/agents"));
  return html`<h1>Agents</h1><${Err} e=${error} />
    ${!data && !error && html`<p>Loading…</p>`}
    ${data && !data.length && html`<p class="empty">No agent has enrolled yet.</p>`}
    <table tabindex="0" class="wide"><thead><tr><th scope="col">Agent</th><th scope="col">Host / workload</th><th scope="col">State</th><th scope="col">Last heartbeat</th><th scope="col">Revision realized</th><th scope="col">Change realized</th></tr></thead>
    <tbody>${(data || []).map((a) => html`<tr><td>${a.name}</td><td>${a.host || a.workload}</td>
      <td><${State} ok=${a.connected} word=${a.connected ? "connected" : "disconnected"} /></td>
      <td><${Time} t=${a.last_heartbeat} /></td><td>${a.applied_revision}</td>
      <td>${a.applied_seq} ${a.current ? html`<${State} ok=${true} word="current" />` : html`<${State} ok=${false} warn=${true} word="behind" />`}</td></tr>
      ${(a.not_enforced || []).map((n) => html`<tr class="unenforced"><td colspan="6"><${State} ok=${false} word="NOT enforced" /> vNIC ${n.vnic}${n.workload ? html` (<a href=${"#/workloads/" + encodeURIComponent(n.workload)}>${n.workload}</a>)` : ""}: ${n.reason}</td></tr>`)}`)}</tbody></table>`;
}
