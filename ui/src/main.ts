import "./style.css";
import { clear, h } from "./dom";
import { currentRoute, type Route } from "./router";
import { renderRun, renderRuns } from "./views/runs";
import { renderNode, renderNodes } from "./views/nodes";
import { renderLineage } from "./views/lineage";
import { renderStatistics } from "./views/statistics";
import { renderEvaluation } from "./views/evaluation";
import { renderCompare } from "./views/compare";
import { renderDeployment, renderModels, renderModelVersion } from "./views/models";
import { renderServedStatistics, renderServing } from "./views/serving";
import { serverInfo } from "./views/writes";

type View = (root: HTMLElement, route: Route) => Promise<void>;

const views: { name: string; title: string; match: (r: Route) => boolean; render: View }[] = [
  { name: "runs", title: "Runs", match: (r) => r.parts[0] === "runs" && r.parts.length === 1, render: renderRuns },
  { name: "runs", title: "Run", match: (r) => r.parts[0] === "runs" && r.parts.length === 2, render: renderRun },
  ...(["artifacts", "executions"] as const).flatMap((kind) => [
    {
      name: kind,
      title: kind === "artifacts" ? "Artifacts" : "Executions",
      match: (r: Route) => r.parts[0] === kind && r.parts.length === 1,
      render: (root: HTMLElement, r: Route) => renderNodes(root, r, kind),
    },
    {
      name: kind,
      title: kind === "artifacts" ? "Artifact" : "Execution",
      match: (r: Route) => r.parts[0] === kind && r.parts.length === 2,
      render: (root: HTMLElement, r: Route) => renderNode(root, r, kind),
    },
  ]),
  { name: "lineage", title: "Lineage", match: (r) => r.parts[0] === "lineage" && r.parts.length === 3, render: renderLineage },
  { name: "artifacts", title: "Statistics", match: (r) => r.parts[0] === "statistics" && r.parts.length === 2, render: renderStatistics },
  { name: "artifacts", title: "Evaluation", match: (r) => r.parts[0] === "evaluations" && r.parts.length === 2, render: renderEvaluation },
  { name: "compare", title: "Compare runs", match: (r) => r.parts[0] === "compare" && r.parts.length === 1, render: renderCompare },
  { name: "models", title: "Models", match: (r) => r.parts[0] === "models" && r.parts.length === 1, render: renderModels },
  { name: "models", title: "Model version", match: (r) => r.parts[0] === "models" && (r.parts.length === 2 || r.parts.length === 3), render: renderModelVersion },
  { name: "models", title: "Deployment", match: (r) => r.parts[0] === "deployments" && r.parts.length === 2, render: renderDeployment },
  { name: "serving", title: "Serving", match: (r) => r.parts[0] === "serving" && r.parts.length === 1, render: renderServing },
  { name: "serving", title: "Training against serving", match: (r) => r.parts[0] === "serving" && r.parts[1] === "statistics", render: renderServedStatistics },
];

const navItems: [string, string][] = [
  ["runs", "Runs"],
  ["compare", "Compare"],
  ["models", "Models"],
  ["serving", "Serving"],
  ["artifacts", "Artifacts"],
  ["executions", "Executions"],
];

function renderNav(active: string): void {
  const nav = document.getElementById("nav")!;
  clear(nav);
  nav.appendChild(
    h(
      "ul",
      null,
      navItems.map(([name, label]) =>
        h("li", null, h("a", { href: `#/${name}`, "aria-current": name === active ? "page" : undefined }, label)),
      ),
    ),
  );
}

let generation = 0;

async function render(): Promise<void> {
  const route = currentRoute();
  if (route.parts.length === 0) {
    location.replace("#/runs");
    return;
  }
  const view = views.find((v) => v.match(route));
  const main = document.getElementById("main")!;
  const mine = ++generation;
  renderNav(view?.name ?? "");
  clear(main);
  // data-route tells which route this view shows (tests wait for theirs to be drawn).
  const root = h("div", { class: "view", "aria-busy": "true", "data-route": location.hash });
  main.appendChild(root);
  if (!view) {
    root.appendChild(h("p", { class: "error", role: "alert" }, `No page at ${location.hash}.`));
    root.removeAttribute("aria-busy");
    return;
  }
  document.title = `${view.title} · Lathe`;
  try {
    await view.render(root, route);
  } catch (e) {
    if (mine !== generation) return;
    clear(root);
    root.appendChild(h("p", { class: "error", role: "alert" }, (e as Error).message));
  }
  if (mine === generation) root.removeAttribute("aria-busy");
}

window.addEventListener("hashchange", () => void render());
void render();
serverInfo().then(
  (info) => {
    document.getElementById("store")!.textContent = info.store + (info.writable ? "" : " (read-only)");
  },
  () => undefined,
);
