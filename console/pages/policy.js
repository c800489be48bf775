// policy.js - the rules by category, a staged rule promoted; the document
// edited in the page, checked (every error on its line) before it is
// saved; revisions, a coloured diff, rollback.
import { html, useState, useEffect, useRef } from "../lib/html.js";
import { api, get, q } from "../lib/api.js";
import { useData, poke } from "../lib/live.js";
import { Err, Time, useConfirm } from "../lib/ui.js";

const CATS = ["emergency", "infrastructure", "environment", "application"];

// the rules; a staged rule promoted to enforced (admin: a new revision)
function Rules({ pol, who }) {
  const [confirm, dialog] = useConfirm();
  const [msg, setMsg] = useState("");
  const [err, setErr] = useState(null);
  const staged = pol.rules.filter((r) => r.mode === "staged");
  const admin = who.role === "admin";
  async function promote(rs) {
    const ids = rs.map((r) => r.id);
    const what = rs.length === 1 ? `rule ${rs[0].id}${rs[0].name ? ` ("${rs[0].name}")` : ""}` : `the ${rs.length} staged rules (${ids.join(", ")})`;
    if (!(await confirm(`Enforce ${what}? A new revision with mode: enforced becomes current; a rollback undoes it.`, "Promote"))) return;
    setErr(null); setMsg("");
    try {
      const r = await api("POST", "/policy/promote", { rules: ids });
      setMsg(`Promoted ${ids.join(", ")}: revision ${r.revision}.`);
      poke();
    } catch (e) { setErr(e); }
  }
  return html`${dialog}<p>Default action: <strong>${pol.default_action}</strong> · revision ${pol.revision}</p>
    ${staged.length > 0 && html`<p class="row">${staged.length} staged rule${staged.length > 1 ? "s" : ""}: counted, not enforced.
      <button class="small" id="promote-all" disabled=${!admin} onClick=${() => promote(staged)}>Promote all staged</button>
      ${!admin && html`<small>Promoting needs the admin role.</small>`}</p>`}
    <${Err} e=${err} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    <table tabindex="0" class="wide rules"><thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Source</th><th scope="col">Destination</th><th scope="col">Services</th>
      <th scope="col">Applied to</th><th scope="col">Direction</th><th scope="col">Action</th><th scope="col">Line</th></tr></thead>
    ${CATS.map((c) => {
      const rs = pol.rules.filter((r) => r.category === c);
      return html`<tbody><tr class="cat"><th colspan="9" scope="rowgroup">${c} (${rs.length})</th></tr>
        ${rs.map((r) => html`<tr class=${r.disabled ? "disabled" : ""}><td>${r.id}</td><td>${r.name}</td>
          <td>${r.source.join(", ")}</td><td>${r.destination.join(", ")}</td><td>${r.services.join(", ")}</td>
          <td>${r.applied_to.join(", ") || "–"}</td><td>${r.direction}</td>
          <td><span class=${"act act-" + r.action}>${r.action}</span>${r.mode === "staged" ? html` <span class="badge staged" title="counted, not enforced">staged</span>
            ${admin && html` <button class="small promote" onClick=${() => promote([r])}>Promote</button>`}` : ""}${r.disabled ? " (disabled)" : ""}</td><td>${r.line}</td></tr>`)}</tbody>`;
    })}</table>`;
}

// what the text in the editor would change of the flows seen (7 days)
function Impact({ r }) {
  const end = (e) => e.workload || e.ip, side = (s) => `${s.verdict} (${s.rule ? "rule " + s.rule.id : "default"})`;
  return html`<section class="impact" aria-label="Impact"><h3>Impact on the flows of the last 7 days</h3>
    <p role="status">${r.changed.length} flows change, ${r.unchanged} do not.</p>
    ${r.changed.length > 0 && html`<table tabindex="0" class="wide"><thead><tr><th scope="col">Source</th><th scope="col">Destination</th><th scope="col">Service</th>
      <th scope="col">Now</th><th scope="col">With this text</th><th scope="col" class="num">Connections</th><th scope="col">Last seen</th></tr></thead>
      <tbody>${r.changed.map((c) => html`<tr><td>${end(c.source)}</td><td>${end(c.destination)}</td>
        <td>${c.port == null ? c.protocol : c.protocol + "/" + c.port}</td>
        <td><span class=${"act act-" + c.before.verdict}>${side(c.before)}</span></td><td><span class=${"act act-" + c.after.verdict}>${side(c.after)}</span></td>
        <td class="num">${c.connections}</td><td><${Time} t=${c.last_seen} /></td></tr>`)}</tbody></table>`}</section>`;
}

