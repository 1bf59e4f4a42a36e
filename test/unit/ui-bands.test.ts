// The live chart's expected-range plumbing: which range it asks for, when it asks again, and
// which band lands on which chart.
import { describe, expect, it } from 'vitest';
import { asBaseline } from '../../ui/src/apiShapes.ts';
import { expectedAreas, historyBandRange, liveBandRange } from '../../ui/src/baselineBands.ts';

const HOUR = 3_600_000;
const H10 = Date.UTC(2026, 10, 27, 10);

describe('expected bands in the UI', () => {
  it('asks for whole hour slots and asks again only when the visible span reaches another slot', () => {
    const span = 5 * 60_000;
    const a = liveBandRange(H10 + 20 * 60_000, span);
    expect([a.from, a.to]).toEqual([H10, H10 + HOUR]);
    expect(liveBandRange(H10 + 50 * 60_000, span).key).toBe(a.key);
    // the span straddles 11:00: both slots
    const b = liveBandRange(H10 + HOUR + 2 * 60_000, span);
    expect([b.from, b.to]).toEqual([H10, H10 + 2 * HOUR]);
    expect(b.key).not.toBe(a.key);
    expect(liveBandRange(H10 + HOUR + 6 * 60_000, span).from).toBe(H10 + HOUR);
    expect(historyBandRange(1, 2)).toEqual({ from: 1, to: 2, key: 'history:1:2' });
  });

  it('reads the server answer and puts each direction\'s band on the chart of its metric, outbound strongest', () => {
    const pts = (v: number) => [{ t: 2, low: v, median: v * 2, high: v * 3, slot: 'hour-of-day', maturity: 1 }, { t: 1, low: v, median: v, high: v, slot: 'all', maturity: 0.5 }, { t: 'x' }];
    const baseline = asBaseline({
      version: 'v9',
      series: [{ series: 'outbound.bytes', points: pts(100) }, { series: 'inbound.bytes', points: pts(50) }, { series: 'outbound.packets', points: pts(1) }],
      host: { host: '10.0.0.5', known: true, series: 'host.payloadOut', points: pts(7) },
    });
    expect(baseline.version).toBe('v9');
    expect(baseline.series.get('outbound.bytes')!.map((p) => p.t)).toEqual([1, 2]);
    expect(baseline.host).toMatchObject({ host: '10.0.0.5', known: true });
    const bytes = expectedAreas(baseline, 'bytes');
    expect(bytes.map((a) => a.key)).toEqual(['outbound', 'inbound']);
    expect(bytes[0]!.points).toEqual([{ t: 1, low: 100, high: 100 }, { t: 2, low: 100, high: 300 }]);
    expect(bytes[0]!.opacity).toBeGreaterThan(bytes[1]!.opacity);
    expect(expectedAreas(baseline, 'packets').map((a) => a.key)).toEqual(['outbound']);
    expect(expectedAreas(null, 'bytes')).toEqual([]);
    expect(asBaseline({ oops: true })).toEqual({ version: '', series: new Map() });
  });
});
