// Deterministic WindowStats and Anomaly records with every field set, for the store's tests.
import { DIRECTIONS, SERVICES, emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';

export function syntheticWindow(sensor: string, start: number, seed: number, durationMs = 1_000): WindowStats {
  const w = emptyWindowStats(sensor, start, durationMs);
  DIRECTIONS.forEach((d, i) => {
    const base = seed * 7 + i * 3 + 1;
    Object.assign(w.directions[d], {
      packets: base * 10, bytes: base * 1500, flowsStarted: base, flowsActive: base + 2, remoteHosts: (base % 13) + 1,
      remotePorts: (base % 7) + 1, tcpSyn: base % 5, tcpSynAck: base % 4, tcpRst: base % 3, tcpSynUnanswered: base % 2,
      icmpUnreachable: i, dnsQueries: base % 11, dnsResponses: base % 10, dnsNxdomain: base % 3,
    });
  });
  SERVICES.forEach((s, i) => { w.services[s] = { packets: seed + i, bytes: (seed + i) * 100, flows: i }; });
  w.topLocalHosts = [0, 1, 2].map((k) => ({
    host: `10.0.0.${(seed + k) % 5 + 1}`, bytesOut: 1000 - k * 100 + seed, bytesIn: 500 + k, packetsOut: 10 + k,
    packetsIn: 20 + k, flows: 3 + k, flowsStarted: 1 + k, peers: 2 + k, dstPorts: 1 + k, tcpSyn: k, tcpSynUnanswered: 0,
    tcpRstReceived: k, dnsQueries: k * 2, dnsNxdomain: k,
  }));
  w.topRemoteEndpoints = [0, 1].map((k) => ({
    host: `203.0.113.${(seed * 3 + k) % 250 + 1}`, bytesOut: 900 - k, bytesIn: 400 + k, packets: 12 + k, flows: 2 + k,
    localHosts: 1 + k, topPort: k === 0 ? 443 : 53,
  }));
  w.flowStarts = [{ ts: start + 17, direction: 'outbound', proto: 'tcp', local: '10.0.0.1', remote: '203.0.113.9', port: 443 }];
  w.flowStartsDropped = seed % 2;
  w.dns = {
    queries: 5, responses: 4, nxdomain: 1, nameLengthMean: 12.5, nameLengthMax: 30, labelEntropyMean: 2.75,
    names: [{ name: `odd "name", with=space\\ ${seed}.example`, client: '10.0.0.2', queries: 2, nxdomain: 1, qtype: 16 }],
    namesDropped: 0,
  };
  w.health = {
    packetsSeen: seed * 40, packetsDropped: seed % 3, packetsIfDropped: 0, decodeErrors: seed % 2, flowEvictions: 0,
    flowsTracked: 100 + seed, lossRatio: (seed % 3) / (seed * 40 + (seed % 3) || 1), storeDropped: 0,
  };
  return w;
}

export function syntheticAnomaly(id: string, sensor: string, start: number): Anomaly {
  return {
    version: 1, id, sensor, kind: 'outbound-spike', start, end: start + 5_000, peakAt: start + 2_000, windows: 5,
    ongoing: true, detectedAt: start + 6_000, subject: { localHost: '10.0.0.7', remote: '198.51.100.4', port: 443 },
    observed: { feature: 'outbound.bytes', value: 1.5e7, unit: 'bytes' }, expected: { low: 1e5, high: 2e6, median: 6e5 },
    contributions: [{ feature: 'outbound.bytes', observed: 1.5e7, expected: 6e5, share: 0.8 }],
    score: 12.5, severity: 72, level: 'high', maturity: 0.9, captureLoss: false,
    summary: '10.0.0.7 sent 15 MB out, "25×" its usual', modelVersion: 'v1', status: 'open',
  };
}
