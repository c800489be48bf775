// sources.js - inventory sources: states and last errors; add a libvirt
// host or a vCenter (the manager connects first: a refusal is shown in
// the form); remove.
import { html, useState } from "../lib/html.js";
import { api, get } from "../lib/api.js";
import { useData, poke } from "../lib/live.js";
import { Err, Time, State, useConfirm } from "../lib/ui.js";

function AddSource({ done }) {
  const [kind, setKind] = useState("vsphere");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  async function submit(e) {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget));
    const body = kind === "libvirt" ? { name: f.name, kind, uri: f.uri }
      : { name: f.name, kind, url: f.url, user: f.user, password: f.password, insecure: f.insecure === "on",
        ...(f.cacert.trim() ? { cacert: f.cacert } : {}) };
    setErr(null); setBusy(true);
    try {
      await api("POST", "/sources", body);
      e.currentTarget?.reset();
      done(`source ${f.name} added: the connection was tested`);
      poke();
    } catch (x) { setErr(x); } finally { setBusy(false); }
  }
  return html`<form class="card addsrc" onSubmit=${submit} aria-labelledby="addsrc-h">
    <h2 id="addsrc-h">Add a source</h2>
    <fieldset><legend>Kind</legend>
      <label class="inline"><input type="radio" name="kind" value="vsphere" checked=${kind === "vsphere"} onChange=${() => setKind("vsphere")} /> vCenter</label>
      <label class="inline"><input type="radio" name="kind" value="libvirt" checked=${kind === "libvirt"} onChange=${() => setKind("libvirt")} /> libvirt host</label>
    </fieldset>
    <label>Name<input name="name" required /></label>
    ${kind === "libvirt" ? html`<label>URI<input name="uri" required placeholder="qemu+tls://host/system" /></label>`
      : html`<label>URL<input name="url" required placeholder="https://vcenter.example/sdk" /></label>
        <label>User<input name="user" required autocomplete="off" /></label>
        <label>Password<input name="password" type="password" required autocomplete="new-password" /></label>
        <label>Its CA certificate (PEM; empty: the system's CAs)<textarea name="cacert" rows="3" spellcheck="false"></textarea></label>
        <label class="inline"><input type="checkbox" name="insecure" /> Skip the certificate check (a test vCenter only)</label>`}
    <button type="submit" class="primary" disabled=${busy}>${busy ? "Testing the connection…" : "Test and add"}</button>
    ${err && html`<p class="error" role="alert">Refused: ${err.message}${err.field ? ` (${err.field})` : ""}</p>`}
  </form>`;
}

export function Sources({ who }) {
  const { data, error } = useData(() => get("/sources"));
  const [msg, setMsg] = useState("");
  const [err, setErr] = useState(null);
  const [confirm, dialog] = useConfirm();
  async function remove(n) {
    if (!(await confirm(`Remove source ${n} and its workloads?`, "Remove"))) return;
    try { await api("DELETE", `/sources/${encodeURIComponent(n)}`); setMsg(`source ${n} removed`); poke(); } catch (e) { setErr(e); }
  }
  return html`<h1>Sources</h1>${dialog}<${Err} e=${error || err} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    ${!data && !error && html`<p>Loading…</p>`}
    <table tabindex="0" class="wide"><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Workloads</th><th scope="col">Last sync</th><th scope="col">Last error</th><th scope="col"></th></tr></thead>
    <tbody>${(data || []).map((s) => html`<tr><td>${s.name}</td><td>${s.kind}</td><td>${s.endpoint}</td>
      <td><${State} ok=${s.state === "in sync"} word=${s.state} warn=${s.state === "connecting"} /></td><td>${s.workloads}</td>
      <td><${Time} t=${s.last_sync} /></td><td class=${s.last_error ? "errtext" : ""}>${s.last_error || "–"}</td>
      <td>${s.kind !== "static" && who.role === "admin" && html`<button class="small" onClick=${() => remove(s.name)}>Remove</button>`}</td></tr>`)}</tbody></table>
    ${who.role === "admin" ? html`<${AddSource} done=${setMsg} />` : html`<p>Adding a source needs the admin role.</p>`}`;
}
