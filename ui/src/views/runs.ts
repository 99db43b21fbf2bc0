// Runs: the list (newest first, by pipeline), and one run as a DAG of its nodes.
import { api, type Context, type Page, type Run, type RunNode } from "../api";
import { h, clear } from "../dom";
import { formatDuration, formatTime, propText } from "../format";
import { GraphView, type GraphEdge, type GraphNode } from "../graph";
import { link, navigate, type Route } from "../router";
import { artifactLink, executionLink, pager, stateBadge, table, valueView } from "./common";
import { reproductionsSection } from "./writes";

export async function renderRuns(root: HTMLElement, route: Route): Promise<void> {
  const pipeline = route.query.get("pipeline") ?? "";
  const token = route.query.get("page_token") ?? "";
  const page = await api<Page<Context>>("runs", { pipeline, page_token: token, page_size: 50 });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", { for: "pipeline" }, "Pipeline"),
    h("input", { id: "pipeline", name: "pipeline", value: pipeline, placeholder: "all pipelines" }),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(link(["runs"], { pipeline: (form.elements.namedItem("pipeline") as HTMLInputElement).value }));
  });
  const rows = page.items.map((c) => {
    const start = Number(c.properties.start_time_ms ?? 0), end = Number(c.properties.end_time_ms ?? 0);
    const reproOf = propText(c.properties, "repro_of");
    return [
      h("a", { href: link(["runs", c.name]) }, c.name),
      h("a", { href: link(["runs"], { pipeline: propText(c.properties, "pipeline") }) }, propText(c.properties, "pipeline")),
      stateBadge(propText(c.properties, "state")),
      formatTime(start),
      end > 0 ? formatDuration(end - start) : "",
      reproOf ? h("span", null, "repro of ", h("a", { href: link(["runs", reproOf]) }, reproOf)) : "run",
    ];
  });
  root.append(
    h("h1", null, "Runs"),
    form,
    table(`${page.items.length} runs${pipeline ? ` of ${pipeline}` : ""}, newest first`, ["Run", "Pipeline", "State", "Started", "Duration", "Kind"], rows, "runs"),
    pager(page, (t) => link(["runs"], { pipeline, page_token: t }), token !== ""),
  );
}

// A node's state as the DAG colours it: a cache hit is CACHED.
function nodeState(n: RunNode): string {
  return n.cached_from > 0 ? "CACHED" : n.state;
}

