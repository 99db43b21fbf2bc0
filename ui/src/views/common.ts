// Pieces every view shares: headings, tables, property lists, pagers and links to records.
import type { MlmdNode, Page, Value } from "../api";
import { h, type Child } from "../dom";
import { formatTime, formatValue } from "../format";
import { link } from "../router";

export function table(caption: string, headers: string[], rows: Child[][], className = ""): HTMLTableElement {
  return h(
    "table",
    { class: `data ${className}` },
    h("caption", null, caption),
    h("thead", null, h("tr", null, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c))))),
  );
}

export function artifactLink(id: number, text?: string): HTMLAnchorElement {
  return h("a", { href: link(["artifacts", id]) }, text ?? `artifact ${id}`);
}

export function executionLink(id: number, text?: string): HTMLAnchorElement {
  return h("a", { href: link(["executions", id]) }, text ?? `execution ${id}`);
}

export function stateBadge(state: string): HTMLSpanElement {
  return h("span", { class: `state state-${state.toLowerCase()}` }, state);
}

// A definition list of a record's properties and custom properties.
export function properties(n: MlmdNode): HTMLElement {
  const rows: [string, Value][] = [
    ...Object.entries(n.properties).map(([k, v]) => [k, v] as [string, Value]),
    ...Object.entries(n.custom_properties).map(([k, v]) => [`${k} (custom)`, v] as [string, Value]),
  ];
  return h(
    "dl",
    { class: "props" },
    rows.map(([k, v]) => [h("dt", null, k), h("dd", null, valueView(v))]),
  );
}

export function valueView(v: Value): Child {
  if (typeof v === "object" && v !== null) return h("pre", { class: "json" }, JSON.stringify(v, null, 2));
  return formatValue(v);
}

export function recordHeader(n: MlmdNode, noun: string): HTMLElement {
  return h(
    "dl",
    { class: "props" },
    h("dt", null, "type"),
    h("dd", null, n.type),
    n.name ? [h("dt", null, "name"), h("dd", null, n.name)] : null,
    h("dt", null, "created"),
    h("dd", null, formatTime(n.create_time_ms)),
    h("dt", null, "updated"),
    h("dd", null, `${formatTime(n.update_time_ms)} (revision ${n.revision})`),
    h("dt", null, "id"),
    h("dd", null, `${noun} ${n.id}`),
  );
}

// "Next page" and "first page" links for a listing paged by tokens.
export function pager(page: Page<unknown>, hrefFor: (token: string) => string, hasToken: boolean): HTMLElement {
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    hasToken ? h("a", { href: hrefFor("") }, "« First page") : null,
    page.next_page_token ? h("a", { href: hrefFor(page.next_page_token), rel: "next" }, "Next page »") : h("span", null, "Last page"),
  );
}
