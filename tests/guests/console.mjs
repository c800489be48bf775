// tests/guests/console.mjs - the console shows a vNIC its host cannot
// filter: on the Agents page under the host's agent, in the workloads
// list and on the workload's page.  Run by tests/guests/run (node, the
// console's playwright-core and Debian's Chromium); with SHOTS=DIR it
// saves each page.  Prints "ok NAME" or "FAIL NAME" per check.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { chromium } = require("../../console/node_modules/playwright-core");

const URL = process.env.CONSOLE_URL, PW = process.env.ADMIN_PASSWORD, WL = process.env.WORKLOAD;
const SHOTS = process.env.SHOTS || "";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"] });
const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 } });
const page = await ctx.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
const check = (name, ok, why) => console.log(ok ? `ok   ${name}` : `FAIL ${name}${why ? `\n     ${why}` : ""}`);
const loaded = () => page.waitForFunction(() => document.querySelector("main h1") &&
  !document.body.innerText.includes("Loading…"), null, { timeout: 20000 });
try {
  await page.goto(URL);
  await page.waitForSelector("#user");
  await page.fill("#user", "admin");
  await page.fill("#password", PW);
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top", { timeout: 15000 });
  for (const [route, name, sel] of [
    ["agents", "the Agents page shows the vNIC NOT enforced under its host", "tr.unenforced"],
    ["workloads", "the workloads list marks it NOT enforced", "main table"],
    [`workloads/${encodeURIComponent(WL)}`, "its page says it is not enforced, and why", "p.unenforced"],
  ]) {
    await page.goto(`${URL}#/${route}`);
    await loaded();
    const text = await page.locator(sel).first().innerText({ timeout: 10000 }).catch(() => "");
    const want = route === "workloads" ? /NOT enforced/ : /macvtap/;
    check(name, want.test(text) && (route !== "workloads" || text.includes(WL)), text.slice(0, 300));
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${route.replace(/\W/g, "-")}.png`, fullPage: true });
  }
  check("no page errors", !errors.length, errors.join("; "));
} catch (e) {
  check("the console", false, String(e));
} finally {
  await browser.close();
}
