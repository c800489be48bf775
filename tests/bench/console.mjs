// tests/bench/console.mjs - the console's figures in Debian's Chromium
// (headless, playwright-core), against the cordond tests/bench/console
// started: medians of RUNS.
//   - the Workloads page: from the address to all rows counted and the
//     first drawn, with N workloads;
//   - scrolling that list top to bottom in 100 steps, each from a frame:
//     the time to render its rows and lay them out (median, 95th
//     percentile, worst), the time to the next frame, how many steps took
//     more than two frames (33.4 ms at 60 a second), and how many rows
//     were in the page at most;
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

const open = [], rowsMax = [], steps = [], works = [], filter = [];
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
    // the next frame after the rows changed (Preact renders in a microtask)
    const frame = () => new Promise((res) => requestAnimationFrame(res));
    const times = [], work = [];
    let most = 0;
    for (let s = 1; s <= 100; s++) {
      await frame();
      const t = performance.now();
      el.scrollTop = (el.scrollHeight - el.clientHeight) * s / 100;
      el.dispatchEvent(new Event("scroll"));
      await new Promise((res) => setTimeout(res, 0));   // Preact's render, then the layout it forces
      void el.querySelector("tbody").offsetHeight;
      work.push(performance.now() - t);
      await frame();
      times.push(performance.now() - t);
      most = Math.max(most, el.querySelectorAll("tbody tr:not(.spacer)").length);
    }
    return { times, work, most };
  });
  steps.push(...r.times);
  works.push(...r.work);
  rowsMax.push(r.most);
  const t1 = Date.now();
  await page.fill("#f-name", "00042");
  await page.waitForFunction((n) => !document.querySelector(".count-line").textContent.startsWith(`${n} of`), N);
  filter.push(Date.now() - t1);
  await page.fill("#f-name", "");
  await page.waitForFunction((n) => document.querySelector(".count-line").textContent.startsWith(`${n} of`), N);
}
console.log(`Workloads page, ${N} workloads: open to drawn median ${ms(med(open))} (of ${RUNS}); ` +
  `scrolling in 100 steps: a step's rows rendered and laid out median ${ms(med(works))}, p95 ${ms(pct(works, 0.95))}, ` +
  `worst ${ms(Math.max(...works))}; to its frame median ${ms(med(steps))}, ` +
  `${steps.filter((x) => x > 33.4).length} of ${steps.length} steps past two frames; ` +
  `at most ${Math.max(...rowsMax)} rows in the page; ` +
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
    // from the data given to the chart drawn (uPlot draws in a microtask: its draw hook says when)
    let done;
    const drawn = new Promise((res) => { done = res; });
    const t = performance.now();
    const u = new uPlot({ width: 900, height: 300, series: [{}, { stroke: "#2f6fde" }],
      hooks: { draw: [() => done(performance.now())] } }, [xs, ys], div);
    out.push((await drawn) - t);
    u.destroy();
    div.remove();
  }
  return out;
}, RUNS);
console.log(`uPlot, 150,000 points: drawn in median ${ms(med(draws))} (of ${RUNS}; the issue quotes < 100 ms)`);
await browser.close();
