// examples/demo-console.mjs - the demo's console pages as a user sees them:
// Debian's Chromium (driven by playwright-core, from the console's npm
// install) signs in as admin with the password cordond wrote, and saves
// the dashboard, a VM's page and an alert's page (its drill-down) at
// 1920x1080.
//
//   node examples/demo-console.mjs URL PASSWORD-FILE VM ALERT-ID OUTDIR
//
// Prints the files it wrote, one a line; exits non-zero on any failure
// (a page that does not load, a sign-in refused).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("../console/node_modules/playwright-core");

const [url, pwFile, vm, alertId, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node examples/demo-console.mjs URL PASSWORD-FILE VM ALERT-ID OUTDIR");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
});
let rc = 0;
try {
  // the manager's certificate is its own (make demo's): accepted here
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.fill("#user", "admin");
  await page.fill("#password", readFileSync(pwFile, "utf8").trim());
  await page.click("form button[type=submit]");
  await page.waitForSelector("header.top", { timeout: 15000 });
  const pages = [["dashboards", "dashboard"], [`workloads/${vm}`, `vm-${vm}`]];
  if (alertId) pages.push([`alerts/${alertId}`, `alert-${alertId}`]);
  for (const [route, name] of pages) {
    await page.goto(`${url}#/${route}`);
    await page.waitForFunction(() => document.querySelector("main h1") &&
      !document.body.innerText.includes("Loading…"), null, { timeout: 20000 });
    await page.waitForTimeout(800);   // the charts drawn
    const file = `${out}/console-${name}.png`;
    await page.screenshot({ path: file });
    console.log(file);
  }
} catch (e) {
  console.error(`demo-console: ${String(e.message || e).split("\n")[0]}`);
  rc = 1;
} finally {
  await browser.close();
}
process.exit(rc);
