// tests/console/ui.mjs - the console in Debian's Chromium, driven by
// playwright-core, against the manager tests/console/run set up.
//
//   node ui.mjs   (its settings in the environment: see `env` below)
//
// Prints "ok NAME" / "FAIL NAME" per check and "N passed, N failed" last.
// With SHOTS=DIR it also saves every page at 1920x1080 and at a phone's
// 390x844 into DIR (make screenshots).
import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../../console/node_modules/playwright-core");
const axeSource = readFileSync(require.resolve("../../console/node_modules/axe-core/axe.min.js"), "utf8");

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const URL = env("CONSOLE_URL");          // https://127.0.0.1:PORT/
const ADMIN_PW = env("ADMIN_PASSWORD");
const ADMIN_TOKEN = env("ADMIN_TOKEN");
const OP_PW = env("OPERATOR_PASSWORD");  // user "olga", operator
const VC_URL = env("VC_URL"), VC_PW = env("VC_PASSWORD"), VC_CERT = readFileSync(env("VC_CERT"), "utf8");
const DOMAIN = env("DOMAIN");            // a QEMU domain with metrics: d1
const QDOMAIN = env("QDOMAIN");          // one given the quarantine tag: d2
const BULK = Number(env("BULK"));        // workloads of the static source
const SHOTS = process.env.SHOTS || "";
const VERBOSE = !!process.env.VERBOSE;

let npass = 0, nfail = 0;
const pass = (n) => { npass++; if (VERBOSE) console.log(`ok   ${n}`); };
const fail = (n, ...why) => { nfail++; console.log(`FAIL ${n}`); for (const w of why) console.log(`     ${w}`); };
async function check(name, fn) {
  try {
    const r = await fn();
    if (r === false) fail(name); else pass(name);
  } catch (e) {
    fail(name, String(e.message || e).split("\n").slice(0, 6).join(" | "));
  }
}
const assert = (c, why) => { if (!c) throw new Error(why); };

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });

// Every console error, page error and CSP violation, by the step it came
// in; a step that expects a refusal lets its own 4xx resources through.
let step = "start", allow4xx = false;
const problems = [];
async function newPage(viewport) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window.__csp ||= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (allow4xx && /status of 4\d\d/.test(m.text())) return;
    problems.push(`${step}: console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${step}: page error: ${e.message}`));
  return [ctx, page];
}
async function expecting4xx(fn) {
  allow4xx = true;
  try { return await fn(); } finally { allow4xx = false; }
}
const loaded = (page) => page.waitForFunction(() => document.querySelector("main h1") &&
  !document.body.innerText.includes("Loading…"), null, { timeout: 20000 });
async function go(page, route) {
  step = route;
  if (page.url() === URL + "#/" + route) await page.reload();   // the page afresh
  else await page.goto(URL + "#/" + route);
  await loaded(page);
}
async function signIn(page, user, pw) {
  await page.goto(URL);
  await page.waitForSelector("#user");
  await page.fill("#user", user);
  await page.fill("#password", pw);
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top", { timeout: 15000 });
  await loaded(page);
}
async function axe(page) {
  await page.evaluate(axeSource);
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((x) => x.impact === "serious" || x.impact === "critical")
    .map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  return v;
}
const api = (page, method, path, body) => page.evaluate(async ([m, p, b]) => {
  const h = { "Content-Type": "application/json", "X-CSRF-Token": localStorage.getItem("cordon-csrf") || "" };
  const r = await fetch("/api/v1" + p, { method: m, headers: h, body: b ? JSON.stringify(b) : undefined });
  return { status: r.status, body: await r.json().catch(() => null) };
}, [method, path, body]);
const until = async (fn, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
};

// an alert's page (the newest alert, active or past)
async function shotAlert(p, size) {
  step = "shot alert";
  await go(p, "alerts");
  if (!(await p.$('a[href^="#/alerts/"]'))) {
    await p.selectOption(".filters select", "cancelled");
    await loaded(p);
  }
  const a = await p.$('a[href^="#/alerts/"]');
  if (!a) return;
  await a.click();
  await loaded(p);
  await p.waitForTimeout(600);
  await p.screenshot({ path: `${SHOTS}/alert-${size}.png`, fullPage: size === "390" });
}

const PAGES = ["overview", "workloads", `workloads/${DOMAIN}`, "groups", "policy", "policy?tab=edit",
  "policy?tab=revisions", "explain", "quarantine", "flows", "events", "sources", "agents", "dashboards",
  "dashboards?tab=storage", "dashboards?tab=compare", "views", "reports?name=console-vms", "alerts", "capacity"];
const NAV = ["Overview", "Workloads", "Groups", "Policy", "Explain", "Quarantine", "Flows", "Events", "Sources", "Agents",
  "Dashboards", "Views", "Reports", "Alerts", "Right-sizing"];

const [ctx, page] = await newPage({ width: 1920, height: 1080 });

