// Horizontal bars (e.g. each feature's share of an anomaly's score), labelled in text.
import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import type { Selection } from 'd3-selection';
import 'd3-transition';

export interface Bar { key: string; label: string; value: number; valueLabel: string }

export interface BarChartData { width: number; bars: Bar[]; colour: string }

const ROW = 26;
const LABEL_W = 190;
const VALUE_W = 200;

export function barChart(svg: Selection<SVGSVGElement, unknown, null, undefined>, data: BarChartData): void {
  const height = Math.max(ROW, data.bars.length * ROW);
  const innerW = Math.max(40, data.width - LABEL_W - VALUE_W);
  svg.attr('viewBox', `0 0 ${data.width} ${height}`).attr('width', data.width).attr('height', height).attr('role', 'img');
  const y = scaleBand().domain(data.bars.map((b) => b.key)).range([0, height]).padding(0.2);
  const x = scaleLinear().domain([0, Math.max(max(data.bars, (b) => b.value) ?? 0, 1e-9)]).range([0, innerW]);

  svg.selectAll<SVGGElement, Bar>('g.bar')
    .data(data.bars, (b) => b.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'bar');
      g.append('text').attr('class', 'bar-label').attr('x', LABEL_W - 6).attr('text-anchor', 'end');
      g.append('rect').attr('x', LABEL_W).attr('width', 0);
      g.append('text').attr('class', 'bar-value');
      return g;
    })
    .attr('transform', (b) => `translate(0,${y(b.key) ?? 0})`)
    .call((g) => {
      g.select('text.bar-label').attr('y', y.bandwidth() / 2).attr('dy', '0.35em').text((b) => b.label);
      g.select('rect').attr('height', y.bandwidth()).attr('fill', data.colour)
        .transition().duration(300).attr('width', (b) => Math.max(1, x(b.value)));
      g.select('text.bar-value').attr('y', y.bandwidth() / 2).attr('dy', '0.35em')
        .attr('x', (b) => LABEL_W + x(b.value) + 6).text((b) => b.valueLabel);
    });
}