function Editor({ who }) {
  const cur = useData(() => get("/policy").catch((e) => (e.status === 404 ? { document: "" } : Promise.reject(e))));
  const [text, setText] = useState(null);
  const [errs, setErrs] = useState([]);
  const [msg, setMsg] = useState("");
  const [fail, setFail] = useState(null);
  const [impact, setImpact] = useState(null);
  const [group, setGroup] = useState("");
  const groups = useData(() => get("/groups"));
  const area = useRef(null);
  useEffect(() => { if (cur.data && text === null) setText(cur.data.document); }, [cur.data]);
  const lines = (text || "").split("\n");
  function jump(line) {
    const el = area.current;
    let pos = 0;
    for (let i = 1; i < line; i++) pos += lines[i - 1].length + 1;
    el.focus();
    el.setSelectionRange(pos, pos + (lines[line - 1] || "").length);
    el.scrollTop = Math.max(0, (line - 5) * 20);
  }
  async function check() {
    setMsg(""); setFail(null); setErrs([]); setImpact(null);
    try {
      setImpact(await api("POST", "/policy/impact", { policy: text, filename: "policy.yaml" }));
    } catch (e) {
      if (e.errors?.length) setErrs(e.errors);
      setFail(e);
    }
  }
  async function recommend() {
    setMsg(""); setFail(null); setErrs([]); setImpact(null);
    try {
      const r = await api("POST", "/policy/recommend", { group, days: 7 });
      setText(r.document);
      setMsg(`Recommended for ${r.group} from ${r.flows} flows: ${r.rules.length} staged rules and ${r.groups.length} new groups, added to the text below (not saved). Review, check the impact, then save; promote the rules once their flows look right.`);
    } catch (e) {
      if (e.errors?.length) setErrs(e.errors);
      setFail(e);
    }
  }
  async function send(dry) {
    setMsg(""); setFail(null); setErrs([]); setImpact(null);
    try {
      const r = await api("POST", "/policy", { document: text, filename: "policy.yaml", dry_run: dry });
      setMsg(dry ? "No error: the document loads." : `Saved as revision ${r.revision}.`);
      if (!dry) poke();
    } catch (e) {
      if (e.errors?.length) setErrs(e.errors);
      setFail(e);
    }
  }
  const bad = new Set(errs.map((e) => e.line));
  if (text === null) return html`<${Err} e=${cur.error} /><p>Loading…</p>`;
  return html`<div class="editor">
    <div class="ed-wrap"><ol class="gutter" aria-hidden="true">${lines.map((_, i) => html`<li class=${bad.has(i + 1) ? "bad" : ""}>${i + 1}</li>`)}</ol>
    <textarea ref=${area} aria-label="Policy document" spellcheck="false" value=${text}
      onInput=${(e) => { setText(e.target.value); setErrs([]); setMsg(""); }} rows=${Math.min(40, lines.length + 2)}></textarea></div>
    <div class="row"><label>Recommend for group <select id="rec-group" value=${group} onChange=${(e) => setGroup(e.target.value)}>
        <option value="">(choose)</option>${Object.keys(groups.data || {}).sort().map((g) => html`<option value=${g}>${g}</option>`)}</select></label>
      <button id="rec-go" disabled=${!group} onClick=${recommend}>Recommend from flows</button></div>
    <div class="row"><button onClick=${() => send(true)}>Check</button>
      <button id="impact-go" onClick=${check}>Check impact on flows</button>
      <button class="primary" disabled=${who.role !== "admin"} onClick=${() => send(false)}>Save as a new revision</button>
      ${who.role !== "admin" && html`<small>Saving needs the admin role.</small>`}</div>
    ${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    ${fail && html`<div class="error" role="alert"><p>${fail.message}: nothing was saved.</p>
      <ul class="errlist">${errs.map((e) => html`<li><button class="link" onClick=${() => jump(e.line)}>line ${e.line}, column ${e.column}</button>: ${e.message}</li>`)}</ul></div>`}
    ${impact && html`<${Impact} r=${impact} />`}
  </div>`;
}

