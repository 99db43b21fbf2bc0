// Browser tests on the flights store: three monthly spans, one run per span (see
// tests/scripts/ui_browser_test.sh). Statistics of one span against the one before with the drift
// ExampleValidator measured, models trained on a window of spans with a warm start, a model that
// was not blessed and why, and a version's whole lineage back to its CSV files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cells, cliIn, noConsoleErrors, num, open, ready, useBrowser } from "./helpers.mjs";

const url = process.env.LATHE_UI_URL;
const cli = (...args) => cliIn(process.env.LATHE_STORE_DIR, ...args);
const state = useBrowser(url);

const statistics = () => cli("artifacts", "list", "--filter", "type = 'ExampleStatistics'").items;

test("flights statistics: span 3 against span 2, drift as the CLI measures it, anomalies marked", async () => {
  const all = statistics();
  const span3 = all.find((a) => a.custom_properties.span === 3);
  const span2 = all.find((a) => a.custom_properties.span === 2);
  await open(state.page, url, `statistics/${span3.id}?split=train`);
  // The shortcut to the span before.
  await state.page.click("a.chip:text-is('span 3 vs span 2')");
  await ready(state.page);
  assert.equal(await state.page.textContent("h1"), `Statistics ${span3.id} (train) against statistics ${span2.id} (train)`);
  const drift = cli("stats", "compare", `${span2.uri}/train.json`, `${span3.uri}/train.json`);
  const measured = drift.drift.filter((d) => d.status === "measured");
  assert.equal(await state.page.textContent("[data-testid=drift-summary]"), `${drift.exceeded} of ${measured.length} measures over their threshold`);
  const numeric = await cells(state.page, "table.numeric-features");
  for (const d of measured.filter((x) => x.measure === "js")) {
    const row = numeric.find((r) => r[0] === d.feature);
    assert.ok(row, d.feature);
    assert.ok(row[12].startsWith(`js ${num(d.value)}`), `${d.feature}: ${row[12]}`);
  }
  // The drift ExampleValidator found (thresholds of the pipeline: psi 0.02) is marked per feature.
  const report = JSON.parse(
    (await state.page.evaluate(async (id) => (await fetch(`/api/v1/statistics/${id}`)).text(), span3.id)),
  );
  const anomalies = report.anomalies.splits.train;
  assert.equal(await state.page.textContent("[data-testid=anomalies]"), `${anomalies.length} in this split (ExampleAnomalies ${report.anomalies.artifact_id})`);
  const marked = await state.page.$$eval(".anomaly", (els) => els.length);
  assert.equal(marked, anomalies.length);
  await state.page.screenshot({ path: `${process.env.LATHE_SCREENSHOTS}/flights-statistics.png`, fullPage: true });
});

test("flights models: each version's spans, warm start and lineage back to the CSV files", async () => {
  const versions = cli("models", "list");
  assert.ok(versions.length >= 2);
  const v = versions[versions.length - 1];
  const shown = cli("models", "show", `${v.name}/${v.version}`);
  await open(state.page, url, `models/${v.name}/${v.version}`, "flights-model");
  const spans = shown.spans.map((s) => `span ${s.span}`).join(" ");
  assert.equal((await state.page.textContent("[data-testid=spans]")).trim(), spans);
  if (shown.warm_start_from) assert.ok((await state.page.innerText(".view")).includes(`warm start from model ${shown.warm_start_from}`));
  await state.page.click("text=the whole history of this version");
  await ready(state.page);
  await state.page.waitForSelector(".graph[data-ready=true]");
  const lineage = cli("lineage", String(v.pushed_model_id), "--hops", "50");
  assert.equal(await state.page.getAttribute(".graph", "data-nodes"), String(lineage.nodes.length));
  const csvs = lineage.nodes.filter((n) => n.type === "ExternalArtifact" && /span-\d\.csv$/.test(n.uri));
  assert.equal(csvs.length, shown.spans.length, "one CSV file per span it trained on");
});

test("flights evaluation: the model that was not blessed says why", async () => {
  const runs = cli("runs", "compare").runs;
  const refused = runs.find((r) => r.blessed === false);
  assert.ok(refused, "a run whose model was not blessed");
  const ev = cli("eval", "show", String(refused.evaluation_id));
  await open(state.page, url, `evaluations/${refused.evaluation_id}`, "flights-not-blessed");
  const text = await state.page.innerText("section.blessing");
  assert.ok(text.startsWith("Not blessed"), text);
  for (const c of ev.blessing.checks.filter((x) => !x.passed)) assert.ok(text.includes(`FAIL ${c.check}`), `${c.check} in ${text}`);
  // In the comparison, the refused run says so next to the others.
  await open(state.page, url, "compare?pipeline=flights");
  await state.page.waitForSelector(".view[data-complete]");
  const rows = await state.page.$$eval("table.compare tbody tr", (trs) => trs.map((tr) => [tr.dataset.run, tr.children[tr.children.length - 2].textContent]));
  assert.deepEqual(rows, runs.map((r) => [r.run, r.blessed === null ? "" : r.blessed ? "yes" : "no"]));
});

noConsoleErrors(state);
