// The model registry: every pushed version with its lineage summary (run, data spans, evaluation,
// blessing), where it is deployed and with what share of traffic, and what each deployment
// measured of it for the business (outcome rates and uplift with intervals, experiment by
// experiment). Deployments: their split, guardrails, experiments and history.
import { api, type BusinessFigures, type Comparison, type Deployment, type ModelVersion, type ModelVersionDetail, type Page } from "../api";
import { Chart, colourA, colourB, errorBars } from "../charts";
import { h, type Child } from "../dom";
import { formatNumber, formatPercent, formatTime } from "../format";
import { link, type Route } from "../router";
import { artifactLink, table } from "./common";
import { deploymentActions, versionActions } from "./writes";

// A version's place in the deployments: "stable 90%", "canary 10%", "shadow 5%".
export function rolesOf(deployments: Deployment[], model: string, version: number): string[] {
  const out: string[] = [];
  for (const d of deployments) {
    if (d.model !== model) continue;
    if (d.stable === version) out.push(`stable in ${d.name} (${formatPercent(1 - d.canary_share)})`);
    if (d.canary === version) out.push(`canary in ${d.name} (${formatPercent(d.canary_share)})`);
    if (d.shadow === version) out.push(`shadow in ${d.name} (mirrors ${formatPercent(d.shadow_share)})`);
  }
  return out;
}

function spansText(v: ModelVersion): string {
  const spans = v.spans.filter((s) => s.span !== null).map((s) => s.span);
  return spans.length ? spans.join(", ") : "-";
}

function mainMetric(v: ModelVersion): string {
  for (const k of ["auc", "accuracy", "rmse"]) if (v.metrics && k in v.metrics) return `${k} ${v.metrics[k].toFixed(4)}`;
  return "";
}

export async function renderModels(root: HTMLElement, route: Route): Promise<void> {
  const name = route.query.get("name") ?? "";
  const [versions, deployments] = await Promise.all([
    api<Page<ModelVersion>>("models", { name }),
    api<Page<Deployment>>("deployments"),
  ]);
  const names = [...new Set(versions.items.map((v) => v.name))];
  root.append(h("h1", null, "Models"));
  if (versions.items.length === 0) root.append(h("p", { class: "hint" }, "No pushed models yet: a pipeline's Pusher puts blessed models here."));
  for (const n of names) {
    const list = versions.items.filter((v) => v.name === n).sort((a, b) => b.version - a.version);
    root.append(
      table(
        `${n}: ${list.length} versions, newest first`,
        ["Version", "Pushed", "Trained on spans", "Metric", "Deployed", "Run"],
        list.map((v) => [
          h("a", { href: link(["models", v.name, v.version]) }, `${v.name}/${v.version}`),
          v.pushed_at,
          spansText(v),
          v.evaluation_id ? h("a", { href: link(["evaluations", v.evaluation_id]) }, mainMetric(v)) : mainMetric(v),
          rolesOf(deployments.items, v.name, v.version).join("; "),
          h("a", { href: link(["runs", v.run]) }, v.run),
        ]),
        "versions",
      ),
    );
  }
  if (deployments.items.length)
    root.append(
      table(
        "Deployments",
        ["Deployment", "Model", "Stable", "Canary", "Shadow", "Last change"],
        deployments.items.map((d) => [
          h("a", { href: link(["deployments", d.name]) }, d.name),
          d.model,
          `v${d.stable} (${formatPercent(1 - d.canary_share)})`,
          d.canary ? `v${d.canary} (${formatPercent(d.canary_share)})` : "",
          d.shadow ? `v${d.shadow} (mirrors ${formatPercent(d.shadow_share)})` : "",
          `${d.last_action}: ${d.last_reason}`,
        ]),
        "deployments",
      ),
    );
}

