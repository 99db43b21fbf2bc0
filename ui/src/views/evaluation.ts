// An evaluation: metrics per slice with confidence intervals (a table sortable by any column,
// worst slices first, and a chart), the model against its baseline or another evaluation slice by
// slice, and why the model was or was not blessed.
import { api, type Evaluation, type EvaluationComparison, type ModelMetrics, type SliceMetrics } from "../api";
import { Chart, colourA, colourB, errorBars } from "../charts";
import { h, type Child } from "../dom";
import { link, navigate, type Route } from "../router";
import { artifactLink } from "./common";

// Metrics where a smaller value is better (the rest: larger is better).
const lowerIsBetter = new Set(["log_loss", "rmse", "mae", "mape", "brier"]);

function mainMetrics(task: string): string[] {
  if (task === "binary") return ["auc", "auc_pr", "log_loss", "accuracy", "precision", "recall", "f1"];
  if (task === "multiclass") return ["accuracy", "log_loss", "auc", "precision", "recall", "f1"];
  return ["rmse", "mae", "r2", "mape"];
}

type SortKey = "worst" | "slice" | "rows" | `metric:${string}`;

function metricValue(s: SliceMetrics | undefined, m: string): number {
  if (!s || s.skipped) return NaN;
  const v = s.metrics[m];
  return typeof v === "number" ? v : NaN;
}

function interval(s: SliceMetrics | undefined, m: string): [number, number] | null {
  const iv = s?.intervals?.[m];
  return iv && Number.isFinite(iv[0]) && Number.isFinite(iv[1]) ? iv : null;
}

function cell(s: SliceMetrics | undefined, m: string): Child {
  const v = metricValue(s, m);
  if (!Number.isFinite(v)) return s?.skipped ? "-" : "n/a";
  const iv = interval(s, m);
  return [v.toFixed(4), iv ? h("span", { class: "ci" }, ` [${iv[0].toFixed(3)}, ${iv[1].toFixed(3)}]`) : ""];
}

