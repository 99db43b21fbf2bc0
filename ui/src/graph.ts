// A directed graph drawn on a canvas (SVG is too slow at ten thousand nodes), laid out by ELK in
// its worker. Pan by dragging, zoom with the wheel or +/-; a click or Enter on a node selects it.
// Keyboard: arrow keys move the selection to the nearest node in that direction.
import ELK from "elkjs/lib/elk-api.js";
import type { ElkNode } from "elkjs/lib/elk-api";
// ELK's own worker script, bundled as a file of the app: layouts run off the main thread.
import elkWorkerUrl from "elkjs/lib/elk-worker.min.js?url";
import { h } from "./dom";

export interface GraphNode {
  id: string;
  label: string;
  sublabel: string;
  kind: "artifact" | "execution";
  state: string; // colours the node: COMPLETE, CACHED, FAILED, RUNNING, LIVE, ...
  badge?: string;
}
export interface GraphEdge {
  from: string;
  to: string;
}

const W = 168;
const H = 40;

const stateColour: Record<string, string> = {
  COMPLETE: "#2e7d32",
  CACHED: "#1565c0",
  FAILED: "#c62828",
  CANCELED: "#6d4c41",
  RUNNING: "#f9a825",
  NEW: "#9e9e9e",
  LIVE: "#2e7d32",
  PENDING: "#f9a825",
  DELETED: "#9e9e9e",
  ABANDONED: "#9e9e9e",
};

let elk: InstanceType<typeof ELK> | undefined;

interface Laid {
  positions: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
}

// ELK's layered algorithm, left to right, in ELK's worker.
async function layout(nodes: GraphNode[], edges: GraphEdge[]): Promise<Laid> {
  elk ??= new ELK({ workerUrl: elkWorkerUrl });
  const big = nodes.length > 2000;
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "48",
      "elk.spacing.nodeNode": "16",
      // Cheaper choices for big graphs: the lineage of a model may have ten thousand nodes.
      "elk.layered.crossingMinimization.strategy": big ? "NONE" : "LAYER_SWEEP",
      "elk.layered.nodePlacement.strategy": big ? "SIMPLE" : "BRANDES_KOEPF",
      "elk.edgeRouting": "POLYLINE",
    },
    children: nodes.map((n) => ({ id: n.id, width: W, height: H })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const out = await elk.layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const c of out.children ?? []) positions.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return { positions, width: out.width ?? 0, height: out.height ?? 0 };
}

// Graphs over this many nodes are drawn at once in columns while ELK works (ELK takes seconds on
// ten thousand nodes).
const kQuickLayoutNodes = 1500;

// Columns by longest path from the sources (Kahn's order; nodes on a cycle go last), rows in
// order of arrival: a provisional layout, O(nodes + edges).
function columnLayout(nodes: GraphNode[], edges: GraphEdge[]): Laid {
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  for (const e of edges) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
  }
  const column = new Map<string, number>();
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) column.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const next of out.get(id) ?? []) {
      column.set(next, Math.max(column.get(next) ?? 0, column.get(id)! + 1));
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  let last = 0;
  for (const c of column.values()) last = Math.max(last, c);
  const rows: number[] = [];
  const positions = new Map<string, { x: number; y: number }>();
  let width = 0, height = 0;
  for (const n of nodes) {
    const c = column.get(n.id) ?? last + 1;
    const r = (rows[c] = (rows[c] ?? -1) + 1);
    const p = { x: c * (W + 48), y: r * (H + 16) };
    positions.set(n.id, p);
    width = Math.max(width, p.x + W);
    height = Math.max(height, p.y + H);
  }
  return { positions, width, height };
}

export class GraphView {
  readonly element: HTMLElement;
  private canvas: HTMLCanvasElement;
  private nodes: GraphNode[] = [];
  private edges: GraphEdge[] = [];
  private pos = new Map<string, { x: number; y: number }>();
  private scale = 1;
  private ox = 16;
  private oy = 16;
  private selected: string | undefined;
  private drawQueued = false;
  private generation = 0;

  constructor(
    label: string,
    private onSelect: (id: string) => void,
  ) {
    this.canvas = h("canvas", {
      role: "img",
      "aria-label": label,
      tabindex: "0",
      class: "graph-canvas",
    });
    this.element = h("div", { class: "graph" }, this.canvas);
    this.attachEvents();
    new ResizeObserver(() => this.queueDraw()).observe(this.element);
  }