export async function renderModelVersion(root: HTMLElement, route: Route): Promise<void> {
  const [name, version] = [route.parts[1], route.parts[2]];
  const [v, deployments] = await Promise.all([
    api<ModelVersionDetail>(`models/${encodeURIComponent(name)}${version ? "/" + encodeURIComponent(version) : ""}`),
    api<Page<Deployment>>("deployments"),
  ]);
  const manifest = (v.manifest ?? {}) as Record<string, unknown>;
  const roles = rolesOf(deployments.items, v.name, v.version);
  const business = Object.values(v.business_metrics).sort((a, b) => a.experiment - b.experiment);
  root.append(
    h("h1", null, `${v.name} version ${v.version}`),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "pushed"),
      h("dd", null, `${v.pushed_at} by run `, h("a", { href: link(["runs", v.run]) }, v.run)),
      h("dt", null, "path"),
      h("dd", { class: "uri" }, v.destination),
      h("dt", null, "task"),
      h("dd", null, manifest.task ? `${String(manifest.task)} (label '${String(manifest.label ?? "?")}')` : v.manifest_error ?? ""),
      h("dt", null, "model"),
      h("dd", null, artifactLink(v.model_id, `model ${v.model_id}`), v.warm_start_from ? [", warm start from ", artifactLink(v.warm_start_from, `model ${v.warm_start_from}`)] : ""),
      h("dt", null, "data"),
      h("dd", { "data-testid": "spans" }, v.spans.length ? v.spans.map((s) => [artifactLink(s.examples_id, s.span !== null ? `span ${s.span}` : `examples ${s.examples_id}`), " "]) : "-"),
      h("dt", null, "metrics"),
      h(
        "dd",
        null,
        v.metrics ? Object.entries(v.metrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(", ") : "",
        v.evaluation_id ? [" · ", h("a", { href: link(["evaluations", v.evaluation_id]) }, "sliced evaluation")] : "",
      ),
      h("dt", null, "blessing"),
      h(
        "dd",
        null,
        v.blessing_id ? artifactLink(v.blessing_id, `blessing ${v.blessing_id}`) : "-",
        v.baseline_model_id ? `, against baseline model ${v.baseline_model_id}` : v.blessing_id ? ", first model (no baseline)" : "",
      ),
      h("dt", null, "deployed"),
      h("dd", { "data-testid": "roles" }, roles.length ? roles.join("; ") : "not deployed"),
      h("dt", null, "lineage"),
      h("dd", null, h("a", { href: link(["lineage", "artifacts", v.pushed_model_id], { direction: "up", hops: 50 }) }, "the whole history of this version, back to its data")),
    ),
    (await versionActions(v.name, v.version, deployments.items.find((d) => d.model === v.name))) ?? "",
    h("h2", null, "Business metrics"),
  );
  if (business.length === 0) {
    root.append(h("p", { class: "hint" }, "No deployment has measured this version yet (lathe deploy, then feedback to lathe serve)."));
  } else {
    root.append(businessView(v, business));
  }
}

// An outcome's figure: a rate as a percentage, anything else (revenue) as a number.
function figure(c: Comparison, v: number): string {
  return c.binary === false ? formatNumber(Number(v.toPrecision(4))) : formatPercent(v);
}

function uplift(c: Comparison): string {
  return `${c.lift >= 0 ? "+" : ""}${formatPercent(c.lift)} [${formatPercent(c.lift_ci95[0])}, ${formatPercent(c.lift_ci95[1])}]`;
}

// The version's outcomes experiment by experiment: its figure and the other version's with 95%
// intervals, and the canary's uplift over stable (a chart of it over time, with intervals).
function businessView(v: ModelVersionDetail, business: BusinessFigures[]): HTMLElement {
  const rows: Child[][] = [];
  const points: { label: string; c: Comparison }[] = [];
  for (const b of business)
    for (const c of b.comparisons) {
      const mine = b.role === "canary" ? c.canary : c.stable;
      const other = b.role === "canary" ? c.stable : c.canary;
      const otherVersion = b.role === "canary" ? c.stable_version : c.canary_version;
      points.push({ label: `${formatTime(b.experiment)} ${c.outcome}: v${c.canary_version} vs v${c.stable_version}`, c });
      rows.push([
        formatTime(b.experiment),
        h("a", { href: link(["deployments", b.deployment]) }, b.deployment),
        `${b.role} (v${c.stable_version} stable, v${c.canary_version} canary)`,
        c.outcome,
        `${figure(c, mine.mean)} of ${mine.n} [${figure(c, mine.ci95[0])}, ${figure(c, mine.ci95[1])}]`,
        `v${otherVersion}: ${figure(c, other.mean)} of ${other.n}`,
        uplift(c),
        formatNumber(c.always_valid_p_value),
      ]);
    }
  const outcomeLines = business.flatMap((b) => (b.comparisons.length ? [] : b.outcomes.map((o) => `${formatTime(b.experiment)} ${b.deployment} (${b.role}): ${o}`)));
  const chart = new Chart(`Uplift of the canary over stable in each experiment of ${v.name} version ${v.version}, in percent, with 95% intervals`, 260);
  const box = h(
    "section",
    { "aria-label": "Business metrics" },
    points.length ? chart.element : "",
    table("Experiments (uplift: the canary's figure relative to stable's)", ["Started", "Deployment", "Role", "Outcome", `v${v.version}`, "Other version", "Uplift", "Always-valid p"], rows, "business"),
    outcomeLines.length ? h("ul", null, outcomeLines.map((l) => h("li", null, l))) : "",
  );
  if (points.length)
    queueMicrotask(() =>
      chart.draw({
        tooltip: { trigger: "axis" },
        grid: { left: 56, right: 24, top: 16, bottom: 48 },
        xAxis: { type: "category", data: points.map((p) => p.label), axisLabel: { width: 220, overflow: "truncate" } },
        yAxis: { type: "value", name: "uplift %" },
        series: [
          {
            name: "uplift",
            type: "bar",
            data: points.map((p) => ({ value: 100 * p.c.lift, itemStyle: { color: p.c.lift >= 0 ? colourA : colourB } })),
          },
          errorBars("95% interval", points.map((p) => [100 * p.c.lift_ci95[0], 100 * p.c.lift_ci95[1]]), "#24292f"),
        ],
      }),
    );
  return box;
}

