// quarantine.js - the board: quarantined workloads, since when and why;
// release (confirmed), scan.
import { html } from "../lib/html.js";
import { api, get } from "../lib/api.js";
import { useData, useAction } from "../lib/live.js";
import { Err, Time, useConfirm } from "../lib/ui.js";

export function Quarantine() {
  const { data, error } = useData(() => get("/workloads"));
  const [act, msg, err] = useAction();
  const [confirm, dialog] = useConfirm();
  const qs = (data || []).filter((w) => w.quarantined);
  const path = (n, what) => `/workloads/${encodeURIComponent(n)}/${what}`;
  return html`<h1>Quarantine</h1>${dialog}<${Err} e=${error || err} />
    ${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    ${!data && !error && html`<p>Loading…</p>`}
    ${data && !qs.length && html`<p class="empty">No workload is quarantined.</p>`}
    <ul class="board">${qs.map((w) => html`<li class="card qcard" data-workload=${w.name}>
      <h2><a href=${"#/workloads/" + encodeURIComponent(w.name)}>${w.name}</a></h2>
      <p>on ${w.host || "–"} · ${w.source || ""}</p>
      <p>Since ${w.quarantine?.since ? html`<${Time} t=${w.quarantine.since} />` : "(not recorded: its source gives it the tag)"}</p>
      <p class="why">${w.quarantine?.why}</p>
      <div class="row">
        <button onClick=${() => act(() => api("POST", path(w.name, "scan"), { kind: "full" }), `full scan of ${w.name} asked for`)}>Full scan</button>
        <button class="danger" onClick=${async () => { if (await confirm(`Release ${w.name} from quarantine? Its traffic is no longer cut.`, "Release")) act(() => api("POST", path(w.name, "release")), `${w.name} released`); }}>Release</button>
      </div></li>`)}</ul>`;
}
