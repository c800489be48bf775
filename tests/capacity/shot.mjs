// tests/capacity/shot.mjs - the console's "Right-sizing & reclamation"
// page in Debian's Chromium (playwright-core), against the manager
// tests/capacity/run set up: its findings shown with their evidence, the
// unit switch, no console error nor CSP violation; with SHOTS=DIR its
// picture at 1920x1080 and 390x844.  Prints "ok"/"FAIL" per check and
// "N passed, N failed".
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../../console/node_modules/playwright-core");
const axeSource = readFileSync(require.resolve("../../console/node_modules/axe-core/axe.min.js"), "utf8");
const URL = process.env.CONSOLE_URL, PW = process.env.ADMIN_PASSWORD, SHOTS = process.env.SHOTS || "";
let npass = 0, nfail = 0;
const problems = [];
async function check(name, fn) {
  try { await fn(); npass++; if (process.env.VERBOSE) console.log(`ok   ${name}`); } catch (e) {
    nfail++; console.log(`FAIL ${name}\n     ${String(e.message || e).split("\n").slice(0, 4).join(" | ")}`);
  }
}
const assert = (c, why) => { if (!c) throw new Error(why); };

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"] });
async function open(viewport) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(URL);
  await page.waitForSelector("#user");
  await page.fill("#user", "admin");
  await page.fill("#password", PW);
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top", { timeout: 15000 });
  await page.goto(URL + "#/capacity");
  await page.waitForSelector('tr[data-image="orphan.qcow2"]', { timeout: 20000 });
  return [ctx, page];
}
const row = (page, sel) => page.innerText(sel).then((t) => t.replace(/\s+/g, " "));

const [ctx, page] = await open({ width: 1920, height: 1080 });
await check("the page is in the navigation, titled", async () => {
  assert(await page.isVisible('nav#nav a[href="#/capacity"]'), "no link");
  assert((await page.textContent("main h1")) === "Right-sizing & reclamation", await page.textContent("main h1"));
});
await check("big8: oversized, 8 -> 2 vCPUs, memory 16 -> 3.75 GiB, the evidence beside", async () => {
  const t = await row(page, 'tr[data-vm="big8"]');
  assert(/oversized/.test(t) && /8 → 2/.test(t) && /16\.00 GiB → 3\.75 GiB/.test(t), t);
  assert(/p95 of 86\d\d 5-minute means of vm_cpu_usage_ratio × vm_vcpus/.test(t) && /vm_memory_guest_used_bytes/.test(t), t);
  assert(/UTC|\+00:00|GMT/.test(t) || /\d{4}-\d\d-\d\d|\d\d:\d\d/.test(t), "no range in " + t);
});
await check("noguest: memory not assessed, and why", async () => {
  const t = await row(page, 'tr[data-vm="noguest"]');
  assert(/not assessed/.test(t) && /its guest gives no memory figure/.test(t), t);
});
await check("idle1 idle, off1 powered off, orphan.qcow2 and late.raw unused with their bytes", async () => {
  const idle = await row(page, 'table:has(caption:text-matches("Idle")) tr[data-vm="idle1"]');
  assert(/highest network 100 B\/s/.test(idle), idle);
  const off = await row(page, 'table:has(caption:text-matches("Powered off")) tr[data-vm="off1"]');
  assert(/shut off/.test(off) && /last ran until/.test(off), off);
  const cap = await page.textContent('caption:text-matches("Pool images")');
  assert(/\(2\)/.test(cap) && /would be freed/.test(cap), cap);
  assert(await page.isVisible('tr[data-image="late.raw"]'), "late.raw");
  assert(!(await page.$('tr[data-image="d2.qcow2"]')) && !(await page.$('tr[data-image="base.qcow2"]')), "a used image listed");
});
await check("the unit switch: memory in GB", async () => {
  await page.selectOption('select[aria-label="Bytes: unit"]', "GB");
  const t = await row(page, 'tr[data-vm="big8"]');
  assert(/17\.18 GB → 4\.03 GB/.test(t), t);
  await page.selectOption('select[aria-label="Bytes: unit"]', "GiB");
});
if (SHOTS) {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/capacity-1920.png`, fullPage: true });
  const [c2, phone] = await open({ width: 390, height: 844 });
  await phone.waitForTimeout(300);
  await check("at a phone's width, no page wider than the screen", async () => {
    const w = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, `scroll width ${w}`);
  });
  await phone.screenshot({ path: `${SHOTS}/capacity-390.png`, fullPage: true });
  await c2.close();
}
await check("no serious or critical axe-core finding", async () => {
  await page.evaluate(axeSource);
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((x) => x.impact === "serious" || x.impact === "critical")
    .map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  assert(!v.length, v.join("; "));
});
await check("no console error, no page error", async () => { assert(!problems.length, problems.slice(0, 5).join("; ")); });
await ctx.close();
await browser.close();
console.log(`${npass} passed, ${nfail} failed`);
process.exit(nfail ? 1 : 0);
