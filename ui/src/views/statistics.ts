// Statistics of a dataset (an ExampleStatistics artifact): per feature counts, missing values,
// quantiles, histograms and top values, the anomalies ExampleValidator found; and two datasets
// side by side (spans, train vs eval) with the drift of each feature and anomalies marked.
import {
  api,
  type Anomaly,
  type Artifact,
  type CategoricalFeature,
  type DatasetStats,
  type DriftReport,
  type FeatureDrift,
  type FeatureStats,
  type NumericFeature,
  type Page,
  type StatisticsReport,
} from "../api";
import { Chart, colourA, colourB } from "../charts";
import { clear, h, type Child } from "../dom";
import { formatNumber, formatPercent } from "../format";
import { link, navigate, type Route } from "../router";
import { artifactLink, table } from "./common";

function isNumeric(f: FeatureStats): f is NumericFeature {
  return (f as NumericFeature).histogram !== undefined;
}

// A ten-bar sparkline of a histogram (the detail panel has the full chart).
function sparkline(f: NumericFeature): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "80");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  const top = Math.max(1, ...f.histogram.map((b) => b.count));
  const w = 80 / Math.max(1, f.histogram.length);
  f.histogram.forEach((b, i) => {
    const r = document.createElementNS(ns, "rect");
    const height = (b.count / top) * 20;
    r.setAttribute("x", String(i * w + 0.5));
    r.setAttribute("y", String(20 - height));
    r.setAttribute("width", String(Math.max(1, w - 1)));
    r.setAttribute("height", String(height));
    r.setAttribute("fill", colourA);
    svg.appendChild(r);
  });
  return svg;
}

function missingText(f: FeatureStats, rows: number): string {
  return formatPercent(rows > 0 ? f.missing / rows : 0);
}

function topText(f: CategoricalFeature): string {
  return f.top
    .slice(0, 3)
    .map((t) => `${t.value} (${t.count})`)
    .join(", ");
}

function driftCell(d: FeatureDrift[] | undefined): Child {
  if (!d || d.length === 0) return "";
  return d.map((x) => {
    if (x.status !== "measured")
      return h("div", { class: "drift-note" }, x.status === "too_few_rows" ? "too few rows" : x.status.replace(/_/g, " "));
    return h(
      "div",
      { class: x.exceeded ? "drift drift-over" : "drift" },
      `${x.measure} ${formatNumber(x.value ?? NaN)}`,
      h("span", { class: "hint" }, ` / ${formatNumber(x.threshold ?? NaN)}`),
      x.exceeded ? h("strong", null, " DRIFT") : "",
    );
  });
}

function pValueCell(d: FeatureDrift[] | undefined): string {
  const m = d?.find((x) => x.p_value !== null && x.p_value !== undefined);
  return m ? `${formatNumber(m.p_value!)} (${m.test})` : "";
}

function anomalyCell(list: Anomaly[]): Child {
  if (list.length === 0) return "";
  return list.map((a) => h("div", { class: "anomaly", title: a.description }, "⚠ ", a.kind, h("span", { class: "visually-hidden" }, `: ${a.description}`)));
}

