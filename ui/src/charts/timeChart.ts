// A time-series chart: observed lines over the model's expected bands, anomaly markers on the
// time axis, and an optional brush to pick a range. Call it again with new data to update it.
import { axisBottom, axisLeft } from 'd3-axis';
import { brushX, type D3BrushEvent } from 'd3-brush';
import { extent, max } from 'd3-array';
import { scaleLinear, scaleUtc } from 'd3-scale';
import type { Selection } from 'd3-selection';
import { area, curveStepAfter, line, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolStar, symbolTriangle, type SymbolType } from 'd3-shape';
import 'd3-transition';
import { utcTick } from './timeFormat.ts';
import { LEVEL_COLOUR, LEVEL_SHAPE, type LevelShape } from '../palette.ts';
import type { SeverityLevel } from '../types.ts';

export interface Point { t: number; v: number }
export interface SeriesLine { key: string; label: string; colour: string; width: number; dash?: string; points: Point[] }
export interface BandArea { from: number; to: number; low: number; high: number }
/** The model's expected range over time (a step per point, held until the next point). */
export interface ExpectedArea { key: string; label: string; colour: string; opacity: number; points: Array<{ t: number; low: number; high: number }> }
export interface Marker { id: string; t: number; level: SeverityLevel; label: string }

export interface TimeChartData {
  width: number;
  height: number;
  lines: SeriesLine[];
  bands: BandArea[];
  /** drawn behind everything else; default none */
  expected?: ExpectedArea[];
  markers: Marker[];
  yLabel: string;
  yFormat: (v: number) => string;
  /** x-domain; defaults to the extent of the points */
  domain?: [number, number];
  onBrush?: (from: number, to: number) => void;
  onMarker?: (id: string) => void;
}

const SHAPES: Record<LevelShape, SymbolType> = {
  circle: symbolCircle, square: symbolSquare, diamond: symbolDiamond, triangle: symbolTriangle, star: symbolStar,
};
const MARGIN = { top: 10, right: 16, bottom: 38, left: 64 };

/** Selects the single child `tag.cls` of `parent`, creating it the first time. */
function layer<P extends Element>(parent: Selection<P, unknown, null, undefined>, tag: string, cls: string): Selection<SVGGElement, unknown, null, undefined> {
  return parent.selectAll<SVGGElement, null>(`${tag}.${cls}`).data([null]).join(tag).attr('class', cls) as unknown as Selection<SVGGElement, unknown, null, undefined>;
}

