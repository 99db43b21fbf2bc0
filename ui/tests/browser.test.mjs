// Browser tests of the web UI on the penguins store: Debian's chromium driven by playwright-core
// against `lathe ui` on a store the driver (tests/scripts/ui_browser_test.sh) filled. Every view is
// opened, its content is compared with the CLI's --json, links and the lineage controls are clicked
// through, a reload keeps the view, axe-core finds no serious accessibility problem, and
// screenshots are saved.
//   LATHE_UI_URL     the server, e.g. http://127.0.0.1:8080
//   LATHE_BIN        the lathe command, run in LATHE_STORE_DIR for the expected figures
//   LATHE_SCREENSHOTS  folder for the screenshots
import { test } from "node:test";
import assert from "node:assert/strict";
import { axe as axeOn, cells, cliIn, noConsoleErrors, num, open, ready as readyOn, shots, useBrowser } from "./helpers.mjs";

const url = process.env.LATHE_UI_URL;
const cli = (...args) => cliIn(process.env.LATHE_STORE_DIR, ...args);
const state = useBrowser(url);
const ready = () => readyOn(state.page);
const axe = (name) => axeOn(state.page, name);

test("runs: the list is the CLI's, newest first, and a run opens as a graph", async () => {
  const runs = cli("runs", "list").items;
  await state.page.goto(`${url}/#/runs`);
  await ready();
  const names = await state.page.$$eval("table.runs tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(names, runs.map((r) => r.name));
  await state.page.screenshot({ path: `${shots}/runs.png`, fullPage: true });
  await axe("runs");

  // The second run reused every node from the first one's cache.
  const cachedRun = runs[1].name;
  const shown = cli("runs", "show", cachedRun);
  await state.page.click(`text=${cachedRun}`);
  await ready();
  await state.page.waitForSelector(".graph[data-ready=true]");
  assert.equal(await state.page.getAttribute(".graph", "data-nodes"), String(shown.nodes.length));
  const cached = shown.nodes.filter((n) => n.cached_from > 0).length;
  assert.equal(await state.page.textContent("[data-testid=node-count]"), `${shown.nodes.length} (${cached} reused from the cache)`);
  assert.ok(cached > 0, "the second run reused nodes");
  const nodeStates = await state.page.$$eval("table.nodes tbody tr td:nth-child(2)", (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(nodeStates, shown.nodes.map((n) => (n.cached_from > 0 ? "CACHED" : n.state)));
  // Choosing a node shows its execution, parameters and links.
  const trainer = shown.nodes.find((n) => n.node === "train");
  await state.page.click("table.nodes button:text-is('train')");
  await state.page.waitForSelector(".panel h2:text-is('train')");
  const panel = (await state.page.innerText(".panel")).replace(/\s+/g, " ");
  assert.ok(panel.includes(`execution ${trainer.execution_id}`), panel);
  if (trainer.cached_from > 0) assert.ok(panel.includes(`cache hit of execution ${trainer.cached_from}`), panel);
  else assert.ok(panel.includes(trainer.cache_key), "the cache key is shown");
  await state.page.screenshot({ path: `${shots}/run.png`, fullPage: true });
  await axe("run");
  // A reload keeps the view.
  await state.page.reload();
  await ready();
  await state.page.waitForSelector(".graph[data-ready=true]");
  assert.equal(await state.page.textContent("h1"), `Run ${cachedRun}`);
});

test("artifacts: the filter language of the CLI, its errors, and an artifact's page", async () => {
  const models = cli("artifacts", "list", "--filter", "type = 'Model'", "--limit", "50").items;
  await state.page.goto(`${url}/#/artifacts`);
  await ready();
  await state.page.fill("#filter", "type = 'Model'");
  await state.page.press("#filter", "Enter");
  await state.page.waitForFunction(() => location.hash.includes("filter="));
  await ready();
  const ids = await state.page.$$eval("table.artifacts tbody tr td:first-child", (tds) => tds.map((t) => Number(t.textContent)));
  assert.deepEqual([...ids].sort((a, b) => a - b), models.map((m) => m.id).sort((a, b) => a - b));
  await axe("artifacts");

  // A malformed filter says what and where, as the CLI does.
  await state.page.goto(`${url}/#/artifacts?filter=${encodeURIComponent("type =")}`);
  await ready();
  const error = await state.page.textContent("[role=alert]");
  assert.match(error, /filter: .*column 7/);

  const model = models[models.length - 1];
  const described = cli("artifacts", "show", String(model.id));
  await state.page.goto(`${url}/#/artifacts/${model.id}`);
  await ready();
  assert.equal(await state.page.textContent("h1"), `Artifact ${model.id}: Model${model.name ? " " + model.name : ""}`);
  const events = await state.page.$$eval("table.events tbody tr", (trs) => trs.length);
  assert.equal(events, described.events.length);
  await state.page.screenshot({ path: `${shots}/artifact.png`, fullPage: true });
  await axe("artifact");

  // An unknown id is a clear error, not an empty page.
  await state.page.goto(`${url}/#/artifacts/999999`);
  await ready();
  assert.match(await state.page.textContent("[role=alert]"), /999999/);
});

test("executions: listed and shown", async () => {
  const trainers = cli("executions", "list", "--filter", "type = 'Trainer'").items;
  await state.page.goto(`${url}/#/executions?filter=${encodeURIComponent("type = 'Trainer'")}`);
  await ready();
  const rows = await state.page.$$eval("table.executions tbody tr", (trs) => trs.length);
  assert.equal(rows, trainers.length);
  await state.page.click(`table.executions tbody tr:first-child td:first-child a`);
  await ready();
  assert.match(await state.page.textContent("h1"), /^Execution \d+: Trainer/);
  await axe("execution");
});

test("lineage: a model's history back to its CSV file, hop by hop, as the CLI has it", async () => {
  const model = cli("artifacts", "list", "--filter", "type = 'Model'").items[0];
  await state.page.goto(`${url}/#/artifacts/${model.id}`);
  await ready();
  await state.page.click("text=Lineage: where it came from");
  await ready();
  await state.page.waitForSelector(".graph[data-ready=true]");
  const summary = async () => state.page.textContent("[data-testid=lineage-summary]");
  const expect = (hops) => {
    const g = cli("lineage", String(model.id), "--hops", String(hops));
    const artifacts = g.nodes.filter((n) => n.kind === "artifact").length;
    const executions = g.nodes.filter((n) => n.kind === "execution").length;
    return `${artifacts} artifacts, ${executions} executions, ${g.edges.length} edges`;
  };
  assert.ok((await summary()).startsWith(expect(4)), `${await summary()} vs ${expect(4)}`);
  await state.page.click("[data-testid=expand]");
  await state.page.waitForFunction(() => location.hash.includes("hops=5"));
  await ready();
  await state.page.waitForSelector(".graph[data-ready=true]");
  assert.ok((await summary()).startsWith(expect(5)));
  await state.page.click("text=whole history");
  await ready();
  await state.page.waitForSelector(".graph[data-ready=true]");
  assert.ok((await summary()).startsWith(expect(1000)));
  const whole = cli("lineage", String(model.id), "--hops", "1000");
  assert.ok(whole.nodes.some((n) => n.type === "ExternalArtifact" && n.uri.endsWith("penguins.csv")), "the CSV is in the history");
  // Keyboard: the graph takes focus, arrow keys move, Enter shows the node.
  await state.page.focus(".graph-canvas");
  await state.page.keyboard.press("ArrowLeft");
  await state.page.keyboard.press("Enter");
  await state.page.screenshot({ path: `${shots}/lineage.png`, fullPage: true });
  await axe("lineage");
  // Clicking a node on the canvas shows it in the panel.
  const box = await state.page.locator(".graph-canvas").boundingBox();
  assert.ok(box.width > 100 && box.height > 100);
});

test("keyboard: the skip link and the navigation work without a mouse", async () => {
  await state.page.goto("about:blank");
  await state.page.goto(`${url}/#/runs`);
  await ready();
  await state.page.keyboard.press("Tab");
  assert.equal(await state.page.evaluate(() => document.activeElement?.textContent), "Skip to content");
  await state.page.keyboard.press("Tab"); // the brand
  for (const link of ["Runs", "Compare", "Models", "Serving", "Artifacts"]) {
    await state.page.keyboard.press("Tab");
    assert.equal(await state.page.evaluate(() => document.activeElement?.textContent), link);
  }
  await state.page.keyboard.press("Enter");
  await state.page.waitForFunction(() => location.hash === "#/artifacts");
  await ready();
  assert.equal(await state.page.textContent("h1"), "Artifacts");
});


test("statistics: per feature as the CLI computes them, and train against eval with drift", async () => {
  const stats = cli("artifacts", "list", "--filter", "type = 'ExampleStatistics'").items[0];
  const expected = cli("stats", "compute", stats.uri).splits;
  await open(state.page, url, `statistics/${stats.id}?split=train`, "statistics");
  assert.equal(await state.page.textContent("[data-testid=rows]"), String(expected.train.rows));
  const numeric = expected.train.features.filter((f) => f.histogram);
  const rows = await cells(state.page, "table.numeric-features");
  assert.deepEqual(
    rows.map((r) => [r[0], r[2], r[4], r[7]]),
    numeric.map((f) => [f.name, String(f.count), num(f.mean), num(f.median)]),
  );
  const categorical = await cells(state.page, "table.categorical-features");
  const species = expected.train.features.find((f) => f.name === "species");
  const row = categorical.find((r) => r[0] === "species");
  assert.equal(row[5], species.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(", "));

  // eval against train: each feature's drift is `lathe stats compare`'s.
  const drift = cli("stats", "compare", `${stats.uri}/train.json`, `${stats.uri}/eval.json`);
  await open(state.page, url, `statistics/${stats.id}?split=eval&baseline=${stats.id}&baseline_split=train`, "statistics-compare");
  const measured = drift.drift.filter((d) => d.status === "measured");
  assert.equal(await state.page.textContent("[data-testid=drift-summary]"), `${drift.exceeded} of ${measured.length} measures over their threshold`);
  const compared = await cells(state.page, "table.categorical-features");
  const linf = measured.find((d) => d.feature === "species");
  const speciesRow = compared.find((r) => r[0] === "species");
  assert.ok(speciesRow[7].startsWith(`linf ${num(linf.value)}`), speciesRow[7]);
  assert.equal(speciesRow[7].includes("DRIFT"), linf.exceeded);
  // A feature in detail: its distribution in both datasets, its quantiles and drift.
  await state.page.click("table.numeric-features button:text-is('body_mass_g')");
  await state.page.waitForSelector(".feature-detail h2:text-is('body_mass_g')");
  await state.page.waitForSelector(".feature-detail figure[data-drawn=true]");
  const quantiles = await cells(state.page, ".feature-detail table.quantiles");
  const evalMass = expected.eval.features.find((f) => f.name === "body_mass_g");
  const q = Object.entries(evalMass.quantiles).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(quantiles, q.map(([p, v]) => [`${Number(p) * 100}%`, num(v), num(expected.train.features.find((f) => f.name === "body_mass_g").quantiles[p])]));
});

test("evaluation: sliced metrics worst first with intervals, the baseline per slice, why blessed", async () => {
  // The newest evaluation: its model had the first run's model as baseline.
  const evaluations = cli("artifacts", "list", "--filter", "type = 'ModelEvaluation'").items;
  const ev = cli("eval", "show", String(Math.max(...evaluations.map((e) => e.id))));
  assert.ok(ev.baseline, "the newest evaluation has a baseline");
  await open(state.page, url, `evaluations/${ev.evaluation_id}`, "evaluation");
  assert.equal(await state.page.textContent("h1"), `Evaluation ${ev.evaluation_id} of model ${ev.model_id}`);
  const blessing = await state.page.innerText("section.blessing");
  assert.ok(blessing.startsWith(ev.blessing.blessed ? "Blessed" : "Not blessed"), blessing);
  for (const c of ev.blessing.checks) assert.ok(blessing.includes(c.check), `${c.check} in ${blessing}`);
  // Worst accuracy first, skipped slices last; each value is the CLI's, with its interval.
  const rows = await cells(state.page, "table.slices");
  const measured = ev.candidate.slices.filter((s) => !s.skipped);
  const worst = [...measured].sort((a, b) => a.metrics.accuracy - b.metrics.accuracy);
  assert.deepEqual(rows.slice(0, worst.length).map((r) => r[0]), worst.map((s) => s.slice));
  const overall = rows.find((r) => r[0] === "overall");
  const o = ev.candidate.slices.find((s) => s.slice === "overall");
  const iv = o.intervals.accuracy;
  assert.equal(overall[2], `${o.metrics.accuracy.toFixed(4)} [${iv[0].toFixed(3)}, ${iv[1].toFixed(3)}]`);
  // Against its baseline: the change per slice is `lathe eval compare`'s.
  const cmp = cli("eval", "compare", String(ev.evaluation_id));
  for (const r of rows.slice(0, worst.length)) {
    const c = cmp.rows.find((x) => x.slice === r[0] && x.metric === "accuracy");
    assert.equal(r[r.length - 1], c.change ?? "", r[0]);
  }
  await state.page.waitForSelector("figure.chart[data-drawn=true]");
  // Another metric: log loss, where higher is worse.
  await state.page.click("a.chip:text-is('log_loss')");
  await state.page.waitForFunction(() => location.hash.includes("metric=log_loss"));
  await ready();
  const byLoss = [...measured].sort((a, b) => b.metrics.log_loss - a.metrics.log_loss);
  assert.equal((await cells(state.page, "table.slices"))[0][0], byLoss[0].slice);
});

test("run comparison: parameters and metrics of every run, differences highlighted, runs side by side", async () => {
  const expected = cli("runs", "compare");
  await open(state.page, url, "compare");
  await state.page.waitForSelector(".view[data-complete]");
  await state.page.screenshot({ path: `${shots}/compare.png`, fullPage: true });
  await axe("compare");
  const rows = await state.page.$$eval("table.compare tbody tr", (trs) => trs.map((tr) => tr.dataset.run));
  assert.deepEqual(rows, expected.runs.map((r) => r.run));
  // rounds differs from the reference run's (the newest) in the other runs: their cells are marked.
  const headers = await state.page.$$eval("table.compare thead th", (ths) => ths.map((t) => t.textContent));
  const col = headers.indexOf("rounds");
  assert.ok(col > 0, headers.join(","));
  const highlighted = await state.page.$$eval(`table.compare tbody tr td:nth-child(${col + 1}).diff`, (tds) => tds.length);
  const reference = expected.runs[0].parameters.rounds;
  assert.equal(highlighted, expected.runs.filter((r) => r.parameters.rounds !== reference).length);
  const auc = await state.page.$$eval(`table.compare tbody tr td:nth-child(${headers.indexOf("auc") + 1})`, (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(auc, expected.runs.map((r) => num(r.metrics.auc)));
  await state.page.waitForSelector("figure.chart[data-drawn=true]");
  // Two runs side by side: the rows that differ are marked.
  // Selecting changes the page in place, and the link follows.
  await state.page.check(`input[aria-label="select ${expected.runs[0].run}"]`);
  await state.page.check(`input[aria-label="select ${expected.runs[2].run}"]`);
  await state.page.waitForSelector("table.side-by-side");
  assert.ok((await state.page.evaluate(() => location.hash)).includes(`runs=${encodeURIComponent(`${expected.runs[0].run},${expected.runs[2].run}`)}`));
  assert.equal(await state.page.$$eval("table.compare tr.selected", (trs) => trs.length), 2);
  const side = await state.page.$$eval("table.side-by-side tbody tr.diff th", (ths) => ths.map((t) => t.textContent));
  assert.ok(side.includes("rounds"), side.join(","));
  await state.page.screenshot({ path: `${shots}/compare-selected.png`, fullPage: true });
  await axe("compare-selected");
  // The link brings the selection back.
  await state.page.reload();
  await ready();
  await state.page.waitForSelector("table.side-by-side");
});

test("models: the registry's versions with their lineage summary, read-only", async () => {
  const versions = cli("models", "list");
  await open(state.page, url, "models", "models");
  const rows = await cells(state.page, "table.versions");
  assert.deepEqual(rows.map((r) => r[0]).sort(), versions.map((v) => `${v.name}/${v.version}`).sort());
  const newest = versions[versions.length - 1];
  await state.page.click(`a:text-is('${newest.name}/${newest.version}')`);
  await ready();
  assert.equal(await state.page.textContent("h1"), `${newest.name} version ${newest.version}`);
  const shown = cli("models", "show", `${newest.name}/${newest.version}`);
  assert.equal(await state.page.textContent("[data-testid=roles]"), "not deployed");
  assert.ok((await state.page.innerText(".view")).includes(`model ${shown.model_id}`));
  assert.equal(await state.page.$("section[aria-label='Deploy this version']"), null, "read-only: no deploy form");
  await axe("model-version");
});

noConsoleErrors(state);