export async function renderRun(root: HTMLElement, route: Route): Promise<void> {
  const runId = route.parts[1];
  const run = await api<Run>(`runs/${encodeURIComponent(runId)}`);
  const p = run.properties;
  const start = Number(p.start_time_ms ?? 0), end = Number(p.end_time_ms ?? 0);
  const cached = run.nodes.filter((n) => n.cached_from > 0).length;
  const detail = h("section", { class: "panel", "aria-live": "polite", "aria-label": "Selected node" });
  const graph = new GraphView(`The nodes of run ${runId} as a graph; arrow keys move between nodes`, (id) => {
    const node = run.nodes.find((n) => `n:${n.node}` === id);
    if (node) showNode(detail, node);
  });
  const producers = new Map<number, string>();
  // The first node to output an artifact made it; later ones (a resolver, a cache hit) only pass it on.
  for (const n of run.nodes) for (const o of n.outputs) if (!producers.has(o.artifact_id)) producers.set(o.artifact_id, n.node);
  const nodes: GraphNode[] = run.nodes.map((n) => ({
    id: `n:${n.node}`,
    label: n.node,
    sublabel: n.cached_from > 0 ? `cached from ${n.cached_from}` : formatDuration(n.duration_ms) || n.state.toLowerCase(),
    kind: "execution",
    state: nodeState(n),
    badge: n.attempts > 1 ? `${n.attempts} attempts` : undefined,
  }));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const n of run.nodes)
    for (const i of n.inputs) {
      const from = producers.get(i.artifact_id);
      const key = `${from}->${n.node}`;
      if (from && !seen.has(key)) {
        seen.add(key);
        edges.push({ from: `n:${from}`, to: `n:${n.node}` });
      }
    }
  const reproOf = propText(p, "repro_of");
  root.append(
    h("h1", null, `Run ${run.name}`),
    h(
      "dl",
      { class: "props summary" },
      h("dt", null, "pipeline"),
      h("dd", null, h("a", { href: link(["runs"], { pipeline: propText(p, "pipeline") }) }, propText(p, "pipeline"))),
      h("dt", null, "state"),
      h("dd", null, stateBadge(propText(p, "state"))),
      h("dt", null, "started"),
      h("dd", null, formatTime(start)),
      h("dt", null, "duration"),
      h("dd", null, end > 0 ? formatDuration(end - start) : ""),
      h("dt", null, "nodes"),
      h("dd", { "data-testid": "node-count" }, `${run.nodes.length} (${cached} reused from the cache)`),
      reproOf ? [h("dt", null, "reproduces"), h("dd", null, h("a", { href: link(["runs", reproOf]) }, reproOf))] : null,
      propText(p, "error") ? [h("dt", null, "error"), h("dd", { class: "error" }, propText(p, "error"))] : null,
      h("dt", null, "parameters"),
      h("dd", null, valueView(p.parameters ?? {})),
      h("dt", null, "spec"),
      h("dd", null, propText(p, "spec_path")),
      h("dt", null, "reproduce"),
      h("dd", null, h("code", { class: "command" }, `lathe runs repro ${run.name}`)),
    ),
    await reproductionsSection(run.name),
    h("div", { class: "split" }, graph.element, detail),
    table(
      "Nodes",
      ["Node", "State", "Duration", "Attempts", "Inputs", "Outputs"],
      run.nodes.map((n) => [
        h("button", { class: "linklike", type: "button", onclick: () => graph.select(`n:${n.node}`) }, n.node),
        stateBadge(nodeState(n)),
        formatDuration(n.duration_ms),
        String(n.attempts || ""),
        n.inputs.map((i) => [artifactLink(i.artifact_id, `${i.name}=${i.artifact_id}`), " "]),
        n.outputs.map((o) => [artifactLink(o.artifact_id, `${o.name}=${o.artifact_id}`), " "]),
      ]),
      "nodes",
    ),
  );
  detail.append(h("p", { class: "hint" }, "Select a node in the graph or the table."));
  await graph.setGraph(nodes, edges);
}

function showNode(panel: HTMLElement, n: RunNode): void {
  clear(panel);
  panel.append(
    h("h2", null, n.node),
    h(
      "dl",
      { class: "props" },
      h("dt", null, "execution"),
      h("dd", null, executionLink(n.execution_id)),
      h("dt", null, "state"),
      h("dd", null, stateBadge(nodeState(n))),
      n.cached_from > 0 ? [h("dt", null, "cache hit of"), h("dd", null, executionLink(n.cached_from))] : null,
      h("dt", null, "duration"),
      h("dd", null, formatDuration(n.duration_ms)),
      h("dt", null, "attempts"),
      h("dd", null, String(n.attempts)),
      h("dt", null, "cache key"),
      h("dd", null, h("code", null, n.cache_key)),
      n.log ? [h("dt", null, "log"), h("dd", null, h("code", null, n.log))] : null,
      n.error ? [h("dt", null, "error"), h("dd", { class: "error" }, n.error)] : null,
      h("dt", null, "parameters"),
      h("dd", null, valueView(n.parameters)),
      h("dt", null, "inputs"),
      h("dd", null, n.inputs.map((i) => [artifactLink(i.artifact_id, `${i.name} (${i.artifact_id})`), " "])),
      h("dt", null, "outputs"),
      h("dd", null, n.outputs.map((o) => [artifactLink(o.artifact_id, `${o.name} (${o.artifact_id})`), " "])),
    ),
    h("p", null, h("a", { href: link(["lineage", "executions", n.execution_id]) }, "Lineage of this execution")),
  );
}
