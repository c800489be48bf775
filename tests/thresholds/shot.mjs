// tests/thresholds/shot.mjs - the learned thresholds in the console, in
// Debian's Chromium (playwright-core), against the manager
// tests/thresholds/run set up: the workload page draws the normal band
// behind the CPU usage (over the last hour, with the excursion above it,
// and over 7 days of history), says it is still learning for a VM of 3
// days; the alert's page says the band it broke and draws it behind its
// chart; no console error nor
// CSP violation, no serious axe-core finding.  With SHOTS=DIR their
// pictures at 1920x1080 (and the workload page at 390x844).  Prints
// "ok"/"FAIL" per check and "N passed, N failed".
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../../console/node_modules/playwright-core");
const axeSource = readFileSync(require.resolve("../../console/node_modules/axe-core/axe.min.js"), "utf8");
const URL = process.env.CONSOLE_URL, PW = process.env.ADMIN_PASSWORD, SHOTS = process.env.SHOTS || "";
const ALERT = process.env.ALERT_ID;
let npass = 0, nfail = 0;
const problems = [];
async function check(name, fn) {
  try { await fn(); npass++; if (process.env.VERBOSE) console.log(`ok   ${name}`); } catch (e) {
    nfail++; console.log(`FAIL ${name}\n     ${String(e.message || e).split("\n").slice(0, 4).join(" | ")}`);
  }
}
const assert = (c, why) => { if (!c) throw new Error(why); };
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

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
  return [ctx, page];
}
const CPU = 'figure.chart:has(strong:text-is("CPU usage"))';
async function workload(page, name) {
  await page.goto(URL + "#/workloads/" + name);
  await page.waitForSelector(`${CPU} canvas`, { timeout: 20000 });
}

const [ctx, page] = await open({ width: 1920, height: 1080 });
await workload(page, "quiet-1");
await check("quiet-1's CPU usage: the band drawn behind it, said under its title", async () => {
  await page.waitForSelector(`${CPU} .plot[data-band="yes"]`, { timeout: 10000 });
  const note = await page.textContent(`${CPU} .note`);
  assert(/its normal band, ±3σ by hour of week \(UTC\), learned from 21 days/.test(note), note);
  // uPlot's legend: the band's edges beside the metric
  const legend = await page.innerText(`${CPU} .u-legend`);
  assert(/normal upper/.test(legend) && /normal lower/.test(legend), legend);
});
await check("the other charts have no band", async () => {
  const n = await page.locator('.plot[data-band="yes"]').count();
  assert(n === 1, `${n} charts with a band`);
});
if (SHOTS) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/thresholds-workload-1h-1920.png`, fullPage: true });
}
await check("over 7 days: the band follows the history's days", async () => {
  await page.selectOption("label.range select", "7d");
  await page.waitForFunction(() => {
    const f = [...document.querySelectorAll("figure.chart")].find((x) => x.querySelector("strong")?.textContent === "CPU usage");
    return f && f.querySelector('.plot[data-band="yes"]') && /learned from/.test(f.textContent) &&
      document.querySelector("label.range select").value === "7d";
  }, null, { timeout: 20000 });
  await page.waitForTimeout(500);
  if (SHOTS) await page.locator(CPU).screenshot({ path: `${SHOTS}/thresholds-cpu-7d.png` });
});
if (SHOTS) await page.screenshot({ path: `${SHOTS}/thresholds-workload-7d-1920.png`, fullPage: true });
await check("young (3 days): no band, learning said", async () => {
  await page.selectOption("label.range select", "1h");
  await workload(page, "young");
  await page.waitForFunction(() => /learning \(3 days of 7\)/.test([...document.querySelectorAll("figure.chart")]
    .find((x) => x.querySelector("strong")?.textContent === "CPU usage")?.textContent || ""), null, { timeout: 10000 });
  assert(await page.isVisible(`${CPU} .plot[data-band="no"]`), "a band drawn");
});
await check("the alert's page: the band it broke", async () => {
  await page.goto(URL + "#/alerts/" + ALERT);
  await page.waitForSelector("li.holds .band", { timeout: 15000 });
  const t = (await page.innerText("li.holds")).replace(/\s+/g, " ");
  assert(/vm_cpu_usage_ratio above normal \(3 sigmas\) holds: value 0\.\d+/.test(t), t);
  assert(/normal band 0\.\d+ to 0\.\d+ \(centre 0\.\d+, ±3σ\) at \w{3} \d\d:00-\d\d:00 UTC, hour \d+ of the week; learned from 21 days/.test(t), t);
  // the chart of what shows it: the band behind it too
  await page.waitForSelector('figure.chart .plot[data-band="yes"] canvas', { timeout: 15000 });
  if (SHOTS) {
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SHOTS}/thresholds-alert-1920.png`, fullPage: true });
  }
});
await check("no serious or critical axe-core finding (the alert's page)", async () => {
  await page.evaluate(axeSource);
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
    .violations.filter((x) => x.impact === "serious" || x.impact === "critical")
    .map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  assert(!v.length, v.join("; "));
});
if (SHOTS) {
  const [c2, phone] = await open({ width: 390, height: 844 });
  await workload(phone, "quiet-1");
  await phone.waitForSelector(`${CPU} .plot[data-band="yes"]`, { timeout: 10000 });
  await check("at a phone's width, the CPU chart within the screen", async () => {
    const w = await phone.evaluate(() => Math.max(...[...document.querySelectorAll("figure.chart")]
      .map((f) => f.getBoundingClientRect().right)));
    assert(w <= 390, `a chart ends at ${w} px`);
  });
  await phone.waitForTimeout(300);
  await phone.screenshot({ path: `${SHOTS}/thresholds-workload-390.png`, fullPage: true });
  await c2.close();
}
await check("no console error, no page error", async () => { assert(!problems.length, problems.slice(0, 5).join("; ")); });
await ctx.close();
await browser.close();
console.log(`${npass} passed, ${nfail} failed`);
process.exit(nfail ? 1 : 0);