export async function renderStatistics(root: HTMLElement, route: Route): Promise<void> {
  const id = Number(route.parts[1]);
  const report = await api<StatisticsReport>(`statistics/${encodeURIComponent(route.parts[1])}`);
  const splits = Object.keys(report.splits);
  const split = route.query.get("split") ?? (splits.includes("train") ? "train" : splits[0]);
  const baselineId = route.query.get("baseline") ?? "";
  const baselineSplit = route.query.get("baseline_split") ?? split;
  const current = report.splits[split];
  if (!current) throw new Error(`statistics ${id} have no split '${split}' (they have: ${splits.join(", ")})`);
  let baseline: DatasetStats | undefined;
  let drift: DriftReport | undefined;
  if (baselineId) {
    const [b, d] = await Promise.all([
      api<StatisticsReport>(`statistics/${encodeURIComponent(baselineId)}`),
      api<DriftReport>("statistics/compare", { baseline: baselineId, baseline_split: baselineSplit, current: id, current_split: split }),
    ]);
    baseline = b.splits[baselineSplit];
    drift = d;
  }
  const others = await api<Page<Artifact>>("artifacts", { filter: "type = 'ExampleStatistics'", page_size: 200, desc: true });
  const anomalies = report.anomalies?.splits[split] ?? [];
  const features = datasetsView(current, baseline, drift, anomalies);

  // The form: which split, and what to compare with.
  const form = h(
    "form",
    { class: "filters", "aria-label": "Dataset and comparison" },
    h("label", { for: "split" }, "Split"),
    h("select", { id: "split", name: "split" }, splits.map((s) => h("option", { value: s, selected: s === split }, s))),
    h("label", { for: "baseline" }, "Compare with"),
    h(
      "select",
      { id: "baseline", name: "baseline" },
      h("option", { value: "" }, "nothing"),
      others.items.map((a) =>
        h("option", { value: String(a.id), selected: String(a.id) === baselineId }, `statistics ${a.id}${a.custom_properties.span !== undefined ? ` (span ${a.custom_properties.span})` : ""}`),
      ),
    ),
    h("label", { for: "baseline_split" }, "split"),
    h("select", { id: "baseline_split", name: "baseline_split" }, splits.map((s) => h("option", { value: s, selected: s === baselineSplit }, s))),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = (n: string) => (form.elements.namedItem(n) as HTMLSelectElement).value;
    navigate(link(["statistics", id], { split: v("split"), baseline: v("baseline") || undefined, baseline_split: v("baseline") ? v("baseline_split") : undefined }));
  });
  // Shortcuts: train vs eval of this artifact; the span before this one.
  const shortcuts: Child[] = [];
  const otherSplit = splits.find((s) => s !== split);
  if (otherSplit) shortcuts.push(h("a", { class: "chip", href: link(["statistics", id], { split, baseline: id, baseline_split: otherSplit }) }, `${split} vs ${otherSplit}`));
  if (report.span !== null) {
    const prev = others.items.find((a) => Number(a.custom_properties.span) === Number(report.span) - 1);
    if (prev) shortcuts.push(h("a", { class: "chip", href: link(["statistics", id], { split, baseline: prev.id, baseline_split: split }) }, `span ${report.span} vs span ${Number(report.span) - 1}`));
  }

  const title = drift
    ? `Statistics ${id} (${split}) against statistics ${drift.baseline_id} (${drift.baseline_split})`
    : `Statistics ${id} (${split})`;
  root.append(
    h("h1", null, title),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "artifact"),
      h("dd", null, artifactLink(id), " · ", h("a", { href: link(["lineage", "artifacts", id], { direction: "up" }) }, "lineage")),
      report.span !== null ? [h("dt", null, "span"), h("dd", null, String(report.span))] : null,
      h("dt", null, "rows"),
      h("dd", { "data-testid": "rows" }, drift ? `${current.rows} (baseline ${drift.baseline_rows})` : String(current.rows)),
      h("dt", null, "anomalies"),
      h(
        "dd",
        { "data-testid": "anomalies" },
        report.anomalies
          ? [`${anomalies.length} in this split `, artifactLink(report.anomalies.artifact_id, `(ExampleAnomalies ${report.anomalies.artifact_id})`)]
          : "not validated",
      ),
      drift
        ? [
            h("dt", null, "drift"),
            h(
              "dd",
              { "data-testid": "drift-summary" },
              `${drift.exceeded} of ${drift.drift.filter((d) => d.status === "measured").length} measures over their threshold` +
                (drift.too_few_rows ? `; ${drift.too_few_rows} too few rows to measure` : "") +
                (drift.one_sided ? `; ${drift.one_sided} with values on one side only` : ""),
            ),
          ]
        : null,
    ),
    form,
    shortcuts.length ? h("p", { class: "actions" }, "Compare: ", shortcuts) : "",
    features.element,
  );
  features.select(route.query.get("feature"));
}

