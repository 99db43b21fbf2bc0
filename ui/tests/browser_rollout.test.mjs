// Browser tests on the rollout simulation's store (see tests/scripts/ui_browser_test.sh): the
// business metrics each version earned in its experiments, the deployment and its history, the
// serving monitor reading the `lathe serve` that took the traffic, and changing the deployment
// from the UI with the write token (and not without it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { axe, cells, cliIn, noConsoleErrors, num, open, ready, useBrowser } from "./helpers.mjs";

const url = process.env.LATHE_UI_URL;
const cli = (...args) => cliIn(process.env.LATHE_STORE_DIR, ...args);
const state = useBrowser(url);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
// An outcome's figure as the UI shows it: rates in percent, other figures (revenue) as numbers.
const fig = (c, x) => (c.binary === false ? String(Number(x.toPrecision(4))) : pct(x));

test("rollout models: each version's business metrics, experiment by experiment", async () => {
  const shown = cli("models", "show", "offers/2");
  const figures = Object.values(shown.business_metrics).sort((a, b) => a.experiment - b.experiment);
  assert.ok(figures.some((f) => f.comparisons.length > 0), "v2 was compared with another version");
  await open(state.page, url, "models/offers/2", "rollout-model");
  await state.page.waitForSelector("figure.chart[data-drawn=true]");
  const rows = await cells(state.page, "table.business");
  const expected = figures.flatMap((f) => f.comparisons.map((c) => ({ f, c })));
  assert.equal(rows.length, expected.length);
  rows.forEach((r, i) => {
    const { f, c } = expected[i];
    const mine = f.role === "canary" ? c.canary : c.stable;
    assert.equal(r[1], f.deployment);
    assert.equal(r[3], c.outcome);
    assert.equal(r[4], `${fig(c, mine.mean)} of ${mine.n} [${fig(c, mine.ci95[0])}, ${fig(c, mine.ci95[1])}]`);
    assert.equal(r[6], `${c.lift >= 0 ? "+" : ""}${pct(c.lift)} [${pct(c.lift_ci95[0])}, ${pct(c.lift_ci95[1])}]`);
  });
  const d = cli("deployments", "show", "shop");
  assert.ok((await state.page.textContent("[data-testid=roles]")).includes(d.stable === 2 ? "stable in shop" : ""));
});

test("rollout deployment: the split, the experiment and the history of changes", async () => {
  const d = cli("deployments", "show", "shop");
  await open(state.page, url, "deployments/shop", "rollout-deployment");
  assert.ok((await state.page.textContent("[data-testid=stable]")).startsWith(`v${d.stable} (${pct(1 - d.canary_share)} of requests)`));
  const history = await cells(state.page, "table.history");
  assert.deepEqual(history.map((r) => [r[1], r[2]]), d.history.map((e) => [e.action, e.reason]));
  assert.ok(history.some((r) => r[1] === "auto-rollback"), "the automatic rollback is in the history");
});

test("serving monitor: requests, errors and latency per version from the model server", async () => {
  // The server's own figures (no traffic now): requests per version.
  const text = await (await fetch(`${process.env.LATHE_SERVE_URL}/metrics`)).text();
  const requests = new Map();
  for (const line of text.split("\n")) {
    const m = line.match(/^lathe_serve_requests_total\{model="([^"]*)",version="(\d+)"[^}]*\} (\d+)/);
    if (m) requests.set(`${m[1]} v${m[2]}`, (requests.get(`${m[1]} v${m[2]}`) ?? 0) + Number(m[3]));
  }
  assert.ok(requests.size > 0, "the server answered requests");
  await open(state.page, url, "serving");
  await state.page.waitForFunction(() => Number(document.querySelector(".view")?.dataset.polls ?? 0) >= 2, null, { timeout: 15000 });
  const rows = await cells(state.page, "table.serving-versions");
  for (const [version, n] of requests) {
    const row = rows.find((r) => r[0] === version);
    assert.ok(row, `${version} in ${JSON.stringify(rows)}`);
    assert.equal(row[2], String(n));
    assert.equal(row[1], "0", "no traffic between the polls");
    assert.ok(Number(row[6]) > 0, `a p99 latency for ${version}: ${row[6]}`);
  }
  await state.page.waitForSelector("figure.chart[data-drawn=true]");
  await state.page.screenshot({ path: `${process.env.LATHE_SCREENSHOTS}/serving.png`, fullPage: true });
});

