// Latency of the UI's JSON API on a large store (bench/ui.sh: the 1,000,000-artifact store of
// bench/run.sh store), as the app asks for it: a page of artifacts, a page by a property range and
// context filter, one artifact with its events and contexts, and a model's lineage 10 hops up.
// Requests one after another over one kept-alive connection; LATHE_API_REQUESTS of each kind
// (default 200) with ids and ranges drawn from a fixed seed. Prints one JSON object.
//   LATHE_UI_URL
const url = process.env.LATHE_UI_URL;
const n = Number(process.env.LATHE_API_REQUESTS ?? 200);
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

async function get(path) {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/${path}`);
  const body = await res.text();
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
  return { ms, body };
}

const models = JSON.parse((await get(`artifacts?filter=${encodeURIComponent("type = 'Model'")}&page_size=1000`)).body).items.map((a) => a.id);
const newest = JSON.parse((await get("artifacts?page_size=1&desc=true")).body).items[0].id;
const kinds = {
  artifacts_page: () => "artifacts?page_size=50&desc=true",
  filtered_page: () => {
    const lo = Math.floor(random() * 9000);
    const filter = `properties.span BETWEEN ${lo} AND ${lo + 99} AND context.name = 'pipeline-${Math.floor(random() * 10)}'`;
    return `artifacts?page_size=100&filter=${encodeURIComponent(filter)}`;
  },
  artifact: () => `artifacts/${1 + Math.floor(random() * newest)}`,
  lineage: () => `lineage/artifacts/${models[Math.floor(random() * models.length)]}?direction=up&hops=10`,
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
};
const round = (x) => Math.round(x * 100) / 100;
const out = { api_requests: 0 };
const all = [];
for (const [kind, path] of Object.entries(kinds)) {
  for (let i = 0; i < 10; i++) await get(path()); // warm-up
  const ms = [];
  for (let i = 0; i < n; i++) ms.push((await get(path())).ms);
  out[`${kind}_p50_ms`] = round(percentile(ms, 0.5));
  out[`${kind}_p99_ms`] = round(percentile(ms, 0.99));
  all.push(...ms);
}
out.api_requests = all.length;
out.api_p50_ms = round(percentile(all, 0.5));
out.api_p99_ms = round(percentile(all, 0.99));
console.log(JSON.stringify(out));
