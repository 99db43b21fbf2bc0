// Artifacts and executions: listings with the CLI's filter language, and one record with its
// properties, events and contexts.
import { api, type Artifact, type Context, type Execution, type MlmdEvent, type Page } from "../api";
import { h, type Child } from "../dom";
import { formatTime } from "../format";
import { link, navigate, type Route } from "../router";
import { artifactLink, executionLink, pager, properties, recordHeader, stateBadge, table } from "./common";

type Kind = "artifacts" | "executions";

const examples: Record<Kind, string> = {
  artifacts: "type = 'Model' AND state = 'LIVE'",
  executions: "type = 'Trainer' AND properties.duration_ms > 1000",
};

export async function renderNodes(root: HTMLElement, route: Route, kind: Kind): Promise<void> {
  const filter = route.query.get("filter") ?? "";
  const token = route.query.get("page_token") ?? "";
  const desc = route.query.get("desc") !== "false";
  const page = await api<Page<Artifact | Execution>>(kind, { filter, page_token: token, page_size: 50, desc });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", { for: "filter" }, "Filter"),
    h("input", { id: "filter", name: "filter", value: filter, size: 60, placeholder: examples[kind] }),
    h("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(link([kind], { filter: (form.elements.namedItem("filter") as HTMLInputElement).value }));
  });
  const rows = page.items.map((n) => {
    const a = n as Artifact;
    return [
      kind === "artifacts" ? artifactLink(n.id, String(n.id)) : executionLink(n.id, String(n.id)),
      n.type,
      n.name,
      stateBadge(n.state),
      kind === "artifacts" ? h("span", { class: "uri" }, a.uri) : String(n.properties.node ?? ""),
      formatTime(n.create_time_ms),
    ];
  });
  const title = kind === "artifacts" ? "Artifacts" : "Executions";
  root.append(
    h("h1", null, title),
    form,
    h("p", { class: "hint" }, "The filter language of ", h("code", null, `lathe ${kind} list --filter`), ", e.g. ", h("code", null, examples[kind]), "."),
    table(
      `${page.items.length} ${kind}${filter ? " matching the filter" : ""}, newest first`,
      ["Id", "Type", "Name", "State", kind === "artifacts" ? "URI" : "Node", "Created"],
      rows,
      kind,
    ),
    pager(page, (t) => link([kind], { filter, page_token: t }), token !== ""),
  );
}

// Links to the views that show an artifact's content.
function viewsOf(a: Artifact): Child {
  const to = (href: string, text: string) => [" · ", h("a", { href }, text)];
  if (a.type === "ExampleStatistics") return to(link(["statistics", a.id]), "Statistics of the data");
  if (a.type === "ModelEvaluation") return to(link(["evaluations", a.id]), "Sliced metrics");
  if (a.type === "Model") return to(link(["evaluations", a.id]), "Sliced metrics of its newest evaluation");
  if (a.type === "PushedModel" && a.custom_properties.model_name !== undefined)
    return to(link(["models", String(a.custom_properties.model_name), String(a.custom_properties.version)]), "In the model registry");
  return "";
}

interface Described {
  artifact?: Artifact;
  execution?: Execution;
  events: MlmdEvent[];
  contexts: Context[];
}

export async function renderNode(root: HTMLElement, route: Route, kind: Kind): Promise<void> {
  const id = route.parts[1];
  const d = await api<Described>(`${kind}/${encodeURIComponent(id)}`);
  const n = (d.artifact ?? d.execution)!;
  const noun = kind === "artifacts" ? "artifact" : "execution";
  root.append(
    h("h1", null, `${noun[0].toUpperCase()}${noun.slice(1)} ${n.id}: ${n.type}${n.name ? " " + n.name : ""}`),
    h(
      "p",
      { class: "actions" },
      h("a", { href: link(["lineage", kind, n.id], { direction: "up" }) }, "Lineage: where it came from"),
      " · ",
      h("a", { href: link(["lineage", kind, n.id], { direction: "down" }) }, "what was made from it"),
      d.artifact ? viewsOf(d.artifact) : "",
    ),
    recordHeader(n, noun),
    d.artifact
      ? h(
          "dl",
          { class: "props" },
          h("dt", null, "state"),
          h("dd", null, stateBadge(d.artifact.state)),
          h("dt", null, "uri"),
          h("dd", { class: "uri" }, d.artifact.uri),
          d.artifact.fingerprint ? [h("dt", null, "content"), h("dd", null, h("code", null, d.artifact.fingerprint))] : null,
        )
      : h("dl", { class: "props" }, h("dt", null, "state"), h("dd", null, stateBadge(n.state))),
    h("h2", null, "Properties"),
    properties(n),
    table(
      "Events",
      ["Type", kind === "artifacts" ? "Execution" : "Artifact", "Path", "Time"],
      d.events.map((e) => [
        e.type,
        kind === "artifacts" ? executionLink(e.execution_id) : artifactLink(e.artifact_id),
        e.path.join("."),
        formatTime(e.time_ms),
      ]),
      "events",
    ),
    table(
      "Contexts",
      ["Id", "Type", "Name"],
      d.contexts.map((c) => [
        String(c.id),
        c.type,
        c.type === "PipelineRun" ? h("a", { href: link(["runs", c.name]) }, c.name) : c.name,
      ]),
      "contexts",
    ),
  );
}
