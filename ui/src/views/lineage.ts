// The lineage explorer: from an artifact or execution, up (what it came from), down (what was made
// from it) or both, expanded hop by hop; cached executions collapse into their producer (a count)
// unless shown.
import { api, type Lineage, type LineageNode } from "../api";
import { clear, h } from "../dom";
import { formatTime } from "../format";
import { GraphView, type GraphNode } from "../graph";
import { link, type Route } from "../router";
import { artifactLink, executionLink, stateBadge } from "./common";

export async function renderLineage(root: HTMLElement, route: Route): Promise<void> {
  const kind = route.parts[1] === "executions" ? "executions" : "artifacts";
  const id = route.parts[2];
  const direction = route.query.get("direction") ?? "up";
  const hops = Number(route.query.get("hops") ?? "4");
  const cacheHits = route.query.get("include_cache_hits") === "true";
  const lineage = await api<Lineage>(`lineage/${kind}/${encodeURIComponent(id)}`, {
    direction,
    hops,
    include_cache_hits: cacheHits,
    max_nodes: 20000,
  });
  const here = (over: Record<string, string | number>) =>
    link(["lineage", kind, id], { direction, hops, include_cache_hits: cacheHits ? "true" : undefined, ...over });
  const startId = `${kind === "artifacts" ? "artifact" : "execution"}:${id}`;
  const byId = new Map<string, LineageNode>();
  for (const n of lineage.nodes) byId.set(`${n.kind}:${n.id}`, n);
  const detail = h("section", { class: "panel", "aria-live": "polite", "aria-label": "Selected node" });
  const graph = new GraphView(
    `Lineage of ${kind === "artifacts" ? "artifact" : "execution"} ${id}: ${lineage.nodes.length} nodes; arrow keys move between nodes, Enter shows one`,
    (nid) => showDetail(detail, byId.get(nid)),
  );
  const maxHops = lineage.nodes.reduce((m, n) => Math.max(m, n.hops), 0);
  const controls = h(
    "div",
    { class: "filters", role: "group", "aria-label": "Lineage options" },
    h("span", null, "Direction: "),
    ["up", "down", "both"].map((d) =>
      h("a", { href: here({ direction: d }), class: d === direction ? "chip active" : "chip", "aria-current": d === direction ? "true" : undefined }, d),
    ),
    h("span", null, ` · ${hops} hops `),
    h("a", { href: here({ hops: Math.max(1, hops - 1) }), class: "chip", "aria-label": "one hop fewer" }, "−"),
    h("a", { href: here({ hops: hops + 1 }), class: "chip", "aria-label": "one hop more", "data-testid": "expand" }, "+ hop"),
    h("a", { href: here({ hops: 1000 }), class: "chip" }, "whole history"),
    h("span", null, " · "),
    h(
      "a",
      { href: here({ include_cache_hits: cacheHits ? "" : "true" }), class: "chip" },
      cacheHits ? "collapse cache hits" : "show cache hits",
    ),
  );
  const nodes: GraphNode[] = lineage.nodes.map((n) => ({
    id: `${n.kind}:${n.id}`,
    label: `${n.type} ${n.id}`,
    sublabel: n.kind === "artifact" ? (n.name || n.uri || "").split("/").slice(-2).join("/") : String(n.properties.node ?? n.name ?? ""),
    kind: n.kind,
    state: n.state,
    badge: n.cache_hits ? `+${n.cache_hits} cache hits` : undefined,
  }));
  root.append(
    h("h1", null, `Lineage of ${kind === "artifacts" ? "artifact" : "execution"} ${id}`),
    controls,
    h(
      "p",
      { class: "hint", "data-testid": "lineage-summary" },
      `${lineage.nodes.filter((n) => n.kind === "artifact").length} artifacts, ${lineage.nodes.filter((n) => n.kind === "execution").length} executions, ${lineage.edges.length} edges, ${maxHops} hops deep${lineage.truncated ? " (truncated)" : ""}. Drag to pan, wheel or +/− to zoom.`,
    ),
    h("div", { class: "split" }, graph.element, detail),
  );
  showDetail(detail, byId.get(startId));
  await graph.setGraph(nodes, lineage.edges, startId);
}

function showDetail(panel: HTMLElement, n: LineageNode | undefined): void {
  clear(panel);
  if (!n) return;
  const kind = n.kind === "artifact" ? "artifacts" : "executions";
  panel.append(
    h("h2", null, `${n.type} ${n.id}`),
    h(
      "dl",
      { class: "props" },
      h("dt", null, "kind"),
      h("dd", null, n.kind),
      h("dt", null, "state"),
      h("dd", null, stateBadge(n.state)),
      n.name ? [h("dt", null, "name"), h("dd", null, n.name)] : null,
      n.uri ? [h("dt", null, "uri"), h("dd", { class: "uri" }, n.uri)] : null,
      h("dt", null, "hops"),
      h("dd", null, String(n.hops)),
      n.cache_hits ? [h("dt", null, "cache hits"), h("dd", null, String(n.cache_hits))] : null,
      h("dt", null, "created"),
      h("dd", null, formatTime(n.create_time_ms)),
    ),
    h(
      "p",
      null,
      n.kind === "artifact" ? artifactLink(n.id, "Details") : executionLink(n.id, "Details"),
      " · ",
      h("a", { href: link(["lineage", kind, n.id], { direction: "up" }) }, "its lineage"),
    ),
  );
}
