// Browser tests of the web UI: Debian's chromium driven by playwright-core against `lathe ui` on a
// store the driver (tests/scripts/ui_browser_test.sh) filled. Every view is opened, its content is
// compared with the CLI's --json, links and the lineage controls are clicked through, a reload
// keeps the view, axe-core finds no serious accessibility problem, and screenshots are saved.
//   LATHE_UI_URL     the server, e.g. http://127.0.0.1:8080
//   LATHE_BIN        the lathe command, run in LATHE_STORE_DIR for the expected figures
//   LATHE_SCREENSHOTS  folder for the screenshots
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const url = process.env.LATHE_UI_URL;
const shots = process.env.LATHE_SCREENSHOTS ?? "screenshots";
mkdirSync(shots, { recursive: true });

function cli(...args) {
  const out = execFileSync(process.env.LATHE_BIN, ["--json", ...args], { cwd: process.env.LATHE_STORE_DIR, encoding: "utf8" });
  return JSON.parse(out);
}

let browser, page;
const consoleErrors = [];

before(async () => {
  browser = await chromium.launch({
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
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Offline: any request that is not to lathe ui fails the test.
  await page.route("**/*", (route) => {
    if (route.request().url().startsWith(url)) return route.continue();
    consoleErrors.push(`request outside lathe ui: ${route.request().url()}`);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
});

async function axe(name) {
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
async function ready() {
  await page.waitForFunction(() => {
    const view = document.querySelector(".view");
    return view !== null && view.dataset.route === location.hash && !view.hasAttribute("aria-busy");
  });
}

test("runs: the list is the CLI's, newest first, and a run opens as a graph", async () => {
  const runs = cli("runs", "list").items;
  await page.goto(`${url}/#/runs`);
  await ready();
  const names = await page.$$eval("table.runs tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(names, runs.map((r) => r.name));
  await page.screenshot({ path: `${shots}/runs.png`, fullPage: true });
  await axe("runs");

  // The second run reused every node from the first one's cache.
  const cachedRun = runs[1].name;
  const shown = cli("runs", "show", cachedRun);
  await page.click(`text=${cachedRun}`);
  await ready();
  await page.waitForSelector(".graph[data-ready=true]");
  assert.equal(await page.getAttribute(".graph", "data-nodes"), String(shown.nodes.length));
  const cached = shown.nodes.filter((n) => n.cached_from > 0).length;
  assert.equal(await page.textContent("[data-testid=node-count]"), `${shown.nodes.length} (${cached} reused from the cache)`);
  assert.ok(cached > 0, "the second run reused nodes");
  const nodeStates = await page.$$eval("table.nodes tbody tr td:nth-child(2)", (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(nodeStates, shown.nodes.map((n) => (n.cached_from > 0 ? "CACHED" : n.state)));
  // Choosing a node shows its execution, parameters and links.
  const trainer = shown.nodes.find((n) => n.node === "train");
  await page.click("table.nodes button:text-is('train')");
  await page.waitForSelector(".panel h2:text-is('train')");
  const panel = (await page.innerText(".panel")).replace(/\s+/g, " ");
  assert.ok(panel.includes(`execution ${trainer.execution_id}`), panel);
  if (trainer.cached_from > 0) assert.ok(panel.includes(`cache hit of execution ${trainer.cached_from}`), panel);
  else assert.ok(panel.includes(trainer.cache_key), "the cache key is shown");
  await page.screenshot({ path: `${shots}/run.png`, fullPage: true });
  await axe("run");
  // A reload keeps the view.
  await page.reload();
  await ready();
  await page.waitForSelector(".graph[data-ready=true]");
  assert.equal(await page.textContent("h1"), `Run ${cachedRun}`);
});

test("artifacts: the filter language of the CLI, its errors, and an artifact's page", async () => {
  const models = cli("artifacts", "list", "--filter", "type = 'Model'", "--limit", "50").items;
  await page.goto(`${url}/#/artifacts`);
  await ready();
  await page.fill("#filter", "type = 'Model'");
  await page.press("#filter", "Enter");
  await page.waitForFunction(() => location.hash.includes("filter="));
  await ready();
  const ids = await page.$$eval("table.artifacts tbody tr td:first-child", (tds) => tds.map((t) => Number(t.textContent)));
  assert.deepEqual([...ids].sort((a, b) => a - b), models.map((m) => m.id).sort((a, b) => a - b));
  await axe("artifacts");

  // A malformed filter says what and where, as the CLI does.
  await page.goto(`${url}/#/artifacts?filter=${encodeURIComponent("type =")}`);
  await ready();
  const error = await page.textContent("[role=alert]");
  assert.match(error, /filter: .*column 7/);

  const model = models[models.length - 1];
  const described = cli("artifacts", "show", String(model.id));
  await page.goto(`${url}/#/artifacts/${model.id}`);
  await ready();
  assert.equal(await page.textContent("h1"), `Artifact ${model.id}: Model${model.name ? " " + model.name : ""}`);
  const events = await page.$$eval("table.events tbody tr", (trs) => trs.length);
  assert.equal(events, described.events.length);
  await page.screenshot({ path: `${shots}/artifact.png`, fullPage: true });
  await axe("artifact");

  // An unknown id is a clear error, not an empty page.
  await page.goto(`${url}/#/artifacts/999999`);
  await ready();
  assert.match(await page.textContent("[role=alert]"), /999999/);
});

test("executions: listed and shown", async () => {
  const trainers = cli("executions", "list", "--filter", "type = 'Trainer'").items;
  await page.goto(`${url}/#/executions?filter=${encodeURIComponent("type = 'Trainer'")}`);
  await ready();
  const rows = await page.$$eval("table.executions tbody tr", (trs) => trs.length);
  assert.equal(rows, trainers.length);
  await page.click(`table.executions tbody tr:first-child td:first-child a`);
  await ready();
  assert.match(await page.textContent("h1"), /^Execution \d+: Trainer/);
  await axe("execution");
});

test("lineage: a model's history back to its CSV file, hop by hop, as the CLI has it", async () => {
  const model = cli("artifacts", "list", "--filter", "type = 'Model'").items[0];
  await page.goto(`${url}/#/artifacts/${model.id}`);
  await ready();
  await page.click("text=Lineage: where it came from");
  await ready();
  await page.waitForSelector(".graph[data-ready=true]");
  const summary = async () => page.textContent("[data-testid=lineage-summary]");
  const expect = (hops) => {
    const g = cli("lineage", String(model.id), "--hops", String(hops));
    const artifacts = g.nodes.filter((n) => n.kind === "artifact").length;
    const executions = g.nodes.filter((n) => n.kind === "execution").length;
    return `${artifacts} artifacts, ${executions} executions, ${g.edges.length} edges`;
  };
  assert.ok((await summary()).startsWith(expect(4)), `${await summary()} vs ${expect(4)}`);
  await page.click("[data-testid=expand]");
  await page.waitForFunction(() => location.hash.includes("hops=5"));
  await ready();
  await page.waitForSelector(".graph[data-ready=true]");
  assert.ok((await summary()).startsWith(expect(5)));
  await page.click("text=whole history");
  await ready();
  await page.waitForSelector(".graph[data-ready=true]");
  assert.ok((await summary()).startsWith(expect(1000)));
  const whole = cli("lineage", String(model.id), "--hops", "1000");
  assert.ok(whole.nodes.some((n) => n.type === "ExternalArtifact" && n.uri.endsWith("penguins.csv")), "the CSV is in the history");
  // Keyboard: the graph takes focus, arrow keys move, Enter shows the node.
  await page.focus(".graph-canvas");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Enter");
  await page.screenshot({ path: `${shots}/lineage.png`, fullPage: true });
  await axe("lineage");
  // Clicking a node on the canvas shows it in the panel.
  const box = await page.locator(".graph-canvas").boundingBox();
  assert.ok(box.width > 100 && box.height > 100);
});

test("keyboard: the skip link and the navigation work without a mouse", async () => {
  await page.goto("about:blank");
  await page.goto(`${url}/#/runs`);
  await ready();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
  await page.keyboard.press("Tab"); // the brand
  for (const link of ["Runs", "Compare", "Models", "Serving", "Artifacts"]) {
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), link);
  }
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash === "#/artifacts");
  await ready();
  assert.equal(await page.textContent("h1"), "Artifacts");
});

test("no console errors and nothing fetched from outside", () => {
  assert.deepEqual(consoleErrors.filter((e) => !e.includes("status of 404") && !e.includes("status of 400")), []);
});
