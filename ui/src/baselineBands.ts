// The live model's expected range as chart areas: which range to ask the server for, when the
// answer is stale, and which band belongs on which chart.
import type { Baseline } from './apiShapes.ts';
import type { ExpectedArea } from './charts/timeChart.ts';
import { DIRECTION_COLOUR } from './palette.ts';
import { CHART_DIRECTIONS, type Metric } from './series.ts';

const HOUR_MS = 3_600_000;
/** Band points per minute are plenty: the baseline changes once an hour. */
export const LIVE_BAND_STEP_MS = 60_000;

export interface BandRange { from: number; to: number; step?: number; /** same key, same answer */ key: string }

/**
 * For the live chart: from the start of the hour slot the visible span begins in to the end of the
 * slot it ends in. The key changes only when the span reaches another hour slot, so the band is
 * fetched again exactly when it could differ.
 */
export function liveBandRange(end: number, spanMs: number): BandRange {
  const from = Math.floor((end - spanMs) / HOUR_MS) * HOUR_MS;
  const to = (Math.floor(end / HOUR_MS) + 1) * HOUR_MS;
  return { from, to, step: LIVE_BAND_STEP_MS, key: `live:${from}:${to}` };
}

/** For a history range: the range itself, at the server's default step. */
export function historyBandRange(from: number, to: number): BandRange {
  return { from, to, key: `history:${from}:${to}` };
}

/** One area per direction for the chart's metric, outbound emphasised like its line. */
export function expectedAreas(baseline: Baseline | null, metric: Metric): ExpectedArea[] {
  if (!baseline) return [];
  const out: ExpectedArea[] = [];
  for (const d of CHART_DIRECTIONS) {
    const points = baseline.series.get(`${d}.${metric}`);
    if (!points?.length) continue;
    out.push({
      key: d,
      label: `expected ${d} ${metric}/s (model ${baseline.version})`,
      colour: DIRECTION_COLOUR[d],
      opacity: d === 'outbound' ? 0.22 : 0.1,
      points: points.map((p) => ({ t: p.t, low: p.low, high: p.high })),
    });
  }
  return out;
}