export function timeChart(svg: Selection<SVGSVGElement, unknown, null, undefined>, data: TimeChartData): void {
  const { width, height } = data;
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  svg.attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height).attr('role', 'img');

  const allPoints = data.lines.flatMap((l) => l.points);
  const [t0, t1] = data.domain ?? (extent(allPoints, (p) => p.t) as [number | undefined, number | undefined]);
  const now = Date.now();
  const x = scaleUtc().domain([t0 ?? now - 60_000, t1 ?? now]).range([0, innerW]);
  const inView = (t: number) => t >= x.domain()[0].getTime() && t <= x.domain()[1].getTime();
  const yMax = Math.max(
    max(allPoints.filter((p) => inView(p.t)), (p) => p.v) ?? 0,
    max(data.bands.filter((b) => b.to >= x.domain()[0].getTime() && b.from <= x.domain()[1].getTime()), (b) => b.high) ?? 0,
    max((data.expected ?? []).flatMap((e) => e.points).filter((p) => inView(p.t)), (p) => p.high) ?? 0,
    1,
  );
  const y = scaleLinear().domain([0, yMax * 1.1]).nice().range([innerH, 0]);

  const plot = layer(svg, 'g', 'plot').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
  layer(plot, 'g', 'x-axis').attr('transform', `translate(0,${innerH})`).call(axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 110))).tickFormat(utcTick));
  layer(plot, 'g', 'y-axis').transition().duration(200).call(axisLeft(y).ticks(5).tickFormat((v) => data.yFormat(Number(v))));
  layer(plot, 'text', 'x-unit').attr('x', innerW).attr('y', innerH + 32).attr('text-anchor', 'end').text('UTC');
  layer(svg, 'text', 'y-label')
    .attr('transform', `translate(12,${MARGIN.top + innerH / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(data.yLabel);

  const clipId = `clip-${data.yLabel.replace(/[^a-z0-9]/gi, '')}`;
  layer(svg, 'defs', 'defs').selectAll('clipPath').data([null]).join('clipPath').attr('id', clipId)
    .selectAll('rect').data([null]).join('rect').attr('width', innerW).attr('height', innerH);
  const body = layer(plot, 'g', 'body').attr('clip-path', `url(#${clipId})`);

  const expectedArea = area<{ t: number; low: number; high: number }>().curve(curveStepAfter)
    .x((p) => x(p.t)).y0((p) => y(p.low)).y1((p) => y(p.high));
  layer(body, 'g', 'expected').selectAll('path.expected-band')
    .data(data.expected ?? [], (e) => (e as ExpectedArea).key)
    .join((enter) => enter.append('path').call((s) => s.append('title')))
    .attr('class', (e) => `expected-band expected-${e.key}`)
    .attr('fill', (e) => e.colour)
    .attr('fill-opacity', (e) => e.opacity)
    .attr('stroke', 'none')
    .attr('d', (e) => expectedArea(e.points) ?? '')
    .select('title').text((e) => e.label);

  layer(body, 'g', 'bands').selectAll('rect.band')
    .data(data.bands)
    .join('rect')
    .attr('class', 'band')
    .attr('x', (b) => x(b.from))
    .attr('width', (b) => Math.max(2, x(b.to) - x(b.from)))
    .attr('y', (b) => y(b.high))
    .attr('height', (b) => Math.max(1, y(b.low) - y(b.high)));

  const path = line<Point>().x((p) => x(p.t)).y((p) => y(p.v));
  layer(body, 'g', 'lines').selectAll('path.series')
    .data(data.lines, (l) => (l as SeriesLine).key)
    .join('path')
    .attr('class', (l) => `series series-${l.key}`)
    .attr('fill', 'none')
    .attr('stroke', (l) => l.colour)
    .attr('stroke-width', (l) => l.width)
    .attr('stroke-dasharray', (l) => l.dash ?? null)
    .attr('d', (l) => path(l.points));

  const markers = layer(plot, 'g', 'markers').attr('transform', `translate(0,${innerH})`);
  markers.selectAll('path.marker')
    .data(data.markers.filter((m) => inView(m.t)), (m) => (m as Marker).id)
    .join((enter) => enter.append('path').attr('class', 'marker').call((s) => s.append('title')))
    .attr('transform', (m) => `translate(${x(m.t)},-7)`)
    .attr('d', (m) => symbol(SHAPES[LEVEL_SHAPE[m.level]], 70)())
    .attr('fill', (m) => LEVEL_COLOUR[m.level])
    .attr('data-level', (m) => m.level)
    .on('click', (_ev, m) => data.onMarker?.(m.id))
    .select('title').text((m) => m.label);

  const brushLayer = layer(body, 'g', 'brush');
  if (data.onBrush) {
    const onBrush = data.onBrush;
    const brush = brushX<unknown>().extent([[0, 0], [innerW, innerH]]).on('end', (ev: D3BrushEvent<unknown>) => {
      const sel = ev.selection as [number, number] | null;
      if (!sel || !ev.sourceEvent) return;
      brushLayer.call(brush.move, null);
      if (sel[1] - sel[0] < 4) return;
      onBrush(x.invert(sel[0]).getTime(), x.invert(sel[1]).getTime());
    });
    brushLayer.call(brush);
  } else {
    brushLayer.selectAll('*').remove();
  }
}