  // Lays the graph out (in the worker) and draws it; resolves when it is on screen.
  // Lays the graph out and draws it; resolves when it is on screen. A big graph (over
  // kQuickLayoutNodes) is first drawn at once in columns by longest path, interactive while ELK
  // lays it out properly in its worker; ELK's layout then replaces it (data-layout="elk").
  async setGraph(nodes: GraphNode[], edges: GraphEdge[], focus?: string): Promise<void> {
    this.nodes = nodes;
    const ids = new Set(nodes.map((n) => n.id));
    this.edges = edges.filter((e) => ids.has(e.from) && ids.has(e.to));
    const generation = ++this.generation;
    this.element.dataset.nodes = String(nodes.length);
    const elkLayout = layout(nodes, this.edges);
    if (nodes.length > kQuickLayoutNodes) {
      this.show(columnLayout(nodes, this.edges), focus, "columns");
      void elkLayout.then(
        (res) => generation === this.generation && this.show(res, focus, "elk"),
        () => undefined, // the column layout stays
      );
      return;
    }
    this.show(await elkLayout, focus, "elk");
  }

  private show(res: Laid, focus: string | undefined, kind: string): void {
    this.pos = res.positions;
    const rect = this.element.getBoundingClientRect();
    const fit = Math.min(1, (rect.width - 32) / Math.max(1, res.width), (rect.height - 32) / Math.max(1, res.height));
    this.ox = 16;
    this.oy = 16;
    if (fit >= 0.2) {
      this.scale = fit;
    } else {
      // Too big to fit readably: start near the focus at a scale where labels show.
      this.scale = 0.6;
      const p = (focus && this.pos.get(focus)) || { x: 0, y: 0 };
      this.ox = rect.width / 2 - (p.x + W / 2) * this.scale;
      this.oy = rect.height / 2 - (p.y + H / 2) * this.scale;
    }
    if (focus) this.select(focus, false);
    this.element.dataset.ready = "true";
    this.element.dataset.layout = kind;
    // When each layout was drawn, in ms since the page's navigation started (bench/ui_bench.mjs).
    this.element.setAttribute(`data-${kind}-at`, String(Math.round(performance.now())));
    this.draw();
  }

  select(id: string, notify = true): void {
    this.selected = id;
    const p = this.pos.get(id);
    const rect = this.canvas.getBoundingClientRect();
    if (p && rect.width > 0) {
      const sx = p.x * this.scale + this.ox, sy = p.y * this.scale + this.oy;
      if (sx < 0 || sy < 0 || sx > rect.width - W * this.scale || sy > rect.height - H * this.scale) {
        this.ox = rect.width / 2 - (p.x + W / 2) * this.scale;
        this.oy = rect.height / 2 - (p.y + H / 2) * this.scale;
      }
    }
    this.queueDraw();
    if (notify) this.onSelect(id);
  }

  private nodeAt(cx: number, cy: number): string | undefined {
    const x = (cx - this.ox) / this.scale, y = (cy - this.oy) / this.scale;
    for (const n of this.nodes) {
      const p = this.pos.get(n.id);
      if (p && x >= p.x && x <= p.x + W && y >= p.y && y <= p.y + H) return n.id;
    }
    return undefined;
  }