// ---- signing in ----
step = "sign-in";
await check("a wrong password is refused in the form, no session", () => expecting4xx(async () => {
  await page.goto(URL);
  await page.waitForSelector("#user");
  await page.fill("#user", "admin");
  await page.fill("#password", "not-the-password");
  await page.click("form button[type=submit]");
  await page.waitForFunction(() => /wrong user name or password/.test(document.querySelector("form .error")?.textContent || ""));
  assert(!(await page.$("nav#nav")), "signed in anyway");
}));
if (SHOTS) { mkdirSync(SHOTS, { recursive: true }); await page.screenshot({ path: `${SHOTS}/signin-1920.png` }); }
await check("sign in as admin: the navigation, exactly in its order", async () => {
  await signIn(page, "admin", ADMIN_PW);
  const links = await page.$$eval("nav#nav a", (a) => a.map((x) => x.textContent.trim()));
  assert(JSON.stringify(links) === JSON.stringify(NAV), `nav is ${links.join(", ")}`);
  assert((await page.textContent(".who")).includes("admin (admin)"), "who");
});
await check("the session cookie is HttpOnly, Secure, SameSite=Strict", async () => {
  const c = (await ctx.cookies()).find((x) => x.name === "cordon_session");
  assert(c && c.httpOnly && c.secure && c.sameSite === "Strict", JSON.stringify(c));
  assert(!(await page.evaluate(() => document.cookie)).includes("cordon_session"), "the page reads it");
});
await check("a change without the CSRF value is refused (403)", async () => {
  const r = await expecting4xx(() => page.evaluate(async () => (await fetch("/api/v1/workloads/x/tags",
    { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"tag":"a=b"}' })).status));
  assert(r === 403, `status ${r}`);
});
await check("live updates: one event stream, connected", async () => {
  await page.waitForSelector(".live.on", { timeout: 10000 });
});

// ---- every page: no console error, no CSP violation, no serious axe finding ----
for (const p of PAGES) {
  await check(`page ${p}: loads, no console error or CSP violation, axe finds nothing serious`, async () => {
    const before = problems.length;
    await go(page, p);
    await page.waitForTimeout(400);
    const csp = await page.evaluate(() => window.__csp || []);
    assert(!csp.length, `CSP: ${csp.join("; ")}`);
    assert(problems.length === before, problems.slice(before).join("; "));
    const v = await axe(page);
    assert(!v.length, v.join("; "));
  });
}

// ---- live: a change made elsewhere reaches the page without a reload ----
await check("live: a workload quarantined by another client shows on the overview without a reload", async () => {
  await go(page, "overview");
  const n = async () => Number((await page.textContent('a[href="#/quarantine"] .count')).trim());
  const before = await n();
  const other = await (await import("../../console/node_modules/playwright-core/index.mjs")).request.newContext({
    ignoreHTTPSErrors: true, extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const r = await other.post(`${URL}api/v1/workloads/bulk-00003/tags`, { data: { tag: "quarantine=yes" } });
  assert(r.status() === 200 || r.status() === 201, `tag: ${r.status()}`);
  assert(await until(async () => (await n()) === before + 1), "the count did not move");
  await other.delete(`${URL}api/v1/workloads/bulk-00003/tags?tag=quarantine%3Dyes`);
  assert(await until(async () => (await n()) === before), "the count did not come back");
  await other.dispose();
});

// ---- overview ----
await check("overview: counts link to their pages, last updated with its zone and offset", async () => {
  await go(page, "overview");
  const hrefs = await page.$$eval(".counts a", (a) => a.map((x) => x.getAttribute("href")));
  for (const h of ["#/workloads", "#/quarantine", "#/agents", "#/sources"]) assert(hrefs.includes(h), `no link ${h}`);
  assert(hrefs.some((h) => h.startsWith("#/alerts")), "no alerts link");
  const t = await page.textContent(".when");
  assert(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \([+-]\d\d:\d\d\)/.test(t), t);
});

// ---- workloads: 10,000 and more, only the rows in view drawn ----
await check(`workloads: all ${BULK + 2} listed, fewer than 100 rows in the page, the last one reached by scrolling`, async () => {
  await go(page, "workloads");
  const line = await page.textContent(".count-line");
  assert(line.startsWith(`${BULK + 2} of ${BULK + 2}`), line);
  const rows = await page.$$eval(".vtable tbody tr:not(.spacer)", (r) => r.length);
  assert(rows > 10 && rows < 100, `${rows} rows in the page`);
  const last = (await api(page, "GET", "/workloads")).body.at(-1).name;
  await page.$eval(".vtable", (el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForSelector(`.vtable a[href="#/workloads/${last}"]`, { timeout: 5000 });
  const rows2 = await page.$$eval(".vtable tbody tr:not(.spacer)", (r) => r.length);
  assert(rows2 < 100, `${rows2} rows after scrolling`);
});
await check("workloads: filter by name, by tag, by host, by quarantine", async () => {
  await page.fill('input[type=search]', "bulk-00042");
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("1 of"));
  await page.fill('input[type=search]', "");
  await page.fill("#f-tag", "tier=t3");
  await page.waitForFunction((n) => document.querySelector(".count-line").textContent.startsWith(`${n} of`),
    Math.floor((BULK - 1 - 3) / 7) + 1);
  await page.fill("#f-tag", "");
  await page.selectOption('#f-host', "bulkhost");
  await page.waitForFunction((n) => document.querySelector(".count-line").textContent.startsWith(`${n} of`), BULK);
  await page.selectOption('#f-host', "");
  await page.selectOption('#f-quarantine', "true");
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("1 of"));
  await page.selectOption('#f-quarantine', "");
});
await check("workloads: the memory column's unit switch (GiB, base 2; TB, base 10)", async () => {
  await page.fill('input[type=search]', DOMAIN);
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("1 of"));
  const cell = () => page.textContent(".vtable tbody tr:not(.spacer) td:last-child");
  assert(await until(async () => /\d/.test(await cell())), "no memory value");
  await page.selectOption('select[aria-label="Memory: unit"]', "GiB");
  assert((await cell()).endsWith(" GiB"), await cell());
  assert((await page.textContent(".unitsw small")) === "base 2", "base");
  await page.selectOption('select[aria-label="Memory: unit"]', "TB");
  assert((await cell()).endsWith(" TB") && (await page.textContent(".unitsw small")) === "base 10", await cell());
});

// ---- a workload: tag it, see it change group ----
await check(`tag ${DOMAIN} role=web: it joins group web (live), then leaves it`, async () => {
  await go(page, `workloads/${DOMAIN}`);
  assert(!(await page.$('p.groups a:text-is("web")')), "already in web");
  await page.fill("#newtag", "role=web");
  // (each step waits for its outcome or the page's error, and says which)
  const said = async (what) => {
    const e = await page.$("main .error");
    return `${what}; the page says: ${e ? await e.textContent() : (await page.textContent("main")).slice(0, 300)}`;
  };
  await page.click('button:text-is("Add tag")');
  await page.waitForSelector('p.groups a:text-is("web"), main .error', { timeout: 30000 });
  assert(!(await page.$("main .error")), await said("adding the tag failed"));
  await page.click('button[aria-label="Remove tag role=web"]');
  await page.waitForFunction(() => !document.querySelector('p.groups a.tag[href="#/groups?name=web"]') ||
    document.querySelector("main .error"), null, { timeout: 30000 }).catch(() => {});
  assert(!(await page.$("main .error")), await said("removing the tag failed"));
  assert(!(await page.$('p.groups a:text-is("web")')), await said("still in web 30 s after the removal"));
});
await check("a workload's page: rules that apply, metrics with their current value, events", async () => {
  const rules = await page.$$eval("section:has(h2:text-is('Rules that apply')) tbody tr", (r) => r.length);
  assert(rules >= 1, "no rule");
  assert(await until(async () => (await page.$$eval("figure.chart canvas", (c) => c.length)) >= 3), "no charts");
  const now = await page.textContent("figure.chart .now");
  assert(/%/.test(now), `CPU now: ${now}`);
  assert((await page.$$eval("section:has(h2:text-is('Events')) li", (l) => l.length)) >= 1, "no events");
});
// (an admin asking for a scan of a workload the manager has: the request
// is stored, 201, whatever agent scans it)
await check("a scan asked from the workload's page: accepted, said in the page", async () => {
  await page.click('button:text-is("Full scan")');
  await page.waitForSelector(".okmsg:has-text('full scan asked for'), main .error", { timeout: 10000 });
  const err = await page.$("main .error");
  assert(!err, `refused: ${err && await err.textContent()}`);
});

// ---- policy: an error located on its line, a save, a rollback with a diff ----
let revBefore;
await check("policy: an edit with an error is refused with its line, nothing saved", () => expecting4xx(async () => {
  revBefore = (await api(page, "GET", "/policy/revisions")).body.length;
  await go(page, "policy?tab=edit");
  const doc = await page.inputValue("textarea");
  const broken = doc.replace(/default_action: \w+/, "default_action: allow\ngroups_typo: 1");
  const line = broken.split("\n").findIndex((l) => l.startsWith("groups_typo")) + 1;
  await page.fill("textarea", broken);
  await page.click('button:text-is("Check")');
  await page.waitForSelector(".errlist li");
  const errs = await page.textContent(".errlist");
  assert(errs.includes(`line ${line},`), `no error at line ${line}: ${errs}`);
  assert(await page.$(`.gutter li:nth-child(${line}).bad`), "the line is not marked");
  await page.click('button:text-is("Save as a new revision")');
  await page.waitForSelector(".error:has-text('nothing was saved')");
  assert((await api(page, "GET", "/policy/revisions")).body.length === revBefore, "a revision was saved");
}));
await check("policy: a valid edit is saved as a new revision; its rule in the table", async () => {
  await go(page, "policy?tab=edit");
  const doc = await page.inputValue("textarea");
  await page.fill("textarea", doc.replace("rules:\n", "rules:\n  - id: 4242\n    name: console-added\n    category: application\n    source: [any]\n    destination: [group:web]\n    service: [tcp/8080]\n    action: allow\n"));
  await page.click('button:text-is("Check")');
  await page.waitForSelector(".okmsg:has-text('No error')");
  await page.click('button:text-is("Save as a new revision")');
  await page.waitForSelector(`.okmsg:has-text("Saved as revision ${revBefore + 1}")`);
  await go(page, "policy");
  await page.waitForSelector("td:text-is('console-added')");
});
await check("policy: revisions, a coloured diff, a rollback confirmed in a dialog", async () => {
  await go(page, "policy?tab=revisions");
  await page.click(`button:text-is("Diff with current")`);
  await page.waitForSelector("pre.diff .add, pre.diff .del");
  const colour = await page.$eval("pre.diff .add, pre.diff .del", (e) => getComputedStyle(e).backgroundColor);
  assert(colour !== "rgba(0, 0, 0, 0)", "no colour");
  await page.click(`button:text-is("Roll back to ${revBefore}")`);
  await page.waitForSelector("dialog[open]");
  await page.click('dialog button:text-is("Roll back")');
  await page.waitForSelector(`.okmsg:has-text("revision ${revBefore + 2} has revision ${revBefore}'s text")`);
  const revs = (await api(page, "GET", "/policy/revisions")).body;
  assert(revs.length === revBefore + 2 && revs.at(-1).current, JSON.stringify(revs.at(-1)));
});
await check("groups: selector and members", async () => {
  await go(page, "groups");
  await page.waitForSelector("#group-web code");
  assert((await page.textContent("#group-web code")).includes("role=web"), "selector");
});

// ---- explain ----
await check("explain: the answer names the rule", async () => {
  await go(page, "explain");
  await page.fill('label:has-text("Source") input', "bulk-00001");
  await page.fill('label:has-text("Destination") input', "bulk-00002");
  await page.selectOption('label:has-text("Protocol") select', "tcp");
  await page.fill('label:has-text("Port") input', "22");
  await page.click('button:text-is("Explain")');
  await page.waitForSelector(".answer");
  const a = await page.textContent(".answer");
  assert(/Verdict: (drop|reject)/.test(a) && /by rule 900/.test(a), a);
});
await check("explain: a staged rule shown beside the enforced verdict; the policy table marks it", async () => {
  await page.fill('label:has-text("Port") input', "80");
  await page.click('button:text-is("Explain")');
  // (the rule's name comes with the policy's rules, which the page reads beside the answer)
  await page.waitForSelector('.answer .staged:has-text("no-bulk-http")');
  const a = await page.textContent(".answer");
  assert(/Verdict: allow/.test(a) && /staged rules enforced: drop/.test(a) && /staged: drop\s+by rule 950 "no-bulk-http"/.test(a), a);
  await go(page, "policy");
  await page.waitForSelector("tr:has(td:text-is('950')) .badge.staged");
});

// ---- quarantine board ----
await check(`quarantine: ${QDOMAIN} on the board, released after a confirmation, gone (live)`, async () => {
  await go(page, "quarantine");
  const card = `li[data-workload="${QDOMAIN}"]`;
  await page.waitForSelector(card);
  assert((await page.textContent(card)).includes("Since"), "since");
  await page.click(`${card} button:text-is("Release")`);
  await page.waitForSelector("dialog[open]");
  await page.click('dialog button:text-is("Release")');
  await page.waitForSelector(card, { state: "detached", timeout: 15000 });
  const w = (await api(page, "GET", "/workloads")).body.find((x) => x.name === QDOMAIN);
  assert(!w.quarantined, "still quarantined");
});

// ---- events ----
await check("events: search, type filter, a range of wall clocks in the user's zone", async () => {
  await go(page, "events");
  await page.fill('input[type=search]', "released");
  await page.click('button:text-is("Search")');
  await page.waitForFunction((n) => [...document.querySelectorAll(".events-table td")].some((td) => td.textContent.includes(n)), QDOMAIN);
  await page.fill('input[type=search]', "");
  await page.selectOption('label:has-text("Type") select', "policy");
  await page.click('button:text-is("Search")');
  await page.waitForFunction(() => {
    const t = [...document.querySelectorAll(".events-table tbody tr td:nth-child(2)")].map((x) => x.textContent);
    return t.length > 0 && t.every((x) => x === "policy");
  });
  // a range of the zone's wall clocks: tomorrow has none, today has them
  await page.selectOption("#ev-span", "custom");
  const wall = (t) => page.evaluate((ms) => import("/lib/time.js").then((m) => m.toWall(ms)), t);
  await page.fill("#ev-from", await wall(Date.now() + 86400e3));
  await page.fill("#ev-to", await wall(Date.now() + 2 * 86400e3));
  await page.click('button:text-is("Search")');
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("0 events"));
  await page.fill("#ev-from", await wall(Date.now() - 3600e3));
  await page.fill("#ev-to", await wall(Date.now() + 60e3));
  await page.click('button:text-is("Search")');
  await page.waitForFunction(() => /^[1-9]\d* events/.test(document.querySelector(".count-line").textContent));
});

// ---- flows: the bulk host's records ----
await check("flows: the records' table, the dependency map by workloads and by groups, filters", async () => {
  await go(page, "flows");
  await page.waitForSelector(".flows-table tbody tr");
  const rows = async () => page.$$eval(".flows-table tbody tr", (r) => r.length);
  const edges = async () => page.$$eval(".flowmap .edge", (e) => e.length);
  assert(await rows() === 9 && await edges() === 9, `${await rows()} rows, ${await edges()} edges`);
  const d = await page.textContent(".flows-table tbody tr:has(td:text-is('tcp/22'))");
  assert(/bulk-00001.*bulk-00009.*dropped.*900 no-ssh/.test(d), d);
  await page.check('input[name=fl-by][value=groups]');
  await page.waitForFunction(() => document.querySelectorAll(".flowmap .node.group").length === 1 &&
    document.querySelectorAll(".flowmap .edge").length === 3);
  await page.selectOption("#fl-verdict", "would-drop");
  await page.click('button:text-is("Show")');
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("1 records, 4 connections"));
  assert((await page.textContent(".flows-table tbody")).includes("(staged 950)"), "staged rule");
  await page.selectOption("#fl-verdict", "");
  await page.fill("#fl-port", "443");
  await page.click('button:text-is("Show")');
  await page.waitForFunction(() => document.querySelector(".count-line").textContent.startsWith("7 records"));
});
await check("policy: a recommendation for a group from its flows, put in the editor; its impact checked; nothing saved", async () => {
  const before = (await api(page, "GET", "/policy")).body.revision;
  await go(page, "policy?tab=edit");
  await page.selectOption("#rec-group", "bulk");
  await page.click("#rec-go");
  await page.waitForSelector(".okmsg");
  const t = await page.inputValue('textarea[aria-label="Policy document"]');
  assert(/mode: staged/.test(t) && /name: "tag-tier-t1"/.test(t) && /applied_to: \["group:bulk"\]/.test(t), t.slice(-800));
  await page.click("#impact-go");
  await page.waitForSelector(".impact [role=status]");
  const s = await page.textContent(".impact [role=status]");
  assert(/^0 flows change, [1-9]\d* do not/.test(s), s);
  assert((await api(page, "GET", "/policy")).body.revision === before, "saved");
});
await check("policy: a staged rule promoted from the rules table after a confirmation (a new revision, enforced), then rolled back", async () => {
  const before = (await api(page, "GET", "/policy")).body.revision;
  await go(page, "policy");
  await page.click("tr:has(td:text-is('950')) button.promote");
  await page.click('dialog button:text-is("Promote")');
  await page.waitForSelector('.okmsg:has-text("Promoted 950")');
  await page.waitForFunction(() => {
    const tr = [...document.querySelectorAll("table.rules tr")].find((r) => r.firstElementChild?.textContent === "950");
    return tr && !tr.querySelector(".badge.staged");
  });
  const rules = (await api(page, "GET", "/policy/rules")).body.rules;
  assert(rules.find((r) => r.id === 950).mode === "enforced", "950 enforced");
  const after = (await api(page, "GET", "/policy")).body.revision;
  assert(after === before + 1, `revision ${before} -> ${after}`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/policy-promoted-1920.png` });
  const back = await api(page, "POST", "/policy/rollback", { revision: before });
  assert(back.status === 200 || back.status === 201, back.status + " " + JSON.stringify(back.body));
  await go(page, "policy?tab=revisions");
  await go(page, "policy");
  await page.waitForSelector("tr:has(td:text-is('950')) .badge.staged");
});

// ---- sources: a vCenter refused in the form, then added ----
await check("sources: a vCenter with a wrong password is refused in the form, not stored", () => expecting4xx(async () => {
  await go(page, "sources");
  await page.fill('form.addsrc label:has-text("Name") input', "vc1");
  await page.fill('form.addsrc label:has-text("URL") input', VC_URL);
  await page.fill('form.addsrc label:has-text("User") input', "cordon");
  await page.fill('form.addsrc label:has-text("Password") input', "wrong-password");
  await page.fill('form.addsrc textarea[name=cacert]', VC_CERT);
  await page.click('form.addsrc button[type=submit]');
  await page.waitForSelector("form.addsrc .error", { timeout: 30000 });
  const e = await page.textContent("form.addsrc .error");
  assert(/Refused: .*user and password/.test(e), e);
  assert(!(await api(page, "GET", "/sources")).body.some((s) => s.name === "vc1"), "stored");
}));
await check("sources: with the right password it is added and comes in sync", async () => {
  await page.fill('form.addsrc label:has-text("Password") input', VC_PW);
  await page.click('form.addsrc button[type=submit]');
  await page.waitForSelector(".okmsg:has-text('vc1 added')", { timeout: 30000 });
  await page.waitForSelector("tr:has(td:text-is('vc1')) .state.ok", { timeout: 30000 });
});

// ---- agents ----
await check("agents: connected (colour and word), last heartbeat with its zone", async () => {
  await go(page, "agents");
  await page.waitForSelector("tbody .state.ok:text-is('connected')");
  assert(/\(\+\d\d:\d\d\)|\([+-]\d\d:\d\d\)/.test(await page.textContent("tbody time")), "time");
});

// ---- dashboards: the range changes the query's step; units ----
await check("dashboards: compute charts; the range set to 7 days asks at a 30-minute step", async () => {
  await go(page, "dashboards");
  await page.waitForSelector("figure.chart canvas");
  const req = page.waitForRequest((r) => r.url().endsWith("/api/v1/metrics/query") &&
    JSON.parse(r.postData() || "{}").step_seconds === 1800, { timeout: 10000 });
  await page.selectOption('label.range select', "7d");
  const q = JSON.parse((await req).postData());
  assert(q.end - q.begin === 7 * 86400e3, `range ${q.end - q.begin}`);
  await loaded(page);
  await page.waitForSelector("figure.chart canvas");
});
await check("dashboards: storage overview, the capacity column switched to GiB then TiB", async () => {
  await go(page, "dashboards?tab=storage");
  await page.selectOption('label.range select', "1h");
  await loaded(page);
  const cell = () => page.textContent("table tbody tr td:nth-child(3)");
  assert(await until(async () => /\d/.test(await cell())), "no capacity");
  await page.selectOption('select[aria-label="Capacity: unit"]', "GiB");
  assert((await cell()).endsWith(" GiB"), await cell());
  await page.selectOption('select[aria-label="Capacity: unit"]', "TiB");
  assert((await cell()).endsWith(" TiB"), await cell());
  // the 1-hour answer replaces the 7-day one (kept on screen while it comes)
  assert(await until(async () => /days|not filling/.test(await page.textContent("table tbody tr td:nth-child(7)"))),
    `days remaining: ${await page.textContent("table tbody tr td:nth-child(7)")}`);
});
await check("dashboards: storage comparison lists each VM by datastore", async () => {
  await go(page, "dashboards?tab=compare");
  await page.waitForSelector(`a[href="#/workloads/${DOMAIN}"]`);
});

// ---- views: the VM list on QEMU domains and a vCenter's VMs; one made in the page ----
// a row's text, found by its first cell's
const rowText = (name) => page.$$eval(".vtable tbody tr", (trs, n) =>
  (trs.find((tr) => tr.cells[0]?.textContent.trim() === n) || { textContent: "" }).textContent, name);
await check(`views: the VM list view lists ${DOMAIN} (libvirt) and vc1's VMs, each with its CPU figure`, async () => {
  await go(page, "views?name=vms");
  await page.waitForSelector(".vtable tbody tr");
  assert(await until(async () => /\d+\.\d\d/.test(await rowText(DOMAIN)), 30000), `row: ${await rowText(DOMAIN)}`);
  // vc1's simulated VMs have samples once its first collection is in
  assert(await until(async () => { await go(page, "views?name=vms");
    return (await page.$$eval(".vtable tbody tr td:nth-child(2)", (t) => t.map((x) => x.textContent))).some((h) => /^DC0_/.test(h)); }, 60000),
    "no VM of vc1's hosts");
});
await check("views: a view made in the page (a filter on the libvirt source, CPU p95 sorted) is saved; its rows are kvm1's only", async () => {
  await go(page, "views?name=vms");
  await page.click('button:text-is("New view")');
  await page.fill('form.vieweditor label:has-text("Name") input', "kvm1-cpu");
  await page.fill('form.vieweditor label:has-text("Title") input', "kvm1 by CPU");
  await page.fill('form.vieweditor label:has-text("Filter") input', 'source == "kvm1"');
  await page.click('button:text-is("Add a column")');
  await page.selectOption('select[aria-label="column 2: what"]', "m:vm_cpu_usage_ratio");
  await page.selectOption('select[aria-label="column 2: transformation"]', "p95");
  await page.selectOption('select[aria-label="column 2: unit"]', "%");
  await page.fill('input[aria-label="column 2: title"]', "Peak CPU");
  await page.selectOption('form.vieweditor label:has-text("Sort by") select', "1");
  await page.selectOption('select[aria-label="Sort order"]', "desc");
  await page.click('form.vieweditor button[type=submit]');
  await page.waitForSelector('.vtable thead th:has-text("Peak CPU (%)")');
  const names = await page.$$eval(".vtable tbody tr td:nth-child(1)", (t) => t.map((x) => x.textContent));
  assert(names.includes(DOMAIN) && names.every((n) => !/^DC0_/.test(n)), `rows: ${names.join(", ")}`);
  const v = await (await page.request.get(URL + "api/v1/views/kvm1-cpu", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  assert(v.rev === 1 && v.filter === 'source == "kvm1"' && v.columns[1].transform === "p95", JSON.stringify(v));
});
await check("views: Export CSV downloads the rows (the header with its units), named after the view", async () => {
  const dl = page.waitForEvent("download");
  await page.click('button:text-is("Export CSV")');
  const d = await dl;
  const got = readFileSync(await d.path(), "utf8");
  assert(/^Name,Peak CPU \(%\)\r\n/.test(got) && got.includes(`${DOMAIN},`), got.slice(0, 200));
  assert(d.suggestedFilename() === "kvm1-cpu.csv", d.suggestedFilename());
});
if (SHOTS) await page.screenshot({ path: `${SHOTS}/views-kvm1-1920.png` });

// ---- reports: listed, made now as PDF and CSV, run to a directory ----
const REPORT_DIR = env("REPORT_DIR");    // console-vms delivers there
await check("reports: the built-in reports and a saved one, with schedule, next run and destinations", async () => {
  await go(page, "reports");
  await page.waitForSelector('tr[data-report="console-vms"]');
  const t = (n) => page.$eval(`tr[data-report="${n}"]`, (tr) => tr.textContent);
  assert(/weekly capacity/i.test(await t("weekly-capacity")) && /0 6 \* \* mon/.test(await t("weekly-capacity")),
    await t("weekly-capacity"));
  assert(/monthly security/i.test(await t("monthly-security")), await t("monthly-security"));
  const c = await t("console-vms");
  assert(/saved, revision 1/.test(c) && /Europe\/Paris/.test(c) && /30 \* \* \* \*/.test(c), c);
});
await check("reports: a report's PDF made from the page is a PDF, named after it", async () => {
  await page.click('tr[data-report="console-vms"] a');
  await page.waitForSelector('section[aria-label="Report console-vms"] button:text-is("Download PDF")');
  const dl = page.waitForEvent("download");
  await page.click('button:text-is("Download PDF")');
  const d = await dl;
  const got = readFileSync(await d.path());
  assert(got.subarray(0, 5).toString() === "%PDF-" && got.length > 1000, got.subarray(0, 20).toString());
  assert(d.suggestedFilename() === "console-vms.pdf", d.suggestedFilename());
});
await check(`reports: its view section's CSV over 1 day lists ${DOMAIN}`, async () => {
  await page.selectOption('section[aria-label="Report console-vms"] select', "1d");
  const dl = page.waitForEvent("download");
  await page.click('button:text-is("CSV: VMs")');
  const d = await dl;
  const got = readFileSync(await d.path(), "utf8");
  assert(/^VM,Host,/.test(got) && got.includes(`\r\n${DOMAIN},`), got.slice(0, 300));
  assert(d.suggestedFilename() === "console-vms-1d-1.csv", d.suggestedFilename());
});
await check("reports: Run now delivers to its directory; the run is listed ok with its files", async () => {
  await page.click('button:text-is("Run now")');
  await page.waitForSelector('p.okmsg:has-text("Made and delivered: ok")', { timeout: 30000 });
  await page.waitForSelector("tr[data-run]");
  const row = await page.$eval("tr[data-run]", (tr) => tr.textContent);
  assert(/admin/.test(row) && /ok/.test(row) && /\.pdf/.test(row) && /1 try/.test(row), row);
  const files = readdirSync(REPORT_DIR);
  assert(files.some((f) => f.endsWith(".pdf")) && files.some((f) => f.endsWith(".csv")), files.join(", "));
});
if (SHOTS) await page.screenshot({ path: `${SHOTS}/reports-run-1920.png`, fullPage: true });

// ---- alerts: an alert's page, acknowledged ----
await check("alerts: an active alert's page with symptoms and its chart; acknowledged", async () => {
  await go(page, "alerts");
  await page.waitForSelector('a[href^="#/alerts/"]', { timeout: 30000 });
  await page.click('a[href^="#/alerts/"]');
  await loaded(page);
  await page.waitForSelector("section:has(h2:text-is('Symptoms')) li");
  await page.click('button:text-is("Acknowledge")');
  await page.waitForSelector("text=/Acknowledged by (session:)?admin at/");
});

// ---- the zone: shown, changed, kept ----
await check("zone: changed to Asia/Tokyo, every time shown with +09:00, kept with the user", async () => {
  await go(page, "overview");
  await page.selectOption('.zone select', "Asia/Tokyo");
  await loaded(page);
  assert((await page.textContent(".when")).includes("Asia/Tokyo (+09:00)"), await page.textContent(".when"));
  await go(page, `workloads/${DOMAIN}`);
  await page.waitForSelector("figure.chart .u-legend");
  const legend = await page.textContent("figure.chart .u-legend");
  assert(legend.includes("Asia/Tokyo +09:00"), legend);
  await page.reload();
  await loaded(page);
  assert((await page.inputValue(".zone select")) === "Asia/Tokyo", "not kept");
  assert((await page.textContent(".zone .offset")) === "+09:00", "offset");
  const me = (await api(page, "GET", "/session")).body;
  assert(me.zone === "Asia/Tokyo", `the manager keeps ${me.zone}`);
});

// ---- sign out; an operator; a token ----
await check("sign out: the form again, the old cookie refused", async () => {
  await page.click('button:text-is("Sign out")');
  await page.waitForSelector("#user");
  const s = await expecting4xx(() => page.evaluate(async () => (await fetch("/api/v1/session")).status));
  assert(s === 401, `status ${s}`);
});
await check("an operator signs in: its role shown, saving the policy not offered", async () => {
  await signIn(page, "olga", OP_PW);
  assert((await page.textContent(".who")).includes("olga (operator)"), "who");
  await go(page, "policy?tab=edit");
  assert(await page.$('button:text-is("Save as a new revision")[disabled]'), "save enabled");
  await page.click('button:text-is("Sign out")');
  await page.waitForSelector("#user");
});
await check("sign in with an API token", async () => {
  await page.click('button:text-is("Sign in with an API token")');
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top");
  assert((await page.textContent(".who")).includes("token:admin (admin)"), await page.textContent(".who"));
});
// what a page shows in its screenshot beyond what it opens with
async function prepare(p, route) {
  if (route === "explain") {
    await p.fill('label:has-text("Source") input', "bulk-00001");
    await p.fill('label:has-text("Destination") input', "bulk-00002");
    await p.fill('label:has-text("Port") input', "80");   // a staged rule beside the verdict
    await p.click('button:text-is("Explain")');
    await p.waitForSelector(".answer");
  }
}
if (SHOTS) {
  await page.selectOption('.zone select', "Europe/Paris");
  await api(page, "POST", `/workloads/${QDOMAIN}/tags`, { tag: "quarantine=yes" });   // a card on the board
  for (const p of PAGES) {
    step = `shot ${p}`;
    await go(page, p);
    await prepare(page, p);
    await page.waitForTimeout(600);
    await page.screenshot({ path: `${SHOTS}/${p.replace(/[/?=]/g, "-")}-1920.png` });
  }
  await shotAlert(page, "1920");
}
await ctx.close();

// ---- a phone's width ----
const [pctx, phone] = await newPage({ width: 390, height: 844 });
await check("phone width: sign in (the user's zone follows), the menu opens the navigation, no page wider than the screen, axe finds nothing serious on any", async () => {
  await signIn(phone, "admin", ADMIN_PW);
  assert((await phone.inputValue(".zone select")) === "Asia/Tokyo", "the user's zone did not follow to another browser");
  assert(!(await phone.isVisible("nav#nav a")), "nav shown before the menu");
  await phone.click("button.menu");
  assert(await phone.isVisible('nav#nav a:text-is("Dashboards")'), "menu");
  await phone.click('nav#nav a:text-is("Dashboards")');
  await loaded(phone);
  for (const p of PAGES) {
    await go(phone, p);
    if (p.startsWith("workloads/"))       // its rules' table, the widest
      await phone.waitForSelector('h2:text-is("Rules that apply") + table tbody tr');
    const w = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 392, `${p} is ${w} px wide`);
    // (at this width tables scroll sideways: axe checks each page again)
    const v = await axe(phone);
    assert(!v.length, `${p}: ${v.join("; ")}`);
  }
});
if (SHOTS) {
  step = "shot sign-in";
  await phone.click('button:text-is("Sign out")');
  await phone.waitForSelector("#user");
  await phone.screenshot({ path: `${SHOTS}/signin-390.png` });
  await signIn(phone, "admin", ADMIN_PW);
  for (const p of PAGES) {
    step = `shot ${p}`;
    await go(phone, p);
    await prepare(phone, p);
    await phone.waitForTimeout(600);
    await phone.screenshot({ path: `${SHOTS}/${p.replace(/[/?=]/g, "-")}-390.png`, fullPage: true });
  }
  await shotAlert(phone, "390");
  await phone.click("button.menu");
  await phone.screenshot({ path: `${SHOTS}/menu-390.png` });
}
await pctx.close();
await browser.close();

await check("no console error, page error or CSP violation in any step", () => {
  assert(!problems.length, problems.slice(0, 8).join(" | "));
});
console.log(`${npass} passed, ${nfail} failed`);
process.exit(nfail ? 1 : 0);
