import { describe, expect, it } from 'vitest';
import { emptyWindowStats } from '../../capture/index.ts';
import { ANOMALY_VERSION, type Anomaly } from '../../model/index.ts';
import type { WindowStats } from '../../capture/index.ts';
import { bandsFor, featureValue, metricOfFeature, observedSeries, ratesFromWindows } from '../../ui/src/series.ts';
import { resolutionFor } from '../../ui/src/resolution.ts';

const anomalyBase: Anomaly = {
  version: ANOMALY_VERSION, id: 'a', sensor: 's1', kind: 'outbound-spike', start: 0, end: 4000, peakAt: 0, windows: 2,
  ongoing: false, detectedAt: 0, subject: {}, observed: { feature: 'outbound.bytes', value: 1, unit: 'bytes' },
  expected: { low: 1000, high: 3000, median: 2000 }, contributions: [], score: 1, severity: 1, level: 'low',
  maturity: 1, captureLoss: false, summary: '', modelVersion: 'v', status: 'open',
};

describe('ui chart series', () => {
  it('turns windows into per-second rates summed over sensors, per direction', () => {
    const a = emptyWindowStats('s1', 0, 2000);
    a.directions.outbound.bytes = 4000;
    a.directions.outbound.packets = 10;
    const b = emptyWindowStats('s2', 0, 1000);
    b.directions.outbound.bytes = 500;
    b.directions.inbound.bytes = 300;
    const c = emptyWindowStats('s1', 2000, 2000);
    c.directions.internal.bytes = 2000;
    const all = ratesFromWindows([c, b, a]);
    expect(all.map((p) => p.t)).toEqual([0, 2000]);
    expect(all[0].bytes.outbound).toBe(2000 + 500);
    expect(all[0].bytes.inbound).toBe(300);
    expect(all[0].packets.outbound).toBe(5);
    expect(all[1].bytes.internal).toBe(1000);
    expect(ratesFromWindows([a, b, c], 's2').map((p) => p.bytes.outbound)).toEqual([500]);
  });

  it('reads features by path or camel case, and not unknown ones', () => {
    const w = emptyWindowStats('s1', 0, 1000);
    w.directions.outbound.bytes = 77;
    w.dns.nxdomain = 3;
    w.services.dns.packets = 9;
    expect(featureValue(w, 'outbound.bytes')).toBe(77);
    expect(featureValue(w, 'directions.outbound.bytes')).toBe(77);
    expect(featureValue(w, 'outboundBytes')).toBe(77);
    expect(featureValue(w, 'outbound_bytes')).toBe(77);
    expect(featureValue(w, 'dns.nxdomain')).toBe(3);
    expect(featureValue(w, 'dnsPackets')).toBe(9);
    expect(featureValue(w, 'no.such.feature')).toBeUndefined();
  });

  it('puts expected bands on the chart of their unit, as rates', () => {
    const base: Anomaly = {
      version: ANOMALY_VERSION, id: 'a', sensor: 's1', kind: 'outbound-spike', start: 0, end: 4000, peakAt: 0, windows: 2,
      ongoing: false, detectedAt: 0, subject: {}, observed: { feature: 'outbound.bytes', value: 1, unit: 'bytes' },
      expected: { low: 1000, high: 3000, median: 2000 }, contributions: [], score: 1, severity: 1, level: 'low',
      maturity: 1, captureLoss: false, summary: '', modelVersion: 'v', status: 'open',
    };
    expect(metricOfFeature('outbound.packets', 'packets/s')).toBe('packets');
    expect(metricOfFeature('inbound.bytes', 'bytes/s')).toBe('bytes');
    // per-host and non-traffic features do not belong on the direction totals
    expect(metricOfFeature('host.payloadOut', 'bytes/s')).toBeNull();
    expect(metricOfFeature('dns.nxdomain', 'answers')).toBeNull();
    // two 2 s windows: per-window totals become per-second rates
    expect(bandsFor([base], 'bytes')).toEqual([{ from: 0, to: 4000, low: 500, high: 1500, level: 'low' }]);
    expect(bandsFor([base], 'packets')).toEqual([]);
    const rate = { ...base, observed: { feature: 'outbound.bytes', value: 1, unit: 'bytes/s' } };
    expect(bandsFor([rate], 'bytes')[0]).toMatchObject({ low: 1000, high: 3000 });
  });

  it('follows the headline feature per host or remote, and says when it uses a stand-in', () => {
    const mk = (start: number, out: number): WindowStats => {
      const w = emptyWindowStats('s1', start, 2000);
      w.topLocalHosts = [{ host: '10.0.0.5', bytesOut: out, bytesIn: 1, packetsOut: 1, packetsIn: 1, flows: 3, flowsStarted: 1, peers: 2, dstPorts: 1, tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0 }];
      w.topRemoteEndpoints = [{ host: '198.51.100.66', bytesOut: out, bytesIn: 0, packets: 1, flows: 1, localHosts: 1, topPort: 443 }];
      return w;
    };
    const ws = [mk(2000, 800), mk(0, 400)];
    const a = { ...anomalyBase, subject: { localHost: '10.0.0.5', remote: '198.51.100.66' }, observed: { feature: 'host.payloadOut', value: 1, unit: 'bytes/s' } };
    const standIn = observedSeries(a, ws);
    expect(standIn.exact).toBe(false);
    expect(standIn.points).toEqual([{ t: 0, v: 200 }, { t: 2000, v: 400 }]);
    expect(observedSeries({ ...a, observed: { feature: 'host.peers', value: 1, unit: 'peers' } }, ws)).toMatchObject({ exact: true, points: [{ t: 0, v: 2 }, { t: 2000, v: 2 }] });
    // bytes sent to a new destination are a running total, as the finding counts them
    expect(observedSeries({ ...a, observed: { feature: 'remote.bytesOut', value: 1, unit: 'bytes' } }, ws).points.map((p) => p.v)).toEqual([400, 1200]);
    // a host's bytes per minute: the sum over the trailing minute of its windows
    expect(observedSeries({ ...a, observed: { feature: 'host.payloadOutPerMinute', value: 1, unit: 'bytes/min' } }, ws)).toMatchObject({ exact: false, bandApplies: true, points: [{ t: 0, v: 400 }, { t: 2000, v: 1200 }] });
    // a scanner's distinct ports and peers come from its host table
    expect(observedSeries({ ...a, kind: 'scan', observed: { feature: 'scan.distinctPorts', value: 1, unit: 'ports' } }, ws).points.map((p) => p.v)).toEqual([1, 1]);
    expect(observedSeries({ ...a, kind: 'scan', observed: { feature: 'scan.distinctTargets', value: 1, unit: 'hosts' } }, ws).points.map((p) => p.v)).toEqual([2, 2]);
  });

  it('asks for 1 s windows under an hour, 1 min roll-ups under three days, 1 h beyond', () => {
    const h = 3_600_000;
    expect(resolutionFor(0, h - 1)).toBe('1s');
    expect(resolutionFor(0, h)).toBe('1m');
    expect(resolutionFor(0, 72 * h - 1)).toBe('1m');
    expect(resolutionFor(0, 72 * h)).toBe('1h');
  });
});
