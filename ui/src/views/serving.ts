// The serving monitor: a `lathe serve`'s /metrics (read through `lathe ui --server`), polled every
// two seconds: per model version the request rate, error rate, latency percentiles, and the drift
// of each input from the training data.
import { ApiError, api, type MetricSample, type ServedStatistics, type ServingMetrics } from "../api";
import { Chart } from "../charts";
import { clear, h } from "../dom";
import { formatNumber, formatPercent, formatTime } from "../format";
import { link, type Route } from "../router";
import { table } from "./common";
import { datasetsView } from "./statistics";
import { serverInfo } from "./writes";

const pollMs = 2000;
const keep = 150; // polls kept for the charts (5 minutes)

interface VersionFigures {
  key: string; // "model v3"
  model: string;
  version: string;
  requests: number;
  errors: number;
  buckets: Map<number, number>; // le (seconds) -> cumulative count
}

// Sums the samples of each version over the other labels.
function byVersion(samples: MetricSample[]): Map<string, VersionFigures> {
  const out = new Map<string, VersionFigures>();
  const get = (l: Record<string, string>) => {
    const key = `${l.model} v${l.version}`;
    let f = out.get(key);
    if (!f) out.set(key, (f = { key, model: l.model, version: l.version, requests: 0, errors: 0, buckets: new Map() }));
    return f;
  };
  for (const s of samples) {
    if (!s.labels.model || !s.labels.version || typeof s.value !== "number") continue;
    if (s.name === "lathe_serve_requests_total") get(s.labels).requests += s.value;
    else if (s.name === "lathe_serve_request_errors_total") get(s.labels).errors += s.value;
    else if (s.name === "lathe_serve_request_duration_seconds_bucket") {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      const f = get(s.labels);
      f.buckets.set(le, (f.buckets.get(le) ?? 0) + s.value);
    }
  }
  return out;
}

// The q-quantile of a cumulative histogram, interpolated within its bucket as Prometheus'
// histogram_quantile does; NaN when empty.
export function histogramQuantile(q: number, buckets: Map<number, number>): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevBound = 0, prevCount = 0;
  for (const b of bounds) {
    const c = buckets.get(b)!;
    if (c >= rank) {
      if (b === Infinity) return prevBound;
      return prevBound + ((b - prevBound) * (rank - prevCount)) / Math.max(1e-12, c - prevCount);
    }
    prevBound = b;
    prevCount = c;
  }
  return prevBound;
}

function minus(a: Map<number, number>, b: Map<number, number> | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of a) out.set(k, v - (b?.get(k) ?? 0));
  return out;
}