// The features of a dataset in two tables (numbers, categories) with the anomalies found in them,
// and, with a baseline, the baseline's figures and each feature's drift next to them; choosing a
// feature shows it in detail beside the tables. `select` chooses one (default: the first that
// drifted, else the first).
export function datasetsView(
  current: DatasetStats,
  baseline: DatasetStats | undefined,
  drift: { drift: FeatureDrift[] } | undefined,
  anomalies: Anomaly[],
): { element: HTMLElement; select: (feature: string | null) => void } {
  const driftBy = new Map<string, FeatureDrift[]>();
  for (const d of drift?.drift ?? []) driftBy.set(d.feature, [...(driftBy.get(d.feature) ?? []), d]);
  const anomaliesBy = (f: string) => anomalies.filter((a) => a.feature === f);
  const baselineOf = (name: string) => baseline?.features.find((f) => f.name === name);
  const detail = h("section", { class: "panel feature-detail", "aria-live": "polite", "aria-label": "Selected feature", tabindex: 0 });
  const select = (name: string) => showFeature(detail, name, current, baseline, driftBy.get(name), anomaliesBy(name), drift !== undefined);
  const featureButton = (f: FeatureStats) => h("button", { type: "button", class: "linklike", onclick: () => select(f.name) }, f.name);
  const numeric = current.features.filter(isNumeric);
  const categorical = current.features.filter((f) => !isNumeric(f)) as CategoricalFeature[];
  const compareHeaders = drift ? ["Baseline", "Drift", "P-value"] : [];
  const numericRows = numeric.map((f) => {
    const b = baselineOf(f.name) as NumericFeature | undefined;
    return [
      featureButton(f),
      f.type,
      String(f.count),
      missingText(f, current.rows),
      formatNumber(f.mean),
      formatNumber(f.stddev),
      formatNumber(f.min),
      formatNumber(f.median),
      formatNumber(f.max),
      String(f.zeros),
      sparkline(f),
      ...(drift ? [b ? `mean ${formatNumber(b.mean)}` : "", driftCell(driftBy.get(f.name)), pValueCell(driftBy.get(f.name))] : []),
      anomalyCell(anomaliesBy(f.name)),
    ];
  });
  const categoricalRows = categorical.map((f) => {
    const b = baselineOf(f.name) as CategoricalFeature | undefined;
    return [
      featureButton(f),
      f.type,
      String(f.count),
      missingText(f, current.rows),
      `${Math.round(f.unique)}${f.unique_exact ? "" : "~"}`,
      topText(f),
      ...(drift ? [b ? topText(b) : "", driftCell(driftBy.get(f.name)), pValueCell(driftBy.get(f.name))] : []),
      anomalyCell(anomaliesBy(f.name)),
    ];
  });
  const element = h(
    "div",
    { class: "split" },
    h(
      "div",
      { class: "wide", tabindex: 0, role: "region", "aria-label": "Features" },
      numeric.length
        ? table(
            `${numeric.length} numeric features`,
            ["Feature", "Type", "Count", "Missing", "Mean", "Std dev", "Min", "Median", "Max", "Zeros", "Histogram", ...compareHeaders, "Anomalies"],
            numericRows,
            "numeric-features",
          )
        : "",
      categorical.length
        ? table(
            `${categorical.length} categorical features`,
            ["Feature", "Type", "Count", "Missing", "Unique", "Top values", ...compareHeaders, "Anomalies"],
            categoricalRows,
            "categorical-features",
          )
        : "",
    ),
    detail,
  );
  return {
    element,
    select: (feature) => {
      const name = feature ?? drift?.drift.find((d) => d.exceeded)?.feature ?? current.features[0]?.name;
      if (name) select(name);
    },
  };
}

