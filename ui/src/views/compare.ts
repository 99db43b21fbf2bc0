// Run comparison: many runs' parameters and metrics in one table (cells that differ from the
// reference run highlighted), a parallel-coordinates chart over the parameters that vary and the
// metrics, a scatter of any two of them, and the selected runs side by side.
import { api, type ComparedRun, type RunComparison, type Value } from "../api";
import { Chart, colourA, colourB } from "../charts";
import { h, type Child } from "../dom";
import { formatDuration, formatNumber, formatTime } from "../format";
import { link, navigate, type Route } from "../router";
import { stateBadge } from "./common";

function paramText(v: Value | undefined): string {
  if (v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

// A column of the comparison: a parameter or a metric.
interface Column {
  key: string; // "p:rounds" or "m:auc"
  label: string;
  text: (r: ComparedRun) => string;
  value: (r: ComparedRun) => number | string | undefined;
}

export async function renderCompare(root: HTMLElement, route: Route): Promise<void> {
  const t0 = performance.now();
  const pipeline = route.query.get("pipeline") ?? "";
  const limit = Number(route.query.get("limit") ?? 500);
  const data = await api<RunComparison>("run-comparison", { pipeline, limit });
  const runs = data.runs;
  const selected = (route.query.get("runs") ?? "").split(",").filter((r) => runs.some((x) => x.run === r));
  const reference = runs.find((r) => r.run === selected[0]) ?? runs[0];

  // Only the parameters that differ between the runs are columns; the others are listed once.
  const varying = data.parameters.filter((p) => new Set(runs.map((r) => paramText(r.parameters[p]))).size > 1);
  const fixed = data.parameters.filter((p) => !varying.includes(p));
  const columns: Column[] = [
    ...varying.map((p) => ({
      key: `p:${p}`,
      label: p,
      text: (r: ComparedRun) => paramText(r.parameters[p]),
      value: (r: ComparedRun) => {
        const v = r.parameters[p];
        return typeof v === "number" ? v : v === undefined ? undefined : paramText(v);
      },
    })),
    ...data.metrics.map((m) => ({
      key: `m:${m}`,
      label: m,
      text: (r: ComparedRun) => formatNumber(r.metrics[m]),
      value: (r: ComparedRun) => r.metrics[m],
    })),
  ];
  const numericColumns = columns.filter((c) => runs.some((r) => typeof c.value(r) === "number"));
  const xKey = route.query.get("x") ?? numericColumns.find((c) => c.key.startsWith("p:"))?.key ?? numericColumns[0]?.key ?? "";
  const yKey = route.query.get("y") ?? numericColumns.find((c) => c.key.startsWith("m:"))?.key ?? numericColumns[1]?.key ?? "";
  const here = (q: Record<string, string | number | undefined>) =>
    link(["compare"], { pipeline, limit, x: xKey, y: yKey, runs: selected.join(",") || undefined, ...q });

  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", { for: "pipeline" }, "Pipeline"),
    h("input", { id: "pipeline", name: "pipeline", value: pipeline, placeholder: "all pipelines" }),
    h("label", { for: "limit" }, "Newest runs"),
    h("input", { id: "limit", name: "limit", type: "number", min: 1, max: 100000, value: limit, size: 6 }),
    h("button", { type: "submit" }, "Compare"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value;
    navigate(link(["compare"], { pipeline: v("pipeline"), limit: v("limit") }));
  });
  const axisChooser = h(
    "form",
    { class: "filters", "aria-label": "Scatter axes" },
    h("label", { for: "x" }, "x"),
    h("select", { id: "x", name: "x" }, numericColumns.map((c) => h("option", { value: c.key, selected: c.key === xKey }, c.label))),
    h("label", { for: "y" }, "y"),
    h("select", { id: "y", name: "y" }, numericColumns.map((c) => h("option", { value: c.key, selected: c.key === yKey }, c.label))),
  );
  axisChooser.addEventListener("change", () => {
    const v = (n: string) => (axisChooser.elements.namedItem(n) as HTMLSelectElement).value;
    navigate(here({ x: v("x"), y: v("y") }));
  });

  // The table: one row per run; a cell that differs from the reference run is highlighted.
  const toggle = (run: string) => {
    const next = selected.includes(run) ? selected.filter((r) => r !== run) : [...selected, run];
    navigate(here({ runs: next.join(",") || undefined }));
  };
  const rows: HTMLTableRowElement[] = runs.map((r) => {
    const cells: Child[] = columns.map((c) => {
      const text = c.text(r);
      const differs = r !== reference && text !== c.text(reference);
      return h("td", { class: differs ? "num diff" : "num" }, text);
    });
    return h(
      "tr",
      { class: selected.includes(r.run) ? "selected" : undefined, "data-run": r.run },
      h("td", null, h("input", { type: "checkbox", "aria-label": `select ${r.run}`, checked: selected.includes(r.run), onchange: () => toggle(r.run) })),
      h("th", { scope: "row" }, h("a", { href: link(["runs", r.run]) }, r.run), r === reference ? h("span", { class: "hint" }, " (reference)") : ""),
      h("td", null, stateBadge(r.state)),
      h("td", { class: "num" }, r.duration_ms !== null ? formatDuration(r.duration_ms) : ""),
      cells,
      h("td", null, r.blessed === null ? "" : r.blessed ? "yes" : "no"),
      h("td", null, r.evaluation_id ? h("a", { href: link(["evaluations", r.evaluation_id]) }, String(r.evaluation_id)) : ""),
    );
  });
  const table = h(
    "table",
    { class: "data compare" },
    h("caption", null, `${runs.length} runs${pipeline ? ` of ${pipeline}` : ""}, newest first; highlighted: different from the reference run ${reference?.run ?? ""}`),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Select")),
        h("th", { scope: "col" }, "Run"),
        h("th", { scope: "col" }, "State"),
        h("th", { scope: "col" }, "Duration"),
        columns.map((c) => h("th", { scope: "col", class: c.key.startsWith("m:") ? "metric" : "param" }, c.label)),
        h("th", { scope: "col" }, "Blessed"),
        h("th", { scope: "col" }, "Evaluation"),
      ),
    ),
    h("tbody", null, rows),
  );

  const parallel = new Chart(`Parallel coordinates of ${runs.length} runs over ${columns.length} parameters and metrics`, 320);
  const scatter = new Chart(`Scatter of the runs: ${labelOf(columns, yKey)} against ${labelOf(columns, xKey)}`, 320);
  root.append(
    h("h1", null, "Compare runs"),
    form,
    fixed.length ? h("p", { class: "hint" }, "The same in every run: ", fixed.map((p) => `${p} = ${paramText(reference?.parameters[p])}`).join(", ")) : "",
    selected.length > 1 ? sideBySide(runs.filter((r) => selected.includes(r.run)), columns) : "",
    h("div", { class: "charts" }, parallel.element, h("div", null, axisChooser, scatter.element)),
    h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": "The runs" }, table),
  );
  if (runs.length === 0) {
    root.append(h("p", { class: "hint" }, "No runs to compare."));
    return;
  }
  const selectFrom = (p: { dataIndex: number }) => {
    const r = runs[p.dataIndex];
    if (r) toggle(r.run);
  };
  parallel.draw(
    {
      tooltip: { show: false },
      parallelAxis: columns.map((c, i) => {
        const numeric = runs.every((r) => c.value(r) === undefined || typeof c.value(r) === "number");
        return numeric
          ? { dim: i, name: c.label, type: "value", scale: true }
          : { dim: i, name: c.label, type: "category", data: [...new Set(runs.map((r) => c.text(r)))] };
      }),
      parallel: { left: 40, right: 60, top: 40, bottom: 24 },
      series: [
        {
          type: "parallel",
          lineStyle: { width: 1, opacity: 0.45 },
          emphasis: { lineStyle: { width: 3, opacity: 1 } },
          data: runs.map((r) => ({
            value: columns.map((c) => {
              const v = c.value(r);
              return typeof v === "number" ? v : c.text(r);
            }),
            lineStyle: selected.includes(r.run) ? { color: colourB, width: 3, opacity: 1 } : { color: colourA },
          })),
        },
      ],
    },
    selectFrom,
  );
  const xc = columns.find((c) => c.key === xKey), yc = columns.find((c) => c.key === yKey);
  if (xc && yc)
    scatter.draw(
      {
        tooltip: { trigger: "item", formatter: (p: { dataIndex: number }) => `${runs[p.dataIndex].run}<br>${xc.label} ${xc.text(runs[p.dataIndex])}<br>${yc.label} ${yc.text(runs[p.dataIndex])}` },
        grid: { left: 56, right: 24, top: 16, bottom: 40 },
        xAxis: { type: "value", scale: true, name: xc.label, nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "value", scale: true, name: yc.label },
        series: [
          {
            type: "scatter",
            symbolSize: 8,
            data: runs.map((r) => ({
              value: [xc.value(r), yc.value(r)],
              itemStyle: { color: selected.includes(r.run) ? colourB : colourA },
            })),
          },
        ],
      },
      selectFrom,
    );
  // Time to interactive (bench/ui_bench.mjs reads it): the table and both charts are drawn.
  root.setAttribute("data-ready", String(Math.round(performance.now() - t0)));
}

function labelOf(columns: Column[], key: string): string {
  return columns.find((c) => c.key === key)?.label ?? key;
}

// The selected runs in columns; rows whose values differ are highlighted.
function sideBySide(runs: ComparedRun[], columns: Column[]): HTMLElement {
  const row = (label: string, values: string[]) =>
    h(
      "tr",
      { class: new Set(values).size > 1 ? "diff" : undefined },
      h("th", { scope: "row" }, label),
      values.map((v) => h("td", { class: "num" }, v)),
    );
  return h(
    "table",
    { class: "data side-by-side" },
    h("caption", null, `${runs.length} selected runs side by side; highlighted rows differ`),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, ""), runs.map((r) => h("th", { scope: "col" }, h("a", { href: link(["runs", r.run]) }, r.run))))),
    h(
      "tbody",
      null,
      row("started", runs.map((r) => formatTime(r.start_time_ms))),
      row("state", runs.map((r) => r.state)),
      columns.map((c) => row(c.label, runs.map((r) => c.text(r)))),
      row("blessed", runs.map((r) => (r.blessed === null ? "" : r.blessed ? "yes" : "no"))),
      row("model", runs.map((r) => (r.model_id ? String(r.model_id) : ""))),
    ),
  );
}
