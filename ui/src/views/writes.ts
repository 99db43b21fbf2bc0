// Changes from the UI: deploy, promote and roll back, allowed when `lathe ui` was started with a
// token file. The token is asked for once and kept for the browser tab (sessionStorage).
import { ApiError, api, apiUrl, type Deployment, type Info } from "../api";
import { h } from "../dom";
import { table } from "./common";
import { link, navigate } from "../router";

let info: Promise<Info> | undefined;
export function serverInfo(): Promise<Info> {
  info ??= api<Info>("info");
  return info;
}

const tokenKey = "lathe-write-token";

async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
  const token = sessionStorage.getItem(tokenKey) ?? "";
  const res = await fetch(apiUrl(path), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, answer.error ?? `HTTP ${res.status}`);
  return answer;
}

function tokenField(): HTMLElement {
  const input = h("input", { id: "write-token", type: "password", autocomplete: "off", size: 24, value: sessionStorage.getItem(tokenKey) ?? "" });
  input.addEventListener("change", () => sessionStorage.setItem(tokenKey, input.value.trim()));
  return h("p", { class: "filters" }, h("label", { for: "write-token" }, "Write token"), input);
}

// A form that posts to the API and, when it succeeds, shows the page again.
function actionForm(label: string, path: string, fields: HTMLElement[], body: (f: HTMLFormElement) => Record<string, unknown>, status: HTMLElement): HTMLFormElement {
  const form = h("form", { class: "filters action", "aria-label": label }, fields, h("button", { type: "submit" }, label));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    status.textContent = `${label}…`;
    status.className = "status";
    post(path, body(form)).then(
      () => {
        status.textContent = `${label}: done`;
        navigate(location.hash);
      },
      (err: Error) => {
        status.textContent = `${label} failed: ${err.message}`;
        status.className = "status error";
      },
    );
  });
  return form;
}

function field(f: HTMLFormElement, name: string): string {
  return (f.elements.namedItem(name) as HTMLInputElement).value.trim();
}

function reasonInput(id: string): HTMLElement[] {
  return [h("label", { for: id }, "Reason"), h("input", { id, name: "reason", size: 28 })];
}

export async function deploymentActions(d: Deployment): Promise<HTMLElement> {
  const i = await serverInfo();
  if (!i.writable)
    return h("p", { class: "hint" }, "Read-only: start ", h("code", null, "lathe ui --token-file FILE"), " to deploy, promote and roll back from here.");
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const base = `deployments/${encodeURIComponent(d.name)}`;
  return h(
    "section",
    { class: "panel actions-panel", "aria-label": "Change the deployment" },
    h("h2", null, "Change the deployment"),
    tokenField(),
    d.canary ? actionForm(`Promote v${d.canary}`, `${base}/promote`, reasonInput("promote-reason"), (f) => ({ reason: field(f, "reason") }), status) : null,
    d.canary || d.shadow || d.previous_stable
      ? actionForm("Roll back", `${base}/rollback`, reasonInput("rollback-reason"), (f) => ({ reason: field(f, "reason") }), status)
      : null,
    actionForm(
      "Deploy",
      `${base}/deploy`,
      [
        h("label", { for: "deploy-version" }, "Version"),
        h("input", { id: "deploy-version", name: "version", type: "number", min: 1, required: true, size: 5 }),
        h("label", { for: "deploy-canary" }, "as canary, share"),
        h("input", { id: "deploy-canary", name: "canary", size: 6, placeholder: "e.g. 10%" }),
        ...reasonInput("deploy-reason"),
      ],
      (f) => ({
        version: Number(field(f, "version")),
        ...(field(f, "canary") ? { canary: field(f, "canary") } : {}),
        reason: field(f, "reason"),
      }),
      status,
    ),
    status,
  );
}

