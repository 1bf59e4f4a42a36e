import { describe, expect, it } from 'vitest';
import { emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import { ANOMALY_VERSION, type Anomaly } from '../../model/index.ts';
import { anomaliesNewestFirst, applyMessage, createLiveState, markSeen, MAX_WINDOWS_PER_CHANNEL, putTrainingJob } from '../../ui/src/liveState.ts';
import { topTalkers } from '../../ui/src/hostTotals.ts';

function anomaly(id: string, over: Partial<Anomaly> = {}): Anomaly {
  return {
    version: ANOMALY_VERSION, id, sensor: 's1', kind: 'outbound-spike', start: 1000, end: 2000, peakAt: 1000, windows: 1,
    ongoing: false, detectedAt: 2000, subject: { localHost: '10.0.0.5' },
    observed: { feature: 'outbound.bytes', value: 9e6, unit: 'bytes' }, expected: { low: 1e5, high: 4e5, median: 2e5 },
    contributions: [], score: 12, severity: 80, level: 'high', maturity: 0.9, captureLoss: false,
    summary: 'outbound spike', modelVersion: 'v1', status: 'open', ...over,
  };
}

function windowAt(start: number, sensor = 's1', outBytes = 100): WindowStats {
  const w = emptyWindowStats(sensor, start, 1000);
  w.directions.outbound.bytes = outBytes;
  return w;
}

describe('ui live state', () => {
  it('keeps windows ordered by start, replaces a repeated window and caps the ring', () => {
    const s = createLiveState();
    let id = 0;
    for (const t of [3000, 1000, 2000, 2000]) applyMessage(s, { type: 'window', id: ++id, channel: 'live', data: windowAt(t, 's1', t) });
    const w = s.channels.get('live')!.windows;
    expect(w.map((x) => x.start)).toEqual([1000, 2000, 3000]);
    expect(s.lastId).toBe(4);
    for (let i = 0; i < MAX_WINDOWS_PER_CHANNEL + 10; i++) applyMessage(s, { type: 'window', id: ++id, channel: 'live', data: windowAt(10_000 + i * 1000) });
    expect(w.length).toBe(MAX_WINDOWS_PER_CHANNEL);
    expect(w[w.length - 1].start).toBe(10_000 + (MAX_WINDOWS_PER_CHANNEL + 9) * 1000);
  });

  it('follows a restarted server\'s numbering after hello', () => {
    const s = createLiveState();
    applyMessage(s, { type: 'window', id: 500, channel: 'live', data: windowAt(1000) });
    applyMessage(s, { type: 'hello', user: 'u', role: 'viewer', serverTime: 0, lastId: 520 });
    expect(s.lastId).toBe(500);
    applyMessage(s, { type: 'hello', user: 'u', role: 'viewer', serverTime: 0, lastId: 3 });
    expect(s.lastId).toBe(3);
  });

  it('keeps channels apart: a replay never shows in live', () => {
    const s = createLiveState();
    applyMessage(s, { type: 'anomaly', id: 1, channel: 'replay:r1', data: anomaly('a1') });
    expect(anomaliesNewestFirst(s, 'live')).toEqual([]);
    expect(anomaliesNewestFirst(s, 'replay:r1').map((a) => a.id)).toEqual(['a1']);
  });

  it('marks open high/critical anomalies unseen until opened, and status changes clear it', () => {
    const s = createLiveState();
    expect(applyMessage(s, { type: 'anomaly', id: 1, channel: 'live', data: anomaly('hi') })).toMatchObject({ kind: 'anomaly', isNew: true });
    applyMessage(s, { type: 'anomaly', id: 2, channel: 'live', data: anomaly('lo', { level: 'low' }) });
    applyMessage(s, { type: 'anomaly', id: 3, channel: 'live', data: anomaly('crit', { level: 'critical' }) });
    expect([...s.unseen].sort()).toEqual(['crit', 'hi']);
    markSeen(s, 'hi');
    expect([...s.unseen]).toEqual(['crit']);
    // an update of a seen incident does not make it unseen again
    expect(applyMessage(s, { type: 'anomaly', id: 4, channel: 'live', data: anomaly('hi', { windows: 2 }) })).toMatchObject({ isNew: false });
    expect(s.unseen.has('hi')).toBe(false);
    applyMessage(s, { type: 'anomaly-status', id: 5, channel: 'live', anomalyId: 'crit', status: 'acknowledged', user: 'ana', action: 'acknowledge', at: 5 });
    expect(s.channels.get('live')!.anomalies.get('crit')!.status).toBe('acknowledged');
    expect(s.unseen.size).toBe(0);
  });

  it('lists anomalies newest first by detection time', () => {
    const s = createLiveState();
    applyMessage(s, { type: 'anomaly', id: 1, channel: 'live', data: anomaly('old', { detectedAt: 10 }) });
    applyMessage(s, { type: 'anomaly', id: 2, channel: 'live', data: anomaly('new', { detectedAt: 30 }) });
    applyMessage(s, { type: 'anomaly', id: 3, channel: 'live', data: anomaly('mid', { detectedAt: 20 }) });
    expect(anomaliesNewestFirst(s, 'live').map((a) => a.id)).toEqual(['new', 'mid', 'old']);
  });

  it('counts dropped windows, records health and training, and asks for a resync', () => {
    const s = createLiveState();
    expect(applyMessage(s, { type: 'dropped', windows: 7 })).toEqual({ kind: 'none' });
    expect(s.droppedWindows).toBe(7);
    expect(applyMessage(s, { type: 'resync', reason: 'too old' })).toEqual({ kind: 'resync' });
    applyMessage(s, { type: 'training', id: 9, channel: 'live', job: { id: 'j1', state: 'running', progress: 0.5, message: 'epoch 5', startedAt: 1 } });
    expect(s.training.get('j1')!.progress).toBe(0.5);
    expect(s.lastId).toBe(9);
  });

  it('never lets a stale training job view replace a newer one', () => {
    const s = createLiveState();
    const job = { id: 'j', state: 'running' as const, progress: 0.2, message: 'a', startedAt: 1 };
    applyMessage(s, { type: 'training', id: 1, channel: 'live', job: { ...job, state: 'done', progress: 1, version: 'v2' } });
    putTrainingJob(s, job);
    expect(s.training.get('j')!.state).toBe('done');
    putTrainingJob(s, { ...job, id: 'k', progress: 0.5 });
    putTrainingJob(s, { ...job, id: 'k', progress: 0.3 });
    expect(s.training.get('k')!.progress).toBe(0.5);
    putTrainingJob(s, { ...job, id: 'k', state: 'failed', progress: 0.5 });
    expect(s.training.get('k')!.state).toBe('failed');
  });

  it('sums top talkers over recent windows only', () => {
    const a = windowAt(1000);
    a.topLocalHosts = [{ host: '10.0.0.1', bytesOut: 10, bytesIn: 1, packetsOut: 1, packetsIn: 1, flows: 1, flowsStarted: 1, peers: 1, dstPorts: 1, tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0 }];
    const b = windowAt(2000);
    b.topLocalHosts = [
      { ...a.topLocalHosts[0], bytesOut: 5 },
      { ...a.topLocalHosts[0], host: '10.0.0.2', bytesOut: 100 },
    ];
    expect(topTalkers([a, b], 0).map((h) => [h.host, h.bytesOut])).toEqual([['10.0.0.2', 100], ['10.0.0.1', 15]]);
    expect(topTalkers([a, b], 1500).map((h) => [h.host, h.bytesOut])).toEqual([['10.0.0.2', 100], ['10.0.0.1', 5]]);
  });
});
