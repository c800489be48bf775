// app.js - the console's first page: sign in (a session cookie the page
// never sees, and the CSRF value it sends with every change), an overview
// of counts from the API, sign out.  Plain ES module: no build step.
const $ = (id) => document.getElementById(id);
let csrf = sessionStorage.getItem("cordon-csrf") || "";

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch("/api/v1" + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(data.error || r.statusText), { status: r.status });
  return data;
}

// every time shown with its zone: the browser's, with its offset
function when(d) {
  const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZoneName: "short" });
  const off = -d.getTimezoneOffset(), sign = off < 0 ? "-" : "+", a = Math.abs(off);
  return `${fmt.format(d)} (${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")})`;
}

function show(signedIn, who) {
  $("signin").hidden = signedIn;
  $("overview").hidden = !signedIn;
  $("signout").hidden = !signedIn;
  $("who").textContent = signedIn ? `${who.name} (${who.role})` : "";
}

function count(label, n, href) {
  const a = document.createElement("a");
  a.className = "card";
  a.href = href;
  const c = document.createElement("div");
  c.className = "count";
  c.textContent = String(n);
  const l = document.createElement("div");
  l.textContent = label;
  a.append(c, l);
  return a;
}

async function overview() {
  const [wl, agents, sources, alerts] = await Promise.all([
    api("GET", "/workloads"), api("GET", "/agents"), api("GET", "/sources"),
    api("GET", "/alerts?state=active"),
  ]);
  const box = $("counts");
  box.replaceChildren(
    count("workloads", wl.length, "#workloads"),
    count("quarantined", wl.filter((w) => w.quarantined).length, "#quarantine"),
    count("agents connected", `${agents.filter((a) => a.connected).length} / ${agents.length}`, "#agents"),
    count("sources in sync", `${sources.filter((s) => s.state === "in sync").length} / ${sources.length}`, "#sources"),
    count("active alerts", alerts.length, "#alerts"),
  );
  $("updated").textContent = when(new Date());
}

async function start() {
  try {
    const who = await api("GET", "/session");
    show(true, who);
    await overview();
  } catch {
    show(false);
  }
}

$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  try {
    const s = await api("POST", "/session", { user: $("user").value, password: $("password").value });
    csrf = s.csrf;
    sessionStorage.setItem("cordon-csrf", csrf);
    $("password").value = "";
    await start();
  } catch (err) {
    $("signin-error").textContent = err.message;
  }
});

$("signout").addEventListener("click", async () => {
  try { await api("DELETE", "/session"); } catch { /* gone already */ }
  csrf = "";
  sessionStorage.removeItem("cordon-csrf");
  show(false);
});

start();
