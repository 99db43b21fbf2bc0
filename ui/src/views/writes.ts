// Changes from the UI: deploy, promote and roll back, allowed when `lathe ui` was started with a
// token file. The token is asked for once and kept for the browser tab (sessionStorage).
import { ApiError, api, apiUrl, type Deployment, type Info } from "../api";
import { h } from "../dom";
import { navigate } from "../router";

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