function Diff({ text }) {
  return html`<pre class="diff">${text.split("\n").map((l) => html`<span class=${l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : ""}>${l}\n</span>`)}</pre>`;
}

function Revisions({ who }) {
  const { data, error } = useData(() => get("/policy/revisions"));
  const [sel, setSel] = useState(null);
  const [diff, setDiff] = useState(null);
  const [err, setErr] = useState(null);
  const [msg, setMsg] = useState("");
  const [confirm, dialog] = useConfirm();
  async function show(rev) {
    setSel(rev); setErr(null);
    try {
      const cur = data.find((r) => r.current).revision;
      const d = await get("/policy/diff?" + q({ from: rev, to: cur }));
      setDiff(d);
    } catch (e) { setErr(e); }
  }
  async function rollback(rev) {
    if (!(await confirm(`Roll the policy back to revision ${rev}? A new revision with its text becomes current.`, "Roll back"))) return;
    try {
      const r = await api("POST", "/policy/rollback", { revision: rev });
      setMsg(`Rolled back: revision ${r.revision} has revision ${rev}'s text.`);
      poke();
    } catch (e) { setErr(e); }
  }
  if (!data) return html`<${Err} e=${error} /><p>Loading…</p>`;
  return html`${dialog}<${Err} e=${err} />${msg && html`<p class="okmsg" role="status">${msg}</p>`}
    <table tabindex="0" class="wide"><thead><tr><th scope="col">Revision</th><th scope="col">Time</th><th scope="col">Author</th><th scope="col">Comment</th><th scope="col"></th></tr></thead>
    <tbody>${[...data].reverse().map((r) => html`<tr class=${sel === r.revision ? "selected" : ""}><td>${r.revision}${r.current ? " (current)" : ""}</td>
      <td><${Time} t=${r.time} /></td><td>${r.author}</td><td>${r.comment}</td>
      <td>${!r.current && html`<button class="small" onClick=${() => show(r.revision)}>Diff with current</button>
        <button class="small" disabled=${who.role !== "admin"} onClick=${() => rollback(r.revision)}>Roll back to ${r.revision}</button>`}</td></tr>`)}</tbody></table>
    ${diff && html`<h3>Revision ${diff.from} → ${diff.to}</h3><${Diff} text=${diff.diff} />`}`;
}

export function Policy({ who, params }) {
  const tab = params.get("tab") || "rules";
  const { data, error, loading } = useData(() => get("/policy/rules"));
  const tabs = [["rules", "Rules"], ["edit", "Edit"], ["revisions", "Revisions"]];
  return html`<h1>Policy</h1>
    <nav class="tabs" aria-label="Policy">${tabs.map(([k, l]) => html`<a href=${"#/policy?tab=" + k} aria-current=${tab === k ? "page" : undefined}>${l}</a>`)}</nav>
    <${Err} e=${error} />
    ${tab === "rules" && (data && data.revision ? html`<${Rules} pol=${data} who=${who} />`
      : data ? html`<p class="empty">No policy yet. Write one in <a href="#/policy?tab=edit">Edit</a>, or run <code>cordon policy push -f FILE</code>.</p>`
      : loading ? html`<p>Loading…</p>` : "")}
    ${tab === "edit" && html`<${Editor} who=${who} />`}
    ${tab === "revisions" && html`<${Revisions} who=${who} />`}`;
}
