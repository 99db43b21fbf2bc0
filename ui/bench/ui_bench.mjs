// Time to interactive measured in Debian's chromium (bench/ui.sh runs it), cold loads (a new
// browser context per repetition), medians. Prints one JSON object. Each figure is in ms from the
// start of the page's navigation, as the page itself measures it (performance.now() when the view
// marked itself ready); *_wall_ms add what the driver sees on top (starting the tab, the protocol
// round trips of playwright), measured around page.goto.
//   LATHE_UI_URL, LATHE_LINEAGE_PATH (e.g. #/lineage/artifacts/ID?hops=1000): the lineage view,
//     from the start of navigation to the graph drawn and taking input (data-ready), and to ELK's
//     layout replacing the provisional one (data-layout="elk");
//   LATHE_COMPARE_URL, LATHE_COMPARE_PATH (e.g. #/compare?limit=500): the run comparison, to both
//     charts and the table's first rows drawn and taking input (data-ready), to every row drawn
//     (data-complete), then two runs selected and shown side by side;
//   LATHE_REPEAT (default 5).
import { chromium } from "playwright-core";

const url = process.env.LATHE_UI_URL;
const path = process.env.LATHE_LINEAGE_PATH;
const compareUrl = process.env.LATHE_COMPARE_URL;
const comparePath = process.env.LATHE_COMPARE_PATH;
const repeat = Number(process.env.LATHE_REPEAT ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.LATHE_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const ready = [], readyWall = [], elk = [];
let nodes = 0;
for (let i = 0; i < repeat; i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/${path}`);
  await page.waitForSelector(".graph[data-ready=true]", { timeout: 120000 });
  readyWall.push(Date.now() - t0);
  const layout = await page.getAttribute(".graph", "data-layout");
  ready.push(Number(await page.getAttribute(".graph", `data-${layout}-at`)));
  nodes = Number(await page.getAttribute(".graph", "data-nodes"));
  // Interactive: a pan and a zoom are drawn at once.
  await page.mouse.move(500, 500);
  await page.mouse.wheel(0, -200);
  await page.waitForSelector(".graph[data-layout=elk]", { timeout: 120000 });
  elk.push(Number(await page.getAttribute(".graph", "data-elk-at")));
  await context.close();
}
const compare = [], compareWall = [], complete = [], select = [];
let compared = 0;
for (let i = 0; i < repeat && compareUrl; i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${compareUrl}/${comparePath}`);
  await page.waitForSelector(".view[data-ready]", { timeout: 120000 });
  compareWall.push(Date.now() - t0);
  compare.push(Number(await page.getAttribute(".view", "data-ready-at")));
  await page.waitForSelector(".view[data-complete]", { timeout: 120000 });
  complete.push(Number(await page.getAttribute(".view", "data-complete-at")));
  compared = await page.$$eval("table.compare tbody tr", (trs) => trs.length);
  // Interactive: two runs selected and shown side by side.
  const t1 = Date.now();
  await page.check("table.compare tbody tr:nth-child(1) input");
  await page.check("table.compare tbody tr:nth-child(2) input");
  await page.waitForSelector("table.side-by-side", { timeout: 120000 });
  select.push(Date.now() - t1);
  await context.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    lineage_nodes: nodes,
    lineage_10k_ms: median(ready),
    lineage_10k_wall_ms: median(readyWall),
    lineage_10k_elk_ms: median(elk),
    runs_ms: ready,
    elk_runs_ms: elk,
    ...(compareUrl ? { compare_runs: compared, compare_500_ms: median(compare), compare_500_wall_ms: median(compareWall), compare_500_complete_ms: median(complete), compare_select_two_ms: median(select), compare_runs_ms: compare } : {}),
  }),
);