export async function renderServing(root: HTMLElement, _route: Route): Promise<void> {
  let first: ServingMetrics;
  try {
    first = await api<ServingMetrics>("serving/metrics");
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      root.append(h("h1", null, "Serving"), h("p", { class: "hint" }, e.message), h("p", null, h("a", { href: link(["models"]) }, "Deployments and their business metrics are under Models.")));
      return;
    }
    throw e;
  }
  const history: { time: number; figures: Map<string, VersionFigures> }[] = [{ time: first.time_ms, figures: byVersion(first.samples) }];
  const logged = (await serverInfo()).request_log !== "";
  const summary = h("div", { "aria-live": "off" });
  const rateChart = new Chart("Requests per second by model version over the last minutes", 240);
  const latencyChart = new Chart("p99 latency in milliseconds by model version over the last minutes", 240);
  const driftBox = h("div");
  const status = h("p", { class: "hint", role: "status" });
  root.append(
    h("h1", null, "Serving"),
    h("p", null, `Model server ${first.server}, read every ${pollMs / 1000} s.`),
    status,
    summary,
    h("div", { class: "charts" }, rateChart.element, latencyChart.element),
    h("h2", null, "Feature drift of served inputs from the training data"),
    driftBox,
  );
  let latest = first;
  const draw = () => {
    const now = history[history.length - 1];
    const prev = history.length > 1 ? history[history.length - 2] : undefined;
    const dt = prev ? (now.time - prev.time) / 1000 : 0;
    const rows = [...now.figures.values()].map((f) => {
      const p = prev?.figures.get(f.key);
      const rate = p && dt > 0 ? (f.requests - p.requests) / dt : NaN;
      const window = p ? minus(f.buckets, p.buckets) : f.buckets;
      const ms = (q: number, b: Map<number, number>) => formatNumber(histogramQuantile(q, b) * 1000);
      return [
        logged ? h("a", { href: link(["serving", "statistics"], { model: f.model, version: f.version }) }, f.key) : f.key,
        formatNumber(Number.isFinite(rate) ? Number(rate.toFixed(1)) : NaN),
        String(f.requests),
        `${f.errors} (${formatPercent(f.requests > 0 ? f.errors / f.requests : 0)})`,
        ms(0.5, f.buckets),
        ms(0.95, f.buckets),
        ms(0.99, f.buckets),
        ms(0.99, window),
      ];
    });
    clear(summary);
    summary.append(
      table(
        `Model versions at ${formatTime(now.time)}`,
        ["Version", "Requests/s", "Requests", "Errors", "p50 ms", "p95 ms", "p99 ms", "p99 ms (last 2 s)"],
        rows,
        "serving-versions",
      ),
    );
    const keys = [...new Set(history.flatMap((x) => [...x.figures.keys()]))];
    const times = history.map((x) => formatTime(x.time).slice(11));
    const series = (value: (i: number, key: string) => number) =>
      keys.map((k) => ({ name: k, type: "line", showSymbol: false, data: history.map((_, i) => value(i, k)) }));
    const rateAt = (i: number, k: string) => {
      if (i === 0) return NaN;
      const a = history[i].figures.get(k), b = history[i - 1].figures.get(k);
      const s = (history[i].time - history[i - 1].time) / 1000;
      return a && s > 0 ? (a.requests - (b?.requests ?? 0)) / s : NaN;
    };
    const p99At = (i: number, k: string) => {
      if (i === 0) return NaN;
      const a = history[i].figures.get(k);
      return a ? histogramQuantile(0.99, minus(a.buckets, history[i - 1].figures.get(k)?.buckets)) * 1000 : NaN;
    };
    const common = { tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 56, right: 16, top: 28, bottom: 28 }, xAxis: { type: "category", data: times } };
    rateChart.draw({ ...common, yAxis: { type: "value", name: "req/s" }, series: series(rateAt) });
    latencyChart.draw({ ...common, yAxis: { type: "value", name: "p99 ms" }, series: series(p99At) });
    // Drift: one row per version, input and measure, over its threshold marked.
    const thresholds = new Map<string, number>();
    for (const s of latest.samples)
      if (s.name === "lathe_serve_feature_drift_threshold" && typeof s.value === "number")
        thresholds.set(`${s.labels.model}|${s.labels.version}|${s.labels.feature}|${s.labels.measure}`, s.value);
    const drift = latest.samples.filter((s) => s.name === "lathe_serve_feature_drift");
    clear(driftBox);
    driftBox.append(
      drift.length
        ? table(
            `${drift.length} drift measures`,
            ["Version", "Input", "Measure", "Value", "Threshold", ""],
            drift.map((s) => {
              const t = thresholds.get(`${s.labels.model}|${s.labels.version}|${s.labels.feature}|${s.labels.measure}`);
              const over = typeof s.value === "number" && t !== undefined && s.value > t;
              return [`${s.labels.model} v${s.labels.version}`, s.labels.feature, s.labels.measure, formatNumber(typeof s.value === "number" ? s.value : NaN), formatNumber(t ?? NaN), over ? h("strong", { class: "error" }, "DRIFT") : "ok"];
            }),
            "serving-drift",
          )
        : h("p", { class: "hint" }, "No drift measured yet: a version needs training statistics in its bundle and a window of served rows."),
    );
    root.setAttribute("data-polls", String(history.length));
  };
  draw();
  const timer = window.setInterval(() => {
    if (!root.isConnected) {
      window.clearInterval(timer);
      return;
    }
    api<ServingMetrics>("serving/metrics").then(
      (m) => {
        latest = m;
        history.push({ time: m.time_ms, figures: byVersion(m.samples) });
        if (history.length > keep) history.shift();
        status.textContent = "";
        draw();
      },
      (e: Error) => {
        status.textContent = `The model server did not answer: ${e.message}`;
      },
    );
  }, pollMs);
}

// A version's training data against the rows it served (`lathe ui --request-log`): the features
// side by side with their drift, as the statistics view shows two datasets.
export async function renderServedStatistics(root: HTMLElement, route: Route): Promise<void> {
  const model = route.query.get("model") ?? "";
  const version = route.query.get("version") ?? "";
  const r = await api<ServedStatistics>("serving/statistics", { model, version });
  const measured = r.drift.filter((d) => d.status === "measured").length;
  const features = datasetsView(r.served, r.training, r, []);
  root.append(
    h("h1", null, `${r.model} version ${r.version}: training data against served requests`),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "rows"),
      h("dd", { "data-testid": "rows" }, `${r.served_rows} served (of ${r.log_lines} logged requests), ${r.baseline_rows} in training`),
      h("dt", null, "request log"),
      h("dd", { class: "uri" }, r.request_log),
      h("dt", null, "drift"),
      h(
        "dd",
        { "data-testid": "drift-summary" },
        `${r.exceeded} of ${measured} measures over their threshold` +
          (r.too_few_rows ? `; ${r.too_few_rows} too few rows to measure` : "") +
          (r.one_sided ? `; ${r.one_sided} with values on one side only` : ""),
      ),
      h("dt", null, "model"),
      h("dd", null, h("a", { href: link(["models", r.model, r.version]) }, `${r.model}/${r.version} in the registry`)),
    ),
    h("p", { class: "hint" }, "Baseline: the training data's statistics in the model bundle; current: the rows this version answered."),
    features.element,
  );
  features.select(route.query.get("feature"));
}
