// The expected band over time from a model trained on a crafted day: busy 09:00–17:00 UTC,
// quiet otherwise, with one host that uploads only in the busy hours.
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import { BandQueryError, expectedBands, trainModel, type ModelArtifact, type SeriesBand } from '../../model/index.ts';
import { hostStats, rng } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
/** Monday 2026-11-16 00:00 UTC */
const DAY0 = Date.UTC(2026, 10, 16);
const HOUR = 3_600_000;
const HOST = '10.0.0.9';
const BUSY_OUT_PER_S = 400_000;
const QUIET_OUT_PER_S = 4_000;

function busy(t: number): boolean {
  const h = Math.floor((t % 86_400_000) / HOUR);
  return h >= 9 && h < 17;
}

/** Outbound bytes/s of each training window, by window start: the reference the bands must bracket. */
const outboundRate = new Map<number, number>();
const packetsRate = new Map<number, number>();

function craftedWindow(t: number, r: () => number): WindowStats {
  const w = emptyWindowStats('bands', t, WINDOW_MS);
  const perS = (busy(t) ? BUSY_OUT_PER_S : QUIET_OUT_PER_S) * (0.9 + 0.2 * r());
  const bytes = Math.round(perS * 60);
  const packets = Math.ceil(bytes / 1000);
  w.topLocalHosts.push(hostStats(HOST, bytes, bytes * 3));
  const o = w.directions.outbound;
  o.bytes = bytes; o.packets = packets;
  w.directions.inbound.bytes = bytes * 3; w.directions.inbound.packets = Math.ceil((bytes * 3) / 1200);
  w.services.tls.bytes = bytes * 4;
  w.health.packetsSeen = o.packets + w.directions.inbound.packets;
  outboundRate.set(t, bytes / 60);
  packetsRate.set(t, packets / 60);
  return w;
}

function at(band: SeriesBand, t: number) {
  const p = band.points.find((x) => x.t === t);
  if (!p) throw new Error(`no band point at ${new Date(t).toISOString()}`);
  return p;
}

let model: ModelArtifact;

beforeAll(async () => {
  const r = rng(42);
  const windows = Array.from({ length: 1440 }, (_, i) => craftedWindow(DAY0 + i * WINDOW_MS, r));
  model = await trainModel(windows, { seed: 9, epochs: 1, now: () => DAY0 + 2 * 86_400_000 });
}, 60_000);

describe('expectedBands', () => {
  it('draws a higher band at a busy hour than at a quiet one, bracketing the training values, in bytes/s and packets/s', () => {
    const from = DAY0 + 86_400_000; // the next day: hour-of-day slots apply
    const bands = expectedBands(model, { from, to: from + 86_400_000 - HOUR, stepMs: HOUR, series: ['outbound.bytes', 'outbound.packets'] });
    expect(bands.version).toBe(model.meta.version);
    const [bytes, packets] = bands.series;
    expect(bytes!.unit).toBe('bytes/s');
    expect(packets!.unit).toBe('packets/s');
    expect(bytes!.points).toHaveLength(24);
    const quiet = at(bytes!, from + 3 * HOUR);
    const noon = at(bytes!, from + 12 * HOUR);
    expect(noon.slot).toBe('day-type-hour');
    expect(noon.low).toBeGreaterThan(quiet.high);
    expect(noon.maturity).toBeGreaterThan(0);
    // every training window lies within its hour's band (1st … 99th percentile, with rounding slack)
    for (const [rates, band] of [[outboundRate, bytes!], [packetsRate, packets!]] as const) {
      const byHour = new Map<number, number[]>();
      for (const [t, v] of rates) {
        const h = Math.floor((t - DAY0) / HOUR);
        (byHour.get(h) ?? byHour.set(h, []).get(h)!).push(v);
      }
      for (const [h, values] of byHour) {
        const p = at(band, from + h * HOUR);
        const sorted = [...values].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)]!;
        expect(p.low).toBeLessThanOrEqual(median);
        expect(p.high).toBeGreaterThanOrEqual(median);
        expect(p.low).toBeGreaterThanOrEqual(sorted[0]! * 0.999);
        expect(p.high).toBeLessThanOrEqual(sorted[sorted.length - 1]! * 1.001);
        expect(Math.abs(p.median - median) / median).toBeLessThan(0.05);
      }
    }
    // the busy band is in the unit of the crafted rate, not its log or its per-minute total
    expect(noon.median).toBeGreaterThan(BUSY_OUT_PER_S * 0.9);
    expect(noon.median).toBeLessThan(BUSY_OUT_PER_S * 1.1);
  });

  it('gives a known host its own band for payload out (mean and largest window in its slot), and says when a host is unknown', () => {
    const from = DAY0 + 86_400_000;
    const bands = expectedBands(model, { from, to: from + 23 * HOUR, stepMs: HOUR, series: [], host: HOST });
    expect(bands.host).toMatchObject({ host: HOST, known: true, series: 'host.payloadOut', unit: 'bytes/s' });
    const noon = at(bands.host!, from + 12 * HOUR);
    const night = at(bands.host!, from + 3 * HOUR);
    expect(noon.slot).toBe('day-type-hour');
    // payload is bytes beyond 66 header bytes per packet (packetsOut = bytes/1000)
    const payloadPerS = BUSY_OUT_PER_S * (1 - 66 / 1000);
    expect(noon.low).toBe(0);
    expect(noon.median).toBeGreaterThan(payloadPerS * 0.5);
    expect(noon.median).toBeLessThan(payloadPerS * 1.5);
    expect(noon.high).toBeGreaterThanOrEqual(noon.median);
    expect(noon.median).toBeGreaterThan(night.high);
    const unknown = expectedBands(model, { from, to: from + HOUR, stepMs: HOUR, series: [], host: '10.9.9.9' });
    expect(unknown.host).toMatchObject({ known: false, points: [] });
  });

  it('refuses unusable queries with a message that says what to change', () => {
    expect(() => expectedBands(model, { from: 10, to: 5, stepMs: 1, series: [] })).toThrow(BandQueryError);
    expect(() => expectedBands(model, { from: 0, to: 10, stepMs: 0, series: [] })).toThrow(/step/);
    expect(() => expectedBands(model, { from: 0, to: 86_400_000, stepMs: 1000, series: [] })).toThrow(/larger step \(at least \d+ ms\)/);
    expect(() => expectedBands(model, { from: 0, to: 10, stepMs: 1, series: ['nope' as 'outbound.bytes'] })).toThrow(/unknown series 'nope'/);
  });
});