test("training against serving: a version's training data beside the rows it served, with drift", async () => {
  // The visits went to one version; its rows in the log against its bundle's statistics, as the
  // statistics tools measure them (the log's "lathe" details aside).
  const d = cli("deployments", "show", "shop");
  await open(state.page, url, "serving");
  await state.page.click(`a:text-is('offers v${d.stable}')`);
  await ready(state.page);
  assert.equal(await state.page.textContent("h1"), `offers version ${d.stable}: training data against served requests`);
  const bundle = cli("models", "show", `offers/${d.stable}`).destination;
  const expected = cli("stats", "compare", `${bundle}/statistics.json`, `${process.env.LATHE_STORE_DIR}/requests.jsonl`);
  const numeric = await cells(state.page, "table.numeric-features");
  const measured = expected.drift.filter((x) => x.status === "measured" && x.measure === "js");
  assert.ok(measured.length > 0);
  for (const x of measured) {
    const row = numeric.find((r) => r[0] === x.feature);
    assert.ok(row, x.feature);
    assert.ok(row[12].startsWith(`js ${num(x.value)}`), `${x.feature}: ${row[12]} vs ${x.value}`);
  }
  assert.match(await state.page.textContent("[data-testid=rows]"), /^600 served \(of 600 logged requests\)/);
  await state.page.screenshot({ path: `${process.env.LATHE_SCREENSHOTS}/training-vs-serving.png`, fullPage: true });
  await axe(state.page, "training-vs-serving");
});

test("writes: deploy a canary and roll it back from the UI with the token, refused without it", async () => {
  const token = readFileSync(process.env.LATHE_TOKEN_FILE, "utf8").trim();
  const before = cli("deployments", "show", "shop");
  await open(state.page, url, "deployments/shop");
  // Without the token: refused, and nothing changes.
  await state.page.evaluate(() => sessionStorage.removeItem("lathe-write-token"));
  await state.page.fill("#write-token", "");
  await state.page.fill("#deploy-version", "3");
  await state.page.fill("#deploy-canary", "10%");
  await state.page.click("form[aria-label=Deploy] button");
  await state.page.waitForSelector(".status.error");
  assert.match(await state.page.textContent(".status.error"), /Deploy failed: .*token/i);
  assert.equal(cli("deployments", "show", "shop").canary, before.canary);
  // With it: v3 goes out as a 10% canary, as `lathe deploy shop --version 3 --canary 10%`.
  await state.page.fill("#write-token", token);
  await state.page.dispatchEvent("#write-token", "change");
  await state.page.fill("#deploy-version", "3");
  await state.page.fill("#deploy-canary", "10%");
  await state.page.fill("#deploy-reason", "from the UI");
  await state.page.click("form[aria-label=Deploy] button");
  await state.page.waitForSelector("[data-testid=canary]");
  await ready(state.page);
  const after = cli("deployments", "show", "shop");
  assert.equal(after.canary, 3);
  assert.equal(after.canary_share, 0.1);
  assert.equal(after.history[0].reason, "from the UI");
  assert.ok((await state.page.textContent("[data-testid=canary]")).startsWith("v3 (10.0% of requests)"));
  await state.page.screenshot({ path: `${process.env.LATHE_SCREENSHOTS}/deployment-canary.png`, fullPage: true });
  // Roll it back.
  await state.page.click("form[aria-label='Roll back'] button");
  await state.page.waitForFunction(() => !document.querySelector("[data-testid=canary]") && !document.querySelector(".view[aria-busy]"));
  assert.equal(cli("deployments", "show", "shop").canary, 0);
});

test("reproduce: a run reproduced from its page with the token, followed until it ends", async () => {
  const run = cli("runs", "list").items.at(-1).name;
  await open(state.page, url, `runs/${run}`);
  await state.page.fill("#write-token", readFileSync(process.env.LATHE_TOKEN_FILE, "utf8").trim());
  await state.page.dispatchEvent("#write-token", "change");
  await state.page.click("[data-testid=reproduce]");
  await state.page.waitForSelector("table.repro-jobs");
  await state.page.waitForFunction(() => /reproducible: \d+ of \d+ outputs the same/.test(document.querySelector("table.repro-jobs tbody")?.textContent ?? ""), null, { timeout: 60000 });
  const row = (await cells(state.page, "table.repro-jobs"))[0];
  assert.equal(row[1], "done");
  assert.match(row[2], /^reproducible: (\d+) of \1 outputs the same$/);
  // The reproduction is a run in the store, marked as one, as the CLI lists it.
  const repro = cli("runs", "list").items.find((r) => r.properties.repro_of === run);
  assert.ok(repro, "a reproduction run");
  assert.equal(row[3], repro.name);
  await state.page.screenshot({ path: `${process.env.LATHE_SCREENSHOTS}/reproduce.png`, fullPage: true });
});

noConsoleErrors(state);