  private attachEvents(): void {
    let drag: { x: number; y: number; ox: number; oy: number; moved: boolean } | undefined;
    this.canvas.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, ox: this.ox, oy: this.oy, moved: false };
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      this.ox = drag.ox + dx;
      this.oy = drag.oy + dy;
      this.queueDraw();
    });
    this.canvas.addEventListener("pointerup", (e) => {
      const wasDrag = drag?.moved;
      drag = undefined;
      if (wasDrag) return;
      const r = this.canvas.getBoundingClientRect();
      const id = this.nodeAt(e.clientX - r.left, e.clientY - r.top);
      if (id) this.select(id);
    });
    this.canvas.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = this.canvas.getBoundingClientRect();
        this.zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    this.canvas.addEventListener("keydown", (e) => {
      const r = this.canvas.getBoundingClientRect();
      if (e.key === "+" || e.key === "=") this.zoom(1.25, r.width / 2, r.height / 2);
      else if (e.key === "-") this.zoom(0.8, r.width / 2, r.height / 2);
      else if (e.key === "Enter" && this.selected) this.onSelect(this.selected);
      else if (e.key.startsWith("Arrow")) this.moveSelection(e.key);
      else return;
      e.preventDefault();
    });
  }

  private zoom(f: number, cx: number, cy: number): void {
    const s = Math.min(4, Math.max(0.02, this.scale * f));
    this.ox = cx - ((cx - this.ox) * s) / this.scale;
    this.oy = cy - ((cy - this.oy) * s) / this.scale;
    this.scale = s;
    this.queueDraw();
  }

  private moveSelection(key: string): void {
    const cur = this.selected ? this.pos.get(this.selected) : undefined;
    if (!cur) {
      if (this.nodes.length) this.select(this.nodes[0].id, false);
      return;
    }
    const dir = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] }[key];
    if (!dir) return;
    let best: string | undefined, bestScore = Infinity;
    for (const n of this.nodes) {
      const p = this.pos.get(n.id);
      if (!p || n.id === this.selected) continue;
      const dx = p.x - cur.x, dy = p.y - cur.y;
      const along = dx * dir[0] + dy * dir[1];
      if (along <= 0) continue;
      const across = Math.abs(dx * dir[1]) + Math.abs(dy * dir[0]);
      const score = along + 2 * across;
      if (score < bestScore) (bestScore = score), (best = n.id);
    }
    if (best) this.select(best, false);
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  private draw(): void {
    const rect = this.element.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.max(1, Math.floor(rect.width)), ch = Math.max(1, Math.floor(rect.height));
    if (this.canvas.width !== cw * dpr || this.canvas.height !== ch * dpr) {
      this.canvas.width = cw * dpr;
      this.canvas.height = ch * dpr;
      this.canvas.style.width = `${cw}px`;
      this.canvas.style.height = `${ch}px`;
    }
    const ctx = this.canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    ctx.translate(this.ox, this.oy);
    ctx.scale(this.scale, this.scale);
    const vx0 = -this.ox / this.scale, vy0 = -this.oy / this.scale;
    const vx1 = vx0 + cw / this.scale, vy1 = vy0 + ch / this.scale;
    const visible = (p: { x: number; y: number }) => p.x + W >= vx0 && p.x <= vx1 && p.y + H >= vy0 && p.y <= vy1;

    ctx.strokeStyle = "#90a4ae";
    ctx.lineWidth = 1 / Math.max(this.scale, 0.5);
    ctx.beginPath();
    for (const e of this.edges) {
      const a = this.pos.get(e.from), b = this.pos.get(e.to);
      if (!a || !b) continue;
      if (!visible(a) && !visible(b)) continue;
      ctx.moveTo(a.x + W, a.y + H / 2);
      ctx.lineTo(b.x, b.y + H / 2);
    }
    ctx.stroke();

    const detail = this.scale > 0.35;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (const n of this.nodes) {
      const p = this.pos.get(n.id);
      if (!p || !visible(p)) continue;
      const colour = stateColour[n.state] ?? "#607d8b";
      ctx.fillStyle = n.kind === "execution" ? "#eceff1" : "#ffffff";
      ctx.strokeStyle = n.id === this.selected ? "#000" : colour;
      ctx.lineWidth = n.id === this.selected ? 3 : 1.5;
      if (n.kind === "execution") {
        roundRect(ctx, p.x, p.y, W, H, 12);
      } else {
        ctx.beginPath();
        ctx.rect(p.x, p.y, W, H);
      }
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.fillRect(p.x, p.y, 5, H);
      if (!detail) continue;
      ctx.fillStyle = "#111";
      ctx.fillText(clip(ctx, n.label, W - 16), p.x + 10, p.y + 13);
      ctx.fillStyle = "#555";
      ctx.fillText(clip(ctx, n.sublabel + (n.badge ? ` · ${n.badge}` : ""), W - 16), p.x + 10, p.y + 29);
    }
  }
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, hh: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + hh, r);
  ctx.arcTo(x + w, y + hh, x, y + hh, r);
  ctx.arcTo(x, y + hh, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

function clip(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + "…").width <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}