export async function renderDeployment(root: HTMLElement, route: Route): Promise<void> {
  const name = route.parts[1];
  const d = await api<Deployment>(`deployments/${encodeURIComponent(name)}`);
  const stableShare = 1 - d.canary_share;
  root.append(
    h("h1", null, `Deployment ${d.name}`),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "model"),
      h("dd", null, h("a", { href: link(["models"], { name: d.model }) }, d.model)),
      h("dt", null, "stable"),
      h("dd", { "data-testid": "stable" }, h("a", { href: link(["models", d.model, d.stable]) }, `v${d.stable}`), ` (${formatPercent(stableShare)} of requests)`),
      d.canary ? [h("dt", null, "canary"), h("dd", { "data-testid": "canary" }, h("a", { href: link(["models", d.model, d.canary]) }, `v${d.canary}`), ` (${formatPercent(d.canary_share)} of requests)`)] : null,
      d.shadow ? [h("dt", null, "shadow"), h("dd", null, h("a", { href: link(["models", d.model, d.shadow]) }, `v${d.shadow}`), ` (mirrors ${formatPercent(d.shadow_share)})`)] : null,
      h("dt", null, "sticky key"),
      h("dd", null, d.sticky_header ? `header ${d.sticky_header}` : d.sticky_feature ? `feature ${d.sticky_feature}` : "none"),
      h("dt", null, "last change"),
      h("dd", null, `${d.last_action} at ${formatTime(d.changed_ms)}: ${d.last_reason}`),
      h("dt", null, "guardrails"),
      h("dd", null, h("pre", { class: "json" }, JSON.stringify(d.guardrails ?? {}, null, 2))),
    ),
    h("div", { class: "traffic", role: "img", "aria-label": `Traffic: ${formatPercent(stableShare)} to v${d.stable}${d.canary ? `, ${formatPercent(d.canary_share)} to v${d.canary}` : ""}` },
      h("span", { class: "traffic-stable", style: { width: `${stableShare * 100}%` } }, `v${d.stable} ${formatPercent(stableShare)}`),
      d.canary ? h("span", { class: "traffic-canary", style: { width: `${d.canary_share * 100}%` } }, `v${d.canary} ${formatPercent(d.canary_share)}`) : null,
    ),
    await deploymentActions(d),
    h("h2", null, "The current experiment"),
    d.comparisons.length
      ? table(
          "Canary against stable",
          ["Outcome", "Stable", "Canary", "Uplift", "Always-valid p", ""],
          d.comparisons.map((c) => [
            c.outcome,
            `v${c.stable_version}: ${figure(c, c.stable.mean)} of ${c.stable.n}`,
            `v${c.canary_version}: ${figure(c, c.canary.mean)} of ${c.canary.n}`,
            uplift(c),
            formatNumber(c.always_valid_p_value),
            c.line,
          ]),
          "comparisons",
        )
      : h("p", { class: "hint" }, "No outcomes to compare yet."),
    table(
      "History, newest first",
      ["Time", "Action", "Reason", "Execution"],
      (d.history ?? []).map((e) => [formatTime(e.time_ms), e.action, e.reason, h("a", { href: link(["executions", e.execution]) }, String(e.execution))]),
      "history",
    ),
  );
}
