// The parts of ECharts the views draw with (charts.ts loads this module on first use).
import {BarChart, CustomChart, LineChart, ParallelChart, ScatterChart} from 'echarts/charts';
import {GridComponent, LegendComponent, ParallelComponent, TooltipComponent} from 'echarts/components';
import * as echarts from 'echarts/core';
import {CanvasRenderer} from 'echarts/renderers';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export const init = echarts.init;
