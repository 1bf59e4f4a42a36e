// The live model's expected range over time, for charts: per time step the seasonal baseline's
// slot (hour of week when the model has seen a week, else hour of day, else all windows) for a
// traffic series, converted back from the feature scale to the unit the charts plot.
//
// Rate features are stored as log1p(value per second) per window (see features.ts), so
// expm1 of the slot's 1st percentile, median and 99th percentile gives the range in bytes/s or
// packets/s; quantiles survive the monotone transform, so nothing is lost but rounding.
import type { ModelArtifact } from './modelArtifact.ts';
import { HostBaselines, MATURE_HOST_HOURS } from './hostBaselines.ts';
import { SeasonalBaseline, type SlotKind } from './seasonalBaseline.ts';
import { HOST_FEATURES, NETWORK_FEATURES, toDisplay, type FeatureSpec } from './features.ts';

export const BAND_SERIES = [
  'outbound.bytes', 'inbound.bytes', 'internal.bytes',
  'outbound.packets', 'inbound.packets', 'internal.packets',
  'outbound.payload',
] as const;
export type BandSeries = typeof BAND_SERIES[number];

/** The per-host series: payload (bytes beyond headers) the host sends, bytes/s; hour-of-day slots only. */
export const HOST_BAND_SERIES = 'host.payloadOut';

/** One request never computes more steps than this. */
export const MAX_BAND_POINTS = 5_000;

export interface BandQuery {
  from: number;
  to: number;
  stepMs: number;
  series: readonly BandSeries[];
  host?: string;
}

export interface BandPoint {
  /** start of the step, ms */
  t: number;
  low: number;
  median: number;
  high: number;
  slot: SlotKind;
  /** 0 … 1: observations behind the slot against what a mature slot has */
  maturity: number;
}

export interface SeriesBand {
  series: string;
  unit: string;
  /** one per step that has an expectation, in time order */
  points: BandPoint[];
}

export interface ExpectedBands {
  version: string;
  stepMs: number;
  series: SeriesBand[];
  /** the host's own baseline, when a host was asked for; `known` false when the model has none for it */
  host?: SeriesBand & { host: string; known: boolean };
}

export class BandQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BandQueryError';
  }
}

function specOf(name: string, specs: readonly FeatureSpec[]): FeatureSpec {
  const spec = specs.find((f) => f.name === name);
  if (!spec) throw new BandQueryError(`unknown series '${name}'; known: ${BAND_SERIES.join(', ')}`);
  return spec;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function bandOf(baseline: SeasonalBaseline, key: string, spec: FeatureSpec, times: readonly number[], slotOnly: boolean): BandPoint[] {
  const out: BandPoint[] = [];
  for (const t of times) {
    const exp = baseline.expect(key, t, slotOnly);
    if (!exp) continue;
    out.push({
      t,
      low: round(Math.max(0, toDisplay(spec, exp.low))),
      median: round(Math.max(0, toDisplay(spec, exp.median))),
      high: round(Math.max(0, toDisplay(spec, exp.high))),
      slot: exp.slot,
      maturity: round(exp.maturity),
    });
  }
  return out;
}

/** Steps start at `from` and cover `from` … `to` inclusive. Throws BandQueryError on an unusable query. */
export function expectedBands(model: Pick<ModelArtifact, 'meta'>, query: BandQuery): ExpectedBands {
  const { from, to, stepMs } = query;
  if (!(Number.isFinite(from) && Number.isFinite(to) && to > from)) throw new BandQueryError('`to` must be after `from`');
  if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new BandQueryError('`step` must be a positive number of milliseconds');
  const count = Math.floor((to - from) / stepMs) + 1;
  if (count > MAX_BAND_POINTS) {
    throw new BandQueryError(`the range needs ${count} steps of ${stepMs} ms, more than ${MAX_BAND_POINTS}; use a larger step (at least ${Math.ceil((to - from) / (MAX_BAND_POINTS - 1))} ms)`);
  }
  const times = Array.from({ length: count }, (_, i) => from + i * stepMs);
  const baseline = new SeasonalBaseline(model.meta.baseline);
  const series = query.series.map((name) => {
    const spec = specOf(name, NETWORK_FEATURES);
    return { series: name, unit: spec.unit, points: bandOf(baseline, name, spec, times, false) };
  });
  const result: ExpectedBands = { version: model.meta.version, stepMs, series };
  if (query.host !== undefined) {
    const spec = specOf(HOST_BAND_SERIES, HOST_FEATURES);
    const hosts = new HostBaselines(model.meta.hostBaselines, baseline.calendar);
    const known = hosts.has(query.host);
    // a host's band exists only in the slots it was seen in: an all-day fallback would invent one
    const points: BandPoint[] = [];
    for (const t of known ? times : []) {
      const v = hosts.ownSlot(query.host, hosts.slotOf(t))!;
      if (v.hours === 0) continue;
      points.push({ t, low: 0, median: round(v.windowMean), high: round(v.windowMax), slot: 'day-type-hour', maturity: round(Math.min(1, v.hours / (3 * MATURE_HOST_HOURS))) });
    }
    result.host = { host: query.host, known, series: HOST_BAND_SERIES, unit: spec.unit, points };
  }
  return result;
}