// One feature in detail: its distribution (and the baseline's) as a chart, quantiles, top values.
function showFeature(
  panel: HTMLElement,
  name: string,
  current: DatasetStats,
  baseline: DatasetStats | undefined,
  drift: FeatureDrift[] | undefined,
  anomalies: Anomaly[],
  compared: boolean,
): void {
  clear(panel);
  const f = current.features.find((x) => x.name === name);
  if (!f) return;
  const b = baseline?.features.find((x) => x.name === name);
  const chart = new Chart(`Distribution of ${name}${b ? " in both datasets" : ""}`, 240);
  panel.append(h("h2", null, name), chart.element);
  const percent = (count: number, total: number) => (total > 0 ? (100 * count) / total : 0);
  if (isNumeric(f)) {
    const series = [{ label: "current", f, colour: colourB }];
    if (b && isNumeric(b)) series.unshift({ label: "baseline", f: b, colour: colourA });
    chart.draw({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      xAxis: { type: "value", scale: true },
      yAxis: { type: "value", name: "% of values" },
      series: series.map((s) => ({
        name: s.label,
        type: "line",
        step: "start",
        symbol: "none",
        areaStyle: { opacity: 0.15 },
        color: s.colour,
        data: [
          ...s.f.histogram.map((x) => [x.low, percent(x.count, s.f.count)]),
          [s.f.max ?? 0, percent(s.f.histogram[s.f.histogram.length - 1]?.count ?? 0, s.f.count)],
        ],
      })),
    });
    const q = Object.entries(f.quantiles ?? {}).sort((x, y) => Number(x[0]) - Number(y[0]));
    const bq = b && isNumeric(b) ? b.quantiles ?? {} : undefined;
    panel.append(
      table(
        "Quantiles",
        ["Quantile", "Value", ...(bq ? ["Baseline"] : [])],
        q.map(([p, v]) => [`${Number(p) * 100}%`, formatNumber(v), ...(bq ? [formatNumber(bq[p])] : [])]),
        "quantiles",
      ),
    );
  } else {
    const c = f as CategoricalFeature;
    const bc = b as CategoricalFeature | undefined;
    const values = [...new Set([...c.top.map((t) => t.value), ...(bc?.top.map((t) => t.value) ?? [])])].slice(0, 15);
    const share = (x: CategoricalFeature | undefined, v: string) => percent(x?.top.find((t) => t.value === v)?.count ?? 0, x?.count ?? 0);
    chart.draw({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 100, right: 16, top: 28, bottom: 28 },
      yAxis: { type: "category", data: values, inverse: true },
      xAxis: { type: "value", name: "%" },
      series: [
        ...(bc ? [{ name: "baseline", type: "bar", color: colourA, data: values.map((v) => share(bc, v)) }] : []),
        { name: "current", type: "bar", color: colourB, data: values.map((v) => share(c, v)) },
      ],
    });
    panel.append(
      table(
        "Top values",
        ["Value", "Count", "Share", ...(bc ? ["Baseline share"] : [])],
        c.top.map((t) => [t.value, String(t.count), formatPercent(t.count / Math.max(1, c.count)), ...(bc ? [formatPercent(share(bc, t.value) / 100)] : [])]),
        "top-values",
      ),
    );
  }
  if (drift && compared)
    panel.append(
      table(
        "Drift",
        ["Measure", "Value", "Threshold", "Test", "P-value"],
        drift.map((d) => [d.measure ?? d.status.replace(/_/g, " "), formatNumber(d.value ?? NaN), formatNumber(d.threshold ?? NaN), d.test ?? "", formatNumber(d.p_value ?? NaN)]),
        "feature-drift",
      ),
    );
  if (anomalies.length) panel.append(h("h3", null, "Anomalies"), h("ul", null, anomalies.map((a) => h("li", null, h("strong", null, a.kind), ": ", a.description))));
}