// On a model version's page: deploy it (as the stable version of a new deployment, or as a canary
// of its model's deployment).
export async function versionActions(model: string, version: number, deployment: Deployment | undefined): Promise<HTMLElement | null> {
  const i = await serverInfo();
  if (!i.writable) return null;
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const name = deployment?.name ?? model;
  return h(
    "section",
    { class: "panel actions-panel", "aria-label": "Deploy this version" },
    h("h2", null, "Deploy this version"),
    tokenField(),
    actionForm(
      deployment ? `Deploy v${version} to ${name}` : `Deploy v${version} as ${name}`,
      `deployments/${encodeURIComponent(name)}/deploy`,
      [
        h("label", { for: "version-canary" }, deployment ? "as canary, share" : "canary share (none: stable)"),
        h("input", { id: "version-canary", name: "canary", size: 6, placeholder: deployment ? "e.g. 10%" : "" }),
        ...reasonInput("version-reason"),
      ],
      (f) => ({ version, model, ...(field(f, "canary") ? { canary: field(f, "canary") } : {}), reason: field(f, "reason") }),
      status,
    ),
    status,
  );
}

interface ReproJob {
  job: number;
  run: string;
  state: "running" | "done" | "failed";
  started_ms: number;
  finished_ms: number;
  report?: { run: string; run_state: string; reproducible: boolean; outputs: { match: boolean }[]; changed_inputs: { path: string; what: string }[] };
  error?: string;
}
interface Reproductions {
  jobs: ReproJob[];
  runs: { name: string; properties: Record<string, unknown> }[];
}

// A run's reproductions: those in the store, and (with writes allowed) a button that starts one
// here and follows it until it ends (`lathe runs repro RUN` does the same from a shell).
export async function reproductionsSection(run: string): Promise<HTMLElement> {
  const i = await serverInfo();
  const box = h("section", { class: "reproductions", "aria-label": "Reproductions", "aria-live": "polite" });
  const status = h("p", { class: "status", role: "status" });
  const path = `runs/${encodeURIComponent(run)}/reproductions`;
  const show = async (): Promise<void> => {
    const r = await api<Reproductions>(path);
    box.replaceChildren(
      h("h2", null, "Reproductions"),
      i.writable
        ? h(
            "div",
            null,
            tokenField(),
            h(
              "button",
              {
                type: "button",
                "data-testid": "reproduce",
                disabled: r.jobs.some((j) => j.state === "running"),
                onclick: () => {
                  status.textContent = "Starting the reproduction…";
                  status.className = "status";
                  post(`runs/${encodeURIComponent(run)}/reproduce`, {}).then(
                    () => void show(),
                    (err: Error) => {
                      status.textContent = `Reproduce failed: ${err.message}`;
                      status.className = "status error";
                    },
                  );
                },
              },
              "Reproduce this run",
            ),
          )
        : h("p", { class: "hint" }, "From a shell: ", h("code", { class: "command" }, `lathe runs repro ${run}`), " (or start lathe ui with --token-file to reproduce from here)."),
      status,
      r.jobs.length
        ? table(
            "Started here",
            ["Job", "State", "Result", "Reproduction"],
            r.jobs.map((j) => [
              String(j.job),
              j.state,
              j.state === "failed"
                ? h("span", { class: "error" }, j.error ?? "")
                : j.report
                  ? j.report.changed_inputs.length
                    ? `NOT reproducible: ${j.report.changed_inputs.map((c) => `${c.path} (${c.what})`).join(", ")}`
                    : `${j.report.reproducible ? "reproducible" : "NOT reproducible"}: ${j.report.outputs.filter((o) => o.match).length} of ${j.report.outputs.length} outputs the same`
                  : "",
              j.report?.run ? h("a", { href: link(["runs", j.report.run]) }, j.report.run) : "",
            ]),
            "repro-jobs",
          )
        : "",
      r.runs.length
        ? table(
            "In the store, newest first",
            ["Run", "State"],
            r.runs.map((c) => [h("a", { href: link(["runs", c.name]) }, c.name), String(c.properties.state ?? "")]),
            "repro-runs",
          )
        : h("p", { class: "hint" }, "Not reproduced yet."),
    );
    if (r.jobs.some((j) => j.state === "running"))
      setTimeout(() => {
        if (box.isConnected) void show();
      }, 1000);
  };
  await show();
  return box;
}
