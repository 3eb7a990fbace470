import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/lib/core';

// Only the parts the chart uses: the whole of ECharts would triple the bundle.
echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export function OnlineClientsChart({ points }: { points: { time: string; clientCount: number }[] }) {
  const option = {
    grid: { left: 40, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'line', step: 'end', showSymbol: false, areaStyle: {}, data: points.map((p) => [p.time, p.clientCount]) }],
  };
  return <ReactEChartsCore echarts={echarts} option={option} style={{ height: 220 }} notMerge />;
}
