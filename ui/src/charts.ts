// Charts are ECharts (canvas), imported piece by piece so that the bundle carries only the chart
// types the views use, and loaded on first use (echarts_setup.ts is its own chunk): the app's
// first load stays small, and a view starts the download while it fetches its data. Each chart
// sits in a figure with a text label for screen readers; the numbers it draws are in a table next
// to it.
import type {ECharts, EChartsCoreOption} from 'echarts/core';
import {h} from './dom';

let echartsModule: Promise<typeof import('./echarts_setup')>|undefined;
// Starts loading ECharts (once); views call it before they fetch their data.
export function preloadCharts(): Promise<typeof import('./echarts_setup')> {
  echartsModule ??= import('./echarts_setup');
  return echartsModule;
}

export type ChartOption = EChartsCoreOption;

// A chart that draws once it is in the document (ECharts needs its size), and redraws on resize.
export class Chart {
  readonly element: HTMLElement;
  private chart: ECharts|undefined;
  private readonly box: HTMLDivElement;

  constructor(label: string, height = 280, className = '') {
    this.box = h('div', {class: 'chart-box', style: {height: `${height}px`}});
    this.element =
        h('figure', {class: `chart ${className}`, role: 'img', 'aria-label': label}, this.box);
  }

  // Sets the option (replacing the previous one), once ECharts is loaded. Call after the element
  // is attached; the figure gets data-drawn when the chart is drawn.
  async draw(option: ChartOption, onClick?: (params: {
                                    dataIndex: number; seriesIndex: number; name: string
                                  }) => void): Promise<void> {
    const echarts = await preloadCharts();
    if (!this.chart) {
      this.chart = echarts.init(this.box, undefined, {renderer: 'canvas'});
      new ResizeObserver(() => this.chart?.resize()).observe(this.box);
      if (onClick)
        this.chart.on('click', (p) => onClick(p as unknown as {
                                 dataIndex: number;
                                 seriesIndex: number;
                                 name: string
                               }));
    }
    this.chart.setOption({animation: false, ...option}, {notMerge: true});
    this.element.setAttribute('data-drawn', 'true');
  }
}

// Colours shared by the views: A (baseline, stable) and B (current, canary).
export const colourA = '#0b5cad';
export const colourB = '#d4570b';

// An error bar series: a line with caps from low to high for each category index. Horizontal
// charts (categories on the y axis) draw them across; `offset` shifts them within the category's
// band (a fraction of it), to sit on one of two grouped bars.
type RenderApi = {
  value: (i: number) => number; coord: (p: number[]) => number[]; size: (p: number[]) => number[]
};
export function errorBars(
    name: string,
    intervals: ([number, number]|null)[],
    colour: string,
    options: {horizontal?: boolean; offset?: number} = {},
    ): Record<string, unknown> {
  const horizontal = options.horizontal ?? false;
  const offset = options.offset ?? 0;
  return {
    name,
    type: 'custom',
    tooltip: {show: false},
    silent: true,
    encode: horizontal ? {x: [1, 2], y: 0} : {x: 0, y: [1, 2]},
    data: intervals.map((iv, i) => (iv ? [i, iv[0], iv[1]] : [i, NaN, NaN])),
    renderItem: (_params: unknown, api: RenderApi) => {
      const i = api.value(0), lo = api.value(1), hi = api.value(2);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
      const at = (v: number) => api.coord(horizontal ? [v, i] : [i, v]);
      const band = horizontal ? api.size([0, 1])[1] : api.size([1, 0])[0];
      const shift = offset * band;
      const [x1, y1] = at(lo);
      const [x2, y2] = at(hi);
      const cap = Math.min(5, band * 0.15);
      const style = {stroke: colour, lineWidth: 1.5};
      const line = (a: number, b: number, c: number, d: number) =>
          ({type: 'line', shape: {x1: a, y1: b, x2: c, y2: d}, style});
      const children = horizontal ?
          [
            line(x1, y1 + shift, x2, y2 + shift), line(x1, y1 + shift - cap, x1, y1 + shift + cap),
            line(x2, y2 + shift - cap, x2, y2 + shift + cap)
          ] :
          [
            line(x1 + shift, y1, x2 + shift, y2), line(x1 + shift - cap, y1, x1 + shift + cap, y1),
            line(x2 + shift - cap, y2, x2 + shift + cap, y2)
          ];
      return {type: 'group', children};
    },
    z: 10,
  };
}
