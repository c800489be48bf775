// tests/bench/console.mjs - the console's figures in Debian's Chromium
// (headless, playwright-core), against the cordond tests/bench/console
// started: medians of RUNS.
//   - the Workloads page: from the address to all rows counted and the
//     first drawn, with N workloads;
//   - scrolling that list top to bottom in 100 steps: each step's time to
//     the next frame drawn (median, 95th percentile, worst), and how many
//     rows were in the page at most;
//   - a name typed in the filter: to the list redrawn;
//   - uPlot drawing 150,000 points (the figure the issue quotes), as the
//     console's charts use it.
// Figures only: nothing here fails on a timing.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../../console/node_modules/playwright-core");
const URL = process.env.CONSOLE_URL, PW = process.env.ADMIN_PASSWORD, N = Number(process.env.N);
const RUNS = Number(process.env.RUNS || 5);
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const ms = (x) => `${x.toFixed(1)} ms`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"] });
const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 } });
const page = await ctx.newPage();
await page.goto(URL);
await page.fill("#user", "admin");
await page.fill("#password", PW);
await page.click("form button[type=submit]");
await page.waitForSelector("nav#nav");

const open = [], rowsMax = [], steps = [], filter = [];
for (let i = 0; i < RUNS; i++) {
  await page.goto(URL + "#/overview");
  await page.waitForSelector(".counts");
  const t0 = Date.now();
  await page.goto(URL + "#/workloads");
  await page.waitForFunction((n) => document.querySelector(".count-line")?.textContent.startsWith(`${n} of`) &&
    document.querySelector(".vtable tbody tr:not(.spacer)"), N, { timeout: 60000 });
  open.push(Date.now() - t0);
  const r = await page.evaluate(async () => {
    const el = document.querySelector(".vtable");
    const frame = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const times = [];
    let most = 0;
    for (let s = 1; s <= 100; s++) {
      const t = performance.now();
      el.scrollTop = (el.scrollHeight - el.clientHeight) * s / 100;
      el.dispatchEvent(new Event("scroll"));
      await frame();
      times.push(performance.now() - t);
      most = Math.max(most, el.querySelectorAll("tbody tr:not(.spacer)").length);
    }
    return { times, most };
  });
  steps.push(...r.times);
  rowsMax.push(r.most);
  const t1 = Date.now();
  await page.fill("#f-name", "00042");
  await page.waitForFunction((n) => !document.querySelector(".count-line").textContent.startsWith(`${n} of`), N);
  filter.push(Date.now() - t1);
  await page.fill("#f-name", "");
  await page.waitForFunction((n) => document.querySelector(".count-line").textContent.startsWith(`${n} of`), N);
}
console.log(`Workloads page, ${N} workloads: open to drawn median ${ms(med(open))} (of ${RUNS}); ` +
  `scrolling in 100 steps: a step to its frame median ${ms(med(steps))}, p95 ${ms(pct(steps, 0.95))}, ` +
  `worst ${ms(Math.max(...steps))}; at most ${Math.max(...rowsMax)} rows in the page; ` +
  `a name filter typed to redrawn median ${ms(med(filter))}`);

const draws = await page.evaluate(async (runs) => {
  const { default: uPlot } = await import("/vendor/uplot.js");
  const n = 150000, xs = new Float64Array(n), ys = new Float64Array(n);
  const t0 = Date.now() / 1000 - n * 20;
  for (let i = 0; i < n; i++) { xs[i] = t0 + i * 20; ys[i] = 50 + 40 * Math.sin(i / 500) + Math.random() * 5; }
  const out = [];
  for (let r = 0; r < runs; r++) {
    const div = document.createElement("div");
    document.body.append(div);
    const t = performance.now();
    const u = new uPlot({ width: 900, height: 300, series: [{}, { stroke: "#2f6fde" }] }, [xs, ys], div);
    out.push(performance.now() - t);
    u.destroy();
    div.remove();
  }
  return out;
}, RUNS);
console.log(`uPlot, 150,000 points: drawn in median ${ms(med(draws))} (of ${RUNS}; the issue quotes < 100 ms)`);
await browser.close();
