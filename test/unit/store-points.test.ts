import { describe, expect, it } from 'vitest';
import { emptyWindowStats } from '../../capture/index.ts';
import {
  anomalyToPoint, nanoTimestamp, pointToAnomaly, pointsToWindowStats, subMsOffset, toLine, windowStatsToPoints,
  retentionToInfluxQl, type StorePoint,
} from '../../store/index.ts';
import { syntheticAnomaly, syntheticWindow } from '../../datasets/synthetic/index.ts';

/** What InfluxDB hands back: the same tags and fields (ints as numbers), time in ms. */
function asRead(points: StorePoint[]): StorePoint[] {
  return points.map((p) => JSON.parse(JSON.stringify({ ...p, subMsNs: undefined })) as StorePoint);
}

describe('line protocol', () => {
  it('escapes tags and strings, types ints, and writes ns timestamps', () => {
    const line = toLine({
      measurement: 'local_hosts', tags: { sensor: 'a b,c=d', host: '10.0.0.1' },
      fields: { rank: 2, bytesOut: 10.4, nope: Number.NaN }, time: 1_700_000_000_123,
    });
    expect(line).toBe('local_hosts,host=10.0.0.1,sensor=a\\ b\\,c\\=d rank=2i,bytesOut=10i 1700000000123000000');
    const s = toLine({ measurement: 'dns', tags: { sensor: 's' }, fields: { names: 'say "hi"\\\nbye', nameLengthMean: 2 }, time: 5 });
    expect(s).toBe('dns,sensor=s names="say \\"hi\\"\\\\\\nbye",nameLengthMean=2 5000000');
  });

  it('leaves out a point without writable fields and empty tags', () => {
    expect(toLine({ measurement: 'traffic', tags: { sensor: 's' }, fields: { packets: Number.POSITIVE_INFINITY }, time: 1 })).toBeUndefined();
    expect(toLine({ measurement: 'traffic', tags: { sensor: 's', direction: '' }, fields: { packets: 1 }, time: 1 })).toBe('traffic,sensor=s packets=1i 1000000');
  });

  it('gives an id a stable sub-millisecond offset', () => {
    expect(subMsOffset('abc')).toBe(subMsOffset('abc'));
    expect(subMsOffset('abc')).not.toBe(subMsOffset('abd'));
    expect(nanoTimestamp({ measurement: 'x', tags: {}, fields: {}, time: 1000, subMsNs: 42 })).toBe('1000000042');
  });
});

describe('WindowStats ⇄ points', () => {
  it('round-trips every field', () => {
    const windows = [syntheticWindow('s1', 1_700_000_000_000, 3), syntheticWindow('s2', 1_700_000_000_000, 4), syntheticWindow('s1', 1_700_000_001_000, 5)];
    const back = pointsToWindowStats(asRead(windows.flatMap(windowStatsToPoints)));
    const expected = [...windows].sort((a, b) => a.start - b.start || a.sensor.localeCompare(b.sensor));
    expect(back).toEqual(expected);
  });

  it('leaves quiet directions and services out and reads them back as zeros', () => {
    const w = syntheticWindow('s1', 1_700_000_000_000, 2);
    w.directions.other = emptyWindowStats('s1', 0, 1000).directions.other;
    w.services.smb = { packets: 0, bytes: 0, flows: 0 };
    const pts = windowStatsToPoints(w);
    expect(pts.filter((p) => p.measurement === 'traffic').map((p) => p.tags.direction)).toEqual(['outbound', 'inbound', 'internal']);
    expect(pts.some((p) => p.tags.service === 'smb')).toBe(false);
    expect(pointsToWindowStats(asRead(pts))).toEqual([w]);
    const empty = emptyWindowStats('s1', 1_700_000_000_000, 1000);
    expect(windowStatsToPoints(empty).map((p) => p.measurement)).toEqual(['capture_health', 'dns']);
    expect(pointsToWindowStats(asRead(windowStatsToPoints(empty)))).toEqual([empty]);
  });

  it('keeps remote endpoints out of the tags', () => {
    const pts = windowStatsToPoints(syntheticWindow('s1', 0, 1));
    for (const p of pts) for (const v of Object.values(p.tags)) expect(v.startsWith('203.0.113.')).toBe(false);
    expect(pts.filter((p) => p.measurement === 'remote_endpoints').map((p) => p.tags.rank)).toEqual(['0', '1']);
  });

  it('cuts an oversized flow-start list below InfluxDB\'s string limit and counts the cut', () => {
    const w = syntheticWindow('s1', 0, 1);
    w.flowStarts = Array.from({ length: 3000 }, (_, i) => ({ ts: i, direction: 'inbound' as const, proto: 'udp' as const, local: `10.1.${i >> 8}.${i & 255}`, remote: '192.0.2.1', port: 53 }));
    const fs = windowStatsToPoints(w).find((p) => p.measurement === 'flow_starts')!;
    expect((fs.fields.list as string).length).toBeLessThanOrEqual(60_000);
    const back = pointsToWindowStats(asRead(windowStatsToPoints(w)))[0]!;
    expect(back.flowStarts.length + back.flowStartsDropped - w.flowStartsDropped).toBe(3000);
    expect(back.flowStarts[10]).toEqual(w.flowStarts[10]);
  });
});

describe('Anomaly ⇄ point', () => {
  it('round-trips and lands status updates on the same series and timestamp', () => {
    const a = syntheticAnomaly('inc-1', 's1', 1_700_000_000_000);
    const p = anomalyToPoint(a);
    expect(pointToAnomaly(asRead([p])[0]!)).toEqual(a);
    const acked = anomalyToPoint({ ...a, status: 'acknowledged', level: 'critical', end: a.end + 1000 });
    expect(acked.tags).toEqual(p.tags);
    expect(nanoTimestamp(acked)).toBe(nanoTimestamp(p));
    expect(nanoTimestamp(anomalyToPoint({ ...a, id: 'inc-2' }))).not.toBe(nanoTimestamp(p));
  });
  it("round-trips a scan's targets and ports, and drops a stored list that is not one", () => {
    const a = { ...syntheticAnomaly('inc-3', 's1', 1_700_000_000_000), subject: { localHost: '10.0.0.7', port: 3389, targets: ['10.0.4.1', '10.0.4.2'], ports: [22, 3389] } };
    const p = anomalyToPoint(a);
    expect(pointToAnomaly(asRead([p])[0]!).subject).toEqual(a.subject);
    p.fields.targets = '["10.0.4.1", 7]';
    p.fields.ports = 'not json';
    expect(pointToAnomaly(asRead([p])[0]!).subject).toEqual({ localHost: '10.0.0.7', port: 3389 });
  });
});

describe('retention durations', () => {
  it('converts to InfluxQL and rejects nonsense', () => {
    expect(retentionToInfluxQl('7d', 'k')).toBe('168h');
    expect(retentionToInfluxQl('2y', 'k')).toBe('17520h');
    expect(retentionToInfluxQl('inf', 'k')).toBe('INF');
    expect(() => retentionToInfluxQl('7 days', 'retention raw')).toThrow(/retention raw: '7 days' is not a retention duration/);
  });
});
