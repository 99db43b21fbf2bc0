// Hash routes ("#/runs/RUN?x=y"), so every view has a link that survives a reload and works
// from a file of bookmarks without the server knowing the app's routes.
export interface Route {
  parts: string[]; // ["runs", "RUN"]
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, qs] = splitOnce(hash, "?");
  return {
    parts: path.split("/").filter((p) => p !== "").map(decodeURIComponent),
    query: new URLSearchParams(qs),
  };
}

export function link(parts: (string | number)[], query?: Record<string, string | number | undefined>): string {
  const path = parts.map((p) => encodeURIComponent(String(p))).join("/");
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return `#/${path}${qs ? "?" + qs : ""}`;
}

export function navigate(href: string): void {
  if (location.hash === href) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = href;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
}