export async function renderEvaluation(root: HTMLElement, route: Route): Promise<void> {
  const id = route.parts[1];
  const ev = await api<Evaluation>(`evaluations/${encodeURIComponent(id)}`);
  const c = ev.candidate;
  const metrics = mainMetrics(c.task).filter((m) => c.slices.some((s) => Number.isFinite(metricValue(s, m))));
  const metric = metrics.includes(route.query.get("metric") ?? "") ? route.query.get("metric")! : metrics[0];
  const against = route.query.get("against") ?? (ev.baseline ? "baseline" : "");
  const sort = (route.query.get("sort") ?? "worst") as SortKey;
  // The other model, per slice: the baseline (same rows) or another evaluation's candidate.
  let other: ModelMetrics | undefined;
  let otherName = "";
  let comparison: EvaluationComparison | undefined;
  if (against === "baseline" && ev.baseline) {
    other = ev.baseline;
    otherName = `baseline model ${ev.baseline_id}`;
    comparison = await api<EvaluationComparison>("evaluations/compare", { a: ev.evaluation_id });
  } else if (against && against !== "baseline") {
    const o = await api<Evaluation>(`evaluations/${encodeURIComponent(against)}`);
    other = o.candidate;
    otherName = `evaluation ${o.evaluation_id} (model ${o.model_id})`;
    comparison = await api<EvaluationComparison>("evaluations/compare", { a: against, b: ev.evaluation_id });
  }
  const changeOf = (slice: string) => comparison?.rows.find((r) => r.slice === slice && r.metric === metric)?.change ?? "";

  // Worst first: by the chosen metric in its bad direction; skipped slices last.
  const slices = [...c.slices];
  const bad = (s: SliceMetrics) => {
    const v = metricValue(s, metric);
    if (!Number.isFinite(v)) return Infinity;
    return lowerIsBetter.has(metric) ? -v : v;
  };
  if (sort === "worst") slices.sort((a, b) => bad(a) - bad(b));
  else if (sort === "slice") slices.sort((a, b) => a.slice.localeCompare(b.slice));
  else if (sort === "rows") slices.sort((a, b) => b.rows - a.rows);
  else if (sort.startsWith("metric:")) {
    const m = sort.slice(7);
    slices.sort((a, b) => (metricValue(b, m) || -Infinity) - (metricValue(a, m) || -Infinity));
  }
  const sortLink = (key: SortKey, label: string) => h("a", { href: link(["evaluations", id], { metric, against, sort: key }), class: "sort" }, label);
  const sortedBy = (key: SortKey) => (sort === key ? "descending" : undefined);

  const metricChooser = h(
    "nav",
    { class: "filters", "aria-label": "Metric" },
    h("span", null, "Metric:"),
    metrics.map((m) => h("a", { class: `chip${m === metric ? " active" : ""}`, href: link(["evaluations", id], { metric: m, against, sort }), "aria-current": m === metric ? "true" : undefined }, m)),
  );
  const againstForm = h(
    "form",
    { class: "filters", "aria-label": "Compare with" },
    h("label", { for: "against" }, "Compare with"),
    h("input", { id: "against", name: "against", size: 12, value: against === "baseline" ? "" : against, placeholder: "evaluation id" }),
    h("button", { type: "submit" }, "Compare"),
    ev.baseline ? h("a", { href: link(["evaluations", id], { metric, against: "baseline", sort }) }, "against its baseline") : null,
    against ? h("a", { href: link(["evaluations", id], { metric, against: "none", sort }) }, "no comparison") : null,
  );
  againstForm.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(link(["evaluations", id], { metric, sort, against: (againstForm.elements.namedItem("against") as HTMLInputElement).value }));
  });

  const chart = new Chart(`${metric} per slice${other ? `, against ${otherName}` : ""}, with 95% intervals`, Math.max(220, 26 * slices.length + 60));
  const rows = slices.map((s) => {
    const o = other?.slices.find((x) => x.slice === s.slice);
    const change = changeOf(s.slice);
    return h(
      "tr",
      { class: s.skipped ? "skipped" : undefined },
      h("th", { scope: "row" }, s.slice),
      h("td", { class: "num" }, s.skipped ? `${s.rows} (too few)` : String(s.rows)),
      metrics.map((m) => h("td", { class: `num${m === metric ? " chosen" : ""}` }, cell(s, m))),
      other ? [h("td", { class: "num" }, cell(o, metric)), h("td", { class: `change change-${change}` }, change)] : null,
    );
  });
  const slicesTable = h(
    "table",
    { class: "data slices" },
    h("caption", null, `${c.slices.length} slices of the ${ev.split} split, ${sort === "worst" ? `worst ${metric} first` : `sorted by ${sort.replace("metric:", "")}`}`),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col", "aria-sort": sortedBy("slice") }, sortLink("slice", "Slice")),
        h("th", { scope: "col", "aria-sort": sortedBy("rows") }, sortLink("rows", "Rows")),
        metrics.map((m) => {
          const key: SortKey = m === metric ? "worst" : `metric:${m}`;
          return h("th", { scope: "col", "aria-sort": sortedBy(key) }, sortLink(key, m));
        }),
        other ? [h("th", { scope: "col" }, `${metric}: ${otherName}`), h("th", { scope: "col" }, "Change")] : null,
      ),
    ),
    h("tbody", null, rows),
  );

  root.append(
    h("h1", null, `Evaluation ${ev.evaluation_id} of model ${ev.model_id}`),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "model"),
      h("dd", null, artifactLink(ev.model_id, `model ${ev.model_id}`), " · ", h("a", { href: link(["lineage", "artifacts", ev.model_id], { direction: "up" }) }, "lineage")),
      h("dt", null, "task"),
      h("dd", null, c.task),
      h("dt", null, "split"),
      h("dd", null, ev.split),
      ev.baseline_id ? [h("dt", null, "baseline"), h("dd", null, artifactLink(ev.baseline_id, `model ${ev.baseline_id}`))] : null,
      c.rows_without_label ? [h("dt", null, "left out"), h("dd", null, `${c.rows_without_label} rows without a label`)] : null,
    ),
    blessingView(ev),
    metricChooser,
    againstForm,
    chart.element,
    slicesTable,
  );
  const names = slices.map((s) => s.slice);
  const series: Record<string, unknown>[] = [];
  if (other) {
    const os = names.map((n) => other!.slices.find((x) => x.slice === n));
    series.push({ name: otherName, type: "bar", color: colourA, data: os.map((s) => metricValue(s, metric)) });
    series.push(errorBars(`${otherName} interval`, os.map((s) => interval(s, metric)), "#0a3069", { horizontal: true, offset: 0.2 }));
  }
  series.push({ name: `model ${ev.model_id}`, type: "bar", color: colourB, data: slices.map((s) => metricValue(s, metric)) });
  series.push(errorBars("interval", slices.map((s) => interval(s, metric)), "#6e2a00", { horizontal: true, offset: other ? -0.2 : 0 }));
  chart.draw({
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: series.filter((s) => s.type === "bar").map((s) => s.name as string) },
    grid: { left: 200, right: 24, top: 28, bottom: 24 },
    yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 190, overflow: "truncate" } },
    xAxis: { type: "value", scale: true, name: metric },
    series,
  });
}

function blessingView(ev: Evaluation): HTMLElement {
  if (!ev.blessing) return h("p", { class: "hint" }, "No blessing recorded for this evaluation.");
  const b = ev.blessing;
  return h(
    "section",
    { class: `blessing ${b.blessed ? "blessed" : "not-blessed"}`, "aria-label": "Blessing" },
    h("h2", null, b.blessed ? "Blessed" : "Not blessed", b.had_baseline === false ? " (first model: no baseline)" : ""),
    h(
      "ul",
      { class: "checks" },
      b.checks.map((c) => h("li", { class: c.passed ? "pass" : "fail" }, h("strong", null, c.passed ? "pass " : "FAIL "), c.check)),
    ),
  );
}
