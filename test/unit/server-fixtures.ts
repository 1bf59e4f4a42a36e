// Shared builders for the server tests: records shaped like the real contracts, a server on a
// fresh var/ directory with one token per role.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import { ANOMALY_VERSION, type Anomaly } from '../../model/index.ts';
import { buildServer, type Role, type ServerOptions, type SpanwatchServer } from '../../server/index.ts';

export function makeWindow(sensor: string, start: number, packets = 10): WindowStats {
  const w = emptyWindowStats(sensor, start, 1000);
  w.directions.outbound.packets = packets;
  w.directions.outbound.bytes = packets * 100;
  w.health.packetsSeen = packets;
  w.topLocalHosts.push({
    host: '10.0.0.5', bytesOut: packets * 100, bytesIn: 50, packetsOut: packets, packetsIn: 1, flows: 2, flowsStarted: 1,
    peers: 3, dstPorts: 2, tcpSyn: 1, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0,
  });
  return w;
}

export function makeAnomaly(over: Partial<Anomaly> = {}): Anomaly {
  const start = over.start ?? 1_700_000_000_000;
  return {
    version: ANOMALY_VERSION,
    id: 'a-1',
    sensor: 's1',
    kind: 'outbound-spike',
    start,
    end: start + 1000,
    peakAt: start,
    windows: 1,
    ongoing: false,
    detectedAt: start + 1500,
    subject: { localHost: '10.0.0.5', remote: '203.0.113.9' },
    observed: { feature: 'outbound.bytes', value: 9e6, unit: 'B' },
    expected: { low: 0, high: 1e5, median: 4e4 },
    contributions: [{ feature: 'outbound.bytes', observed: 9e6, expected: 4e4, share: 0.9 }],
    score: 12,
    severity: 80,
    level: 'high',
    maturity: 1,
    captureLoss: false,
    summary: '10.0.0.5 sent 9 MB to 203.0.113.9, far above its usual 40 kB',
    modelVersion: 'v1',
    status: 'open',
    ...over,
  };
}

export interface TestServer {
  app: SpanwatchServer;
  varDir: string;
  tokens: Record<Role, string>;
  auth(role: Role): { authorization: string };
  cleanup(): Promise<void>;
}

export async function testServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-server-'));
  const app = await buildServer({ varDir, uiDir: null, authFailuresPerMinute: 1_000, ...opts });
  await app.ready();
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'analyst', 'admin', 'sensor'] as Role[]) tokens[role] = app.spanwatch.users.add(`${role}1`, role);
  return {
    app, varDir, tokens,
    auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    cleanup: async () => {
      await app.close();
      rmSync(varDir, { recursive: true, force: true });
    },
  };
}
