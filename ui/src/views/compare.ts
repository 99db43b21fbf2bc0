// Run comparison: many runs' parameters and metrics in one table (cells that differ from the
// reference run highlighted), a parallel-coordinates chart over the parameters that vary and the
// metrics, a scatter of any two of them, and the selected runs side by side.
import {api, type ComparedRun, type RunComparison, type Value} from '../api';
import {Chart, colourA, colourB, preloadCharts} from '../charts';
import {clear, h} from '../dom';
import {formatDuration, formatNumber, formatTime} from '../format';
import {link, navigate, type Route} from '../router';
import {stateBadge} from './common';

function paramText(v: Value|undefined): string {
  if (v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// A column of the comparison: a parameter or a metric.
interface Column {
  key: string;  // "p:rounds" or "m:auc"
  label: string;
  text: (r: ComparedRun) => string;
  value: (r: ComparedRun) => number | string | undefined;
}

export async function renderCompare(root: HTMLElement, route: Route): Promise<void> {
  const t0 = performance.now();
  const pipeline = route.query.get('pipeline') ?? '';
  const limit = Number(route.query.get('limit') ?? 500);
  void preloadCharts();  // loads while the runs are fetched
  const data = await api<RunComparison>('run-comparison', {pipeline, limit});
  const runs = data.runs;
  // The selection changes in place (no new request, no new page); the link follows it.
  let selected =
      (route.query.get('runs') ?? '').split(',').filter((r) => runs.some((x) => x.run === r));
  const referenceRun = () => runs.find((r) => r.run === selected[0]) ?? runs[0];

  // Only the parameters that differ between the runs are columns; the others are listed once.
  const varying =
      data.parameters.filter((p) => new Set(runs.map((r) => paramText(r.parameters[p]))).size > 1);
  const fixed = data.parameters.filter((p) => !varying.includes(p));
  const columns: Column[] = [
    ...varying.map((p) => ({
                     key: `p:${p}`,
                     label: p,
                     text: (r: ComparedRun) => paramText(r.parameters[p]),
                     value: (r: ComparedRun) => {
                       const v = r.parameters[p];
                       return typeof v === 'number' ? v :
                           v === undefined          ? undefined :
                                                      paramText(v);
                     },
                   })),
    ...data.metrics.map((m) => ({
                          key: `m:${m}`,
                          label: m,
                          text: (r: ComparedRun) => formatNumber(r.metrics[m]),
                          value: (r: ComparedRun) => r.metrics[m],
                        })),
  ];
  const numericColumns = columns.filter((c) => runs.some((r) => typeof c.value(r) === 'number'));
  const xKey = route.query.get('x') ?? numericColumns.find((c) => c.key.startsWith('p:'))?.key ??
      numericColumns[0]?.key ?? '';
  const yKey = route.query.get('y') ?? numericColumns.find((c) => c.key.startsWith('m:'))?.key ??
      numericColumns[1]?.key ?? '';
  const here = (q: Record<string, string|number|undefined>) => link(
      ['compare'],
      {pipeline, limit, x: xKey, y: yKey, runs: selected.join(',') || undefined, ...q});

  const form = h(
      'form',
      {class: 'filters', role: 'search'},
      h('label',
        { for: 'pipeline'
        },
        'Pipeline'),
      h('input', {id: 'pipeline', name: 'pipeline', value: pipeline, placeholder: 'all pipelines'}),
      h('label',
        { for: 'limit'
        },
        'Newest runs'),
      h('input',
        {id: 'limit', name: 'limit', type: 'number', min: 1, max: 100000, value: limit, size: 6}),
      h('button', {type: 'submit'}, 'Compare'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value;
    navigate(link(['compare'], {pipeline: v('pipeline'), limit: v('limit')}));
  });
  const axisChooser = h(
      'form',
      {class: 'filters', 'aria-label': 'Scatter axes'},
      h('label',
        { for: 'x'
        },
        'x'),
      h('select', {id: 'x', name: 'x'},
        numericColumns.map((c) => h('option', {value: c.key, selected: c.key === xKey}, c.label))),
      h('label',
        { for: 'y'
        },
        'y'),
      h('select', {id: 'y', name: 'y'},
        numericColumns.map((c) => h('option', {value: c.key, selected: c.key === yKey}, c.label))),
  );
  axisChooser.addEventListener('change', () => {
    const v = (n: string) => (axisChooser.elements.namedItem(n) as HTMLSelectElement).value;
    navigate(here({x: v('x'), y: v('y')}));
  });

  // The table: one row per run; a cell that differs from the reference run is highlighted.
  const rows = new Map<string, HTMLTableRowElement>();
  const valueCells = new Map<string, HTMLTableCellElement[]>();
  const caption = h('caption');
  const sideBox = h('div', {'aria-live': 'polite'});
  const parallel = new Chart(
      `Parallel coordinates of ${runs.length} runs over ${columns.length} parameters and metrics`,
      320);
  const scatter = new Chart(
      `Scatter of the runs: ${labelOf(columns, yKey)} against ${labelOf(columns, xKey)}`, 320);
  const toggle = (run: string) => {
    selected = selected.includes(run) ? selected.filter((r) => r !== run) : [...selected, run];
    history.replaceState(null, '', here({}));
    showSelection();
  };
  for (const r of runs) {
    const cells = columns.map((c) => h('td', {class: 'num'}, c.text(r)));
    valueCells.set(r.run, cells);
    rows.set(
        r.run,
        h(
            'tr',
            {'data-run': r.run},
            h('td', null, h('input', {
                type: 'checkbox',
                'aria-label': `select ${r.run}`,
                onchange: () => toggle(r.run)
              })),
            h('th', {scope: 'row'}, h('a', {href: link(['runs', r.run])}, r.run),
              h('span', {class: 'hint reference'})),
            h('td', null, stateBadge(r.state)),
            h('td', {class: 'num'}, r.duration_ms !== null ? formatDuration(r.duration_ms) : ''),
            cells,
            h('td', null,
              r.blessed === null ? '' :
                  r.blessed      ? 'yes' :
                                   'no'),
            h('td', null,
              r.evaluation_id ?
                  h('a', {href: link(['evaluations', r.evaluation_id])}, String(r.evaluation_id)) :
                  ''),
            ),
    );
  }
  // The first rows go in at once; the others follow a chunk at a time, so that the page takes
  // input while the browser lays out the rest (data-complete when all are in).
  const firstRows = 60, chunk = 50;
  const ordered = [...rows.values()];
  const tbody = h('tbody', null, ordered.slice(0, firstRows));
  const table = h(
      'table',
      {class: 'data compare'},
      caption,
      h(
          'thead',
          null,
          h(
              'tr',
              null,
              h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Select')),
              h('th', {scope: 'col'}, 'Run'),
              h('th', {scope: 'col'}, 'State'),
              h('th', {scope: 'col'}, 'Duration'),
              columns.map(
                  (c) =>
                      h('th', {scope: 'col', class: c.key.startsWith('m:') ? 'metric' : 'param'},
                        c.label)),
              h('th', {scope: 'col'}, 'Blessed'),
              h('th', {scope: 'col'}, 'Evaluation'),
              ),
          ),
      tbody,
  );
  const tableBox =
      h('div', {class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'The runs'});
  root.append(
      h('h1', null, 'Compare runs'),
      form,
      fixed.length ? h('p', {class: 'hint'}, 'The same in every run: ',
                       fixed.map((p) => `${p} = ${paramText(runs[0]?.parameters[p])}`).join(', ')) :
                     '',
      sideBox,
      h('div', {class: 'charts'}, parallel.element, h('div', null, axisChooser, scatter.element)),
      tableBox,
  );
  if (runs.length === 0) {
    root.append(h('p', {class: 'hint'}, 'No runs to compare.'));
    return;
  }

  // Clicking a line or a point selects its run (the scatter's series are split the same way).
  let inSeries: ComparedRun[][] = [];
  const selectLine = (p: {dataIndex: number; seriesIndex: number}) => {
    const r = inSeries[p.seriesIndex]?.[p.dataIndex];
    if (r) toggle(r.run);
  };
  const xc = columns.find((c) => c.key === xKey), yc = columns.find((c) => c.key === yKey);
  const parallelAxes = columns.map((c, i) => {
    const numeric = runs.every((r) => c.value(r) === undefined || typeof c.value(r) === 'number');
    return numeric ?
        {dim: i, name: c.label, type: 'value', scale: true} :
        {dim: i, name: c.label, type: 'category', data: [...new Set(runs.map((r) => c.text(r)))]};
  });
  // The parallel coordinates now; the scatter now too, or (the first time) once the view is
  // interactive, through the function returned.
  const drawCharts = (scatterLater = false): {
    drawn: Promise<unknown>; drawScatter: () => Promise<void>
  } => {
    inSeries = [
      runs.filter((r) => !selected.includes(r.run)), runs.filter((r) => selected.includes(r.run))
    ];
    const style = (chosen: number) =>
        (chosen ? {color: colourB, width: 3, opacity: 1} :
                  {color: colourA, width: 1, opacity: 0.45});
    const drawn = [
      parallel.draw(
          {
            tooltip: {show: false},
            parallelAxis: parallelAxes,
            parallel: {left: 40, right: 60, top: 40, bottom: 24},
            // Plain value arrays in two series (the others, then the selected runs on top):
            // per-line style objects make ECharts several times slower at 500 lines.
            series: inSeries.map((list, chosen) => ({
                                   name: chosen ? 'selected' : 'runs',
                                   type: 'parallel',
                                   lineStyle: style(chosen),
                                   emphasis: {disabled: true},
                                   data: list.map(
                                       (r) => columns.map((c) => {
                                         const v = c.value(r);
                                         return typeof v === 'number' ? v : c.text(r);
                                       }),
                                       ),
                                 })),
          },
          selectLine,
          ),
    ];
    const drawScatter = async(): Promise<void> => {
      if (!xc || !yc) return;
      await scatter.draw(
          {
            tooltip: {
              trigger: 'item',
              formatter: (p: {dataIndex: number; seriesIndex: number}) => {
                const r = inSeries[p.seriesIndex][p.dataIndex];
                return `${r.run}<br>${xc.label} ${xc.text(r)}<br>${yc.label} ${yc.text(r)}`;
              },
            },
            grid: {left: 56, right: 24, top: 28, bottom: 40},
            xAxis:
                {type: 'value', scale: true, name: xc.label, nameLocation: 'middle', nameGap: 26},
            yAxis: {type: 'value', scale: true, name: yc.label},
            series: inSeries.map((list, chosen) => ({
                                   type: 'scatter',
                                   symbolSize: chosen ? 11 : 8,
                                   itemStyle: {color: chosen ? colourB : colourA},
                                   data: list.map((r) => [xc.value(r), yc.value(r)]),
                                 })),
          },
          selectLine,
      );
    };
    if (!scatterLater) drawn.push(drawScatter());
    return {drawn: Promise.all(drawn), drawScatter};
  };
  const showSelection =
      (scatterLater = false): {drawn: Promise<unknown>; drawScatter: () => Promise<void>} => {
        const reference = referenceRun();
        caption.textContent = `${runs.length} runs${
            pipeline ?
                ` of ${pipeline}` :
                ''}, newest first; highlighted: different from the reference run ${reference.run}`;
        for (const r of runs) {
          const row = rows.get(r.run)!;
          const chosen = selected.includes(r.run);
          row.classList.toggle('selected', chosen);
          (row.querySelector('input') as HTMLInputElement).checked = chosen;
          row.querySelector('.reference')!.textContent = r === reference ? ' (reference)' : '';
          valueCells.get(r.run)!.forEach(
              (cell, i) => cell.classList.toggle(
                  'diff', r !== reference && columns[i].text(r) !== columns[i].text(reference)));
        }
        clear(sideBox);
        if (selected.length > 1)
          sideBox.append(sideBySide(selected.map((s) => runs.find((r) => r.run === s)!), columns));
        return drawCharts(scatterLater);
      };
  // The parallel coordinates first, while the page is small (ECharts measures its box, which lays
  // the page out), then the table's first rows; ready once the browser has drawn them. Then the
  // scatter, and the other rows a chunk per frame.
  const first = showSelection(true);
  await first.drawn;
  tableBox.append(table);
  const nextFrame = () =>
      new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  await nextFrame();
  // Time to interactive (bench/ui_bench.mjs reads it): the table's first rows and the parallel
  // coordinates are drawn and take input.
  root.setAttribute('data-ready', String(Math.round(performance.now() - t0)));
  root.setAttribute(
      'data-ready-at', String(Math.round(performance.now())));  // since navigation start
  await first.drawScatter();
  for (let i = firstRows; i < ordered.length && root.isConnected; i += chunk) {
    tbody.append(...ordered.slice(i, i + chunk));
    await nextFrame();
  }
  root.setAttribute('data-complete', String(Math.round(performance.now() - t0)));
  root.setAttribute('data-complete-at', String(Math.round(performance.now())));
}

function labelOf(columns: Column[], key: string): string {
  return columns.find((c) => c.key === key)?.label ?? key;
}

// The selected runs in columns; rows whose values differ are highlighted.
function sideBySide(runs: ComparedRun[], columns: Column[]): HTMLElement {
  const row = (label: string, values: string[]) => h(
      'tr',
      {class: new Set(values).size > 1 ? 'diff' : undefined},
      h('th', {scope: 'row'}, label),
      values.map((v) => h('td', {class: 'num'}, v)),
  );
  return h(
      'table',
      {class: 'data side-by-side'},
      h('caption', null, `${runs.length} selected runs side by side; highlighted rows differ`),
      h('thead', null,
        h('tr', null, h('th', {scope: 'col'}, ''),
          runs.map((r) => h('th', {scope: 'col'}, h('a', {href: link(['runs', r.run])}, r.run))))),
      h(
          'tbody',
          null,
          row('started', runs.map((r) => formatTime(r.start_time_ms))),
          row('state', runs.map((r) => r.state)),
          columns.map((c) => row(c.label, runs.map((r) => c.text(r)))),
          row('blessed',
              runs.map(
                  (r) =>
                      (r.blessed === null ? '' :
                           r.blessed      ? 'yes' :
                                            'no'))),
          row('model', runs.map((r) => (r.model_id ? String(r.model_id) : ''))),
          ),
  );
}
