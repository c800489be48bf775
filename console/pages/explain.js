// explain.js - which rule decides a flow, as `cordon explain` says.
import { html, useState } from "../lib/html.js";
import { get, q } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err } from "../lib/ui.js";

export function Explain() {
  const wl = useData(() => get("/workloads"));
  const pol = useData(() => get("/policy/rules").catch(() => null));
  const [f, setF] = useState({ from: "", to: "", proto: "tcp", port: "443" });
  const [ans, setAns] = useState(null);
  const [err, setErr] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  async function ask(e) {
    e.preventDefault();
    setErr(null); setAns(null);
    try {
      setAns(await get("/explain?" + q({ from: f.from, to: f.to, proto: f.proto, port: f.proto === "icmp" ? "" : f.port })));
    } catch (x) { setErr(x); }
  }
  const rule = (id) => pol.data?.rules.find((r) => r.id === id);
  const stage = (name, s) => {
    if (!s) return html`<li><strong>${name}</strong>: not managed here, no check</li>`;
    const r = s.rule != null ? rule(s.rule) : null;
    const g = s.staged ? rule(s.staged.rule) : null;
    return html`<li><strong>${name}</strong>: <span class=${"act act-" + s.verdict}>${s.verdict}</span> ${s.rule == null ? "by the default action"
      : html`by rule ${s.rule}${r ? html` "${r.name || ""}" (${r.category}, line ${r.line})` : ""}`}
      ${s.staged && html`<br /><span class="staged">staged: <span class=${"act act-" + s.staged.verdict}>${s.staged.verdict}</span> by rule ${s.staged.rule}${
        g ? html` "${g.name || ""}" (${g.category}, line ${g.line})` : ""}, not enforced</span>`}</li>`;
  };
  return html`<h1>Explain</h1>
    <form class="explain card" onSubmit=${ask}>
      <datalist id="wl-names">${(wl.data || []).map((w) => html`<option value=${w.name} />`)}</datalist>
      <label>Source<input list="wl-names" value=${f.from} onInput=${set("from")} required placeholder="workload or address" /></label>
      <label>Destination<input list="wl-names" value=${f.to} onInput=${set("to")} required placeholder="workload or address" /></label>
      <label>Protocol<select value=${f.proto} onChange=${set("proto")}><option>tcp</option><option>udp</option><option>icmp</option></select></label>
      <label>Port<input type="number" min="1" max="65535" value=${f.port} onInput=${set("port")} disabled=${f.proto === "icmp"} /></label>
      <button type="submit" class="primary">Explain</button>
    </form>
    <${Err} e=${err} />
    ${ans && html`<section class="card answer" aria-live="polite"><h2>Verdict: <span class=${"act act-" + ans.verdict}>${ans.verdict}</span>${ans.staged_verdict &&
      html` <small>(were the staged rules enforced: <span class=${"act act-" + ans.staged_verdict}>${ans.staged_verdict}</span>)</small>`}</h2>
      <ul>${stage("egress", ans.egress)}${stage("ingress", ans.ingress)}</ul></section>`}`;
}
