// Shared by the browser tests: Debian's chromium driven by playwright-core, offline (a request to
// anything but the lathe ui under test fails the test), the CLI's --json for expected figures,
// waiting for a view, axe-core checks and screenshots.
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
export const shots = process.env.LATHE_SCREENSHOTS ?? "screenshots";
mkdirSync(shots, { recursive: true });

// The lathe command's --json answer, run in `dir` (the store's folder).
export function cliIn(dir, ...args) {
  const out = execFileSync(process.env.LATHE_BIN, ["--json", ...args], { cwd: dir, encoding: "utf8" });
  return JSON.parse(out);
}

// Opens a browser for the tests of one file, against `url`; returns the page and the console
// errors seen (checked by the file's last test).
export function useBrowser(url) {
  const state = { page: undefined, browser: undefined, consoleErrors: [] };
  before(async () => {
    state.browser = await chromium.launch({
      executablePath: process.env.LATHE_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    state.page = await state.browser.newPage({ viewport: { width: 1400, height: 900 } });
    state.page.on("console", (m) => m.type() === "error" && state.consoleErrors.push(m.text()));
    state.page.on("pageerror", (e) => state.consoleErrors.push(String(e)));
    // Offline: any request that is not to lathe ui fails the test.
    await state.page.route("**/*", (route) => {
      if (route.request().url().startsWith(url)) return route.continue();
      state.consoleErrors.push(`request outside lathe ui: ${route.request().url()}`);
      return route.abort();
    });
  });
  after(async () => {
    await state.browser?.close();
  });
  return state;
}

// The last test of a file: nothing went wrong in the page (the 400, 401 and 404 answers the tests asked for aside).
export function noConsoleErrors(state) {
  test("no console errors and nothing fetched from outside", () => {
    assert.deepEqual(state.consoleErrors.filter((e) => !/status of 40[014]/.test(e)), []);
  });
}

export async function axe(page, name) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${name}: accessibility violations ${JSON.stringify(serious)}`);
}

// The view of the current route is drawn (not the one before it, still on screen).
export async function ready(page) {
  await page.waitForFunction(() => {
    const view = document.querySelector(".view");
    return view !== null && view.dataset.route === location.hash && !view.hasAttribute("aria-busy");
  });
}

// Opens a route and waits for its view; with `shot`, saves a screenshot and runs axe-core.
export async function open(page, url, route, shot) {
  await page.goto(`${url}/#/${route}`);
  await ready(page);
  if (shot) {
    await page.screenshot({ path: `${shots}/${shot}.png`, fullPage: true });
    await axe(page, shot);
  }
}

// A table's cells as text, row by row.
export async function cells(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
}

// Numbers as the UI prints them (formatNumber in src/format.ts: six significant digits).
export function num(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return Number(v.toPrecision(6)).toString();
}
