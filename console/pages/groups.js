// groups.js - each group with its selector and members.
import { html } from "../lib/html.js";
import { get } from "../lib/api.js";
import { useData } from "../lib/live.js";
import { Err } from "../lib/ui.js";

export function Groups({ params }) {
  const { data, error } = useData(() => get("/policy/rules"));
  const only = params.get("name");
  if (!data) return html`<h1>Groups</h1><${Err} e=${error} /><p>${error ? "" : "Loading…"}</p>`;
  const groups = data.groups.filter((g) => !only || g.name === only);
  return html`<h1>Groups</h1><${Err} e=${error} />
    ${only && html`<p><a href="#/groups">All groups</a></p>`}
    <table tabindex="0" class="wide"><thead><tr><th scope="col">Group</th><th scope="col">Selector</th><th scope="col">Include / exclude</th><th scope="col">Members</th></tr></thead>
    <tbody>${groups.map((g) => html`<tr id=${"group-" + g.name}>
      <td><strong>${g.name}</strong><br /><small>line ${g.line}</small></td>
      <td><code>${g.match || "–"}</code></td>
      <td>${g.include.length ? "+ " + g.include.join(", ") : ""}${g.exclude.length ? " − " + g.exclude.join(", ") : ""}</td>
      <td>${g.members.length} ${g.members.length === 1 ? "member" : "members"}: ${g.members.slice(0, 50).map((m) => html`<a class="tag" href=${"#/workloads/" + encodeURIComponent(m)}>${m}</a> `)}
        ${g.members.length > 50 && html`<a href=${"#/workloads?group=" + encodeURIComponent(g.name)}>all ${g.members.length}</a>`}</td></tr>`)}
    </tbody></table>`;
}
