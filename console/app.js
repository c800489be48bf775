// app.js - the console: sign in, then the navigation and the page the
// address's #/path names.  Each page is a module of pages/; every call
// goes through lib/api.js, every time through lib/time.js.
import { html, render, useState, useEffect } from "./lib/html.js";
import { api, setCsrf, whenSignedOut, hasSession } from "./lib/api.js";
import { startLive, stopLive, useLive } from "./lib/live.js";
import { setUser, setZone, getZone, zones, onZone, offset } from "./lib/time.js";
import { Overview } from "./pages/overview.js";
import { Workloads, Workload } from "./pages/workloads.js";
import { Groups } from "./pages/groups.js";
import { Policy } from "./pages/policy.js";
import { Explain } from "./pages/explain.js";
import { Quarantine } from "./pages/quarantine.js";
import { Events } from "./pages/events.js";
import { Flows } from "./pages/flows.js";
import { Sources } from "./pages/sources.js";
import { Agents } from "./pages/agents.js";
import { Dashboards } from "./pages/dashboards.js";
import { Alerts, Alert } from "./pages/alerts.js";
import { Capacity } from "./pages/capacity.js";
import { Views } from "./pages/views.js";
import { Reports } from "./pages/reports.js";

// the main navigation: exactly these, in this order
const NAV = [
  ["overview", "Overview", Overview], ["workloads", "Workloads", Workloads], ["groups", "Groups", Groups],
  ["policy", "Policy", Policy], ["explain", "Explain", Explain], ["quarantine", "Quarantine", Quarantine],
  ["flows", "Flows", Flows], ["events", "Events", Events], ["sources", "Sources", Sources], ["agents", "Agents", Agents],
  ["dashboards", "Dashboards", Dashboards], ["views", "Views", Views], ["reports", "Reports", Reports],
  ["alerts", "Alerts", Alerts], ["capacity", "Right-sizing", Capacity],
];

function route() {
  const h = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = h.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || "overview", arg: parts[1], params: new URLSearchParams(query) };
}

function SignIn({ done }) {
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const [withToken, setWithToken] = useState(false);
  async function submit(e) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErr("");
    setBusy(true);
    try {
      const s = await api("POST", "/session", withToken ? { token: f.get("token") }
        : { user: f.get("user"), password: f.get("password") });
      setCsrf(s.csrf);
      done(await api("GET", "/session"));   // with the zone the user keeps
    } catch (x) {
      setErr(x.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<main id="main" class="signin"><form class="card" onSubmit=${submit}>
    <h1>Sign in to cordon</h1>
    ${withToken ? html`<label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required />`
    : html`<label for="user">User</label>
      <input id="user" name="user" autocomplete="username" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />`}
    <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    <button type="button" class="link" onClick=${() => { setWithToken(!withToken); setErr(""); }}>
      ${withToken ? "Sign in with a user name and password" : "Sign in with an API token"}</button>
    <p class="error" role="alert">${err}</p>
  </form></main>`;
}

// the zone every time is shown in: kept with the user by the manager (a
// token's session has no user: this browser keeps it)
function ZonePicker({ who }) {
  const z = getZone();
  async function choose(v) {
    setZone(v);
    if (who.session && !who.name.startsWith("token:")) {
      try { await api("PUT", "/session/zone", { zone: v }); } catch { /* shown here still */ }
    }
  }
  return html`<label class="zone">Time zone
    <select value=${z} onChange=${(e) => choose(e.target.value)}>
      ${zones().map((n) => html`<option value=${n}>${n}</option>`)}
    </select><span class="offset">${offset()}</span></label>`;
}

function Shell({ who, signOut }) {
  const [r, setR] = useState(route());
  const [, live] = useLive();
  const [menu, setMenu] = useState(false);
  useEffect(() => {
    const f = () => { setR(route()); setMenu(false); window.scrollTo(0, 0); };
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  const entry = NAV.find((n) => n[0] === r.page);
  let Page = entry ? entry[2] : null;
  if (r.page === "workloads" && r.arg) Page = Workload;
  if (r.page === "alerts" && r.arg) Page = Alert;
  useEffect(() => { document.title = `${entry ? entry[1] : "Not found"} · cordon`; }, [r.page]);
  return html`
    <header class="top">
      <a class="brand" href="#/overview">cordon</a>
      <button class="menu" aria-expanded=${menu} aria-controls="nav" onClick=${() => setMenu(!menu)}>Menu</button>
      <nav id="nav" aria-label="Main" class=${menu ? "open" : ""}>
        ${NAV.map(([k, label]) => html`<a href=${"#/" + k} aria-current=${k === r.page ? "page" : undefined}>${label}</a>`)}
      </nav>
      <div class="me">
        <span class=${"live " + (live ? "on" : "off")} title="live updates">${live ? "live" : "offline"}</span>
        <${ZonePicker} who=${who} />
        <span class="who">${who.name} (${who.role})</span>
        <button type="button" onClick=${signOut}>Sign out</button>
      </div>
    </header>
    <main id="main">${Page ? html`<${Page} arg=${r.arg} params=${r.params} who=${who} />`
      : html`<h1>Not found</h1><p>There is no page ${r.page}.</p>`}</main>`;
}

function App() {
  const [who, setWho] = useState(undefined);
  const [, setZ] = useState(getZone());
  useEffect(() => onZone(setZ), []);
  useEffect(() => {
    whenSignedOut(() => { setCsrf(""); stopLive(); setWho(null); });
    if (hasSession()) api("GET", "/session").then(setWho, () => { setCsrf(""); setWho(null); });
    else setWho(null);
  }, []);
  useEffect(() => {
    if (who) { setUser(who.name, who.zone); startLive(); }
  }, [who]);
  async function signOut() {
    try { await api("DELETE", "/session"); } catch { /* gone already */ }
    setCsrf("");
    stopLive();
    setWho(null);
  }
  if (who === undefined) return html`<main id="main"><p>Loading…</p></main>`;
  if (!who) return html`<${SignIn} done=${setWho} />`;
  return html`<${Shell} who=${who} signOut=${signOut} key=${getZone()} />`;
}

render(html`<${App} />`, document.getElementById("app"));
