// Alert delivery to receivers this test runs on loopback: a webhook that fails first, syslog over
// UDP and over TCP with octet-counting framing.
import { createServer, type IncomingMessage } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertPayload } from '../../server/index.ts';
import { makeAnomaly, testServer, type TestServer } from '../unit/server-fixtures.ts';

const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let s = '';
  req.on('data', (c) => { s += c; });
  req.on('end', () => resolve(s));
});

/** Splits an RFC 6587 octet-counted stream into messages. */
function octetFrames(buf: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(buf.subarray(i, sp).toString('ascii'));
    if (sp + 1 + len > buf.length) break;
    out.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    i = sp + 1 + len;
  }
  return out;
}

describe('alert delivery', () => {
  const webhookBodies: AlertPayload[] = [];
  let webhookAttempts = 0;
  const udpMessages: string[] = [];
  let tcpBytes = Buffer.alloc(0);
  const web = createServer(async (req, res) => {
    webhookAttempts++;
    const body = await readBody(req);
    if (webhookAttempts === 1) {
      res.writeHead(503).end();
      return;
    }
    webhookBodies.push(JSON.parse(body) as AlertPayload);
    res.writeHead(204).end();
  });
  const udp = createSocket('udp4');
  udp.on('message', (m) => udpMessages.push(m.toString('utf8')));
  const tcp = createTcpServer((sock) => sock.on('data', (d) => { tcpBytes = Buffer.concat([tcpBytes, d]); }));
  let tWeb: TestServer;
  let tTcp: TestServer;

  beforeAll(async () => {
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as AddressInfo).port;
    tWeb = await testServer({ alerts: { level: 'high', webhook: `http://127.0.0.1:${webPort}/hook`, webhookBackoffMs: 20, syslog: `udp://127.0.0.1:${udp.address().port}` } });
    tTcp = await testServer({ alerts: { level: 'medium', syslog: `tcp://127.0.0.1:${(tcp.address() as AddressInfo).port}` } });
  });
  afterAll(async () => {
    await tWeb.cleanup();
    await tTcp.cleanup();
    web.close();
    udp.close();
    tcp.close();
  });

  it('posts high anomalies to the webhook (retrying after a failure) and to syslog over UDP, once per incident unless the level rises', async () => {
    const feed = tWeb.app.spanwatch.feed;
    feed.anomaly(makeAnomaly({ id: 'al-1', level: 'high' }));
    feed.anomaly(makeAnomaly({ id: 'al-1', level: 'high', windows: 2 }));
    feed.anomaly(makeAnomaly({ id: 'al-low', level: 'medium' }));
    feed.anomaly(makeAnomaly({ id: 'al-1', level: 'critical', windows: 3 }));
    await tWeb.app.spanwatch.alerts.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(webhookAttempts).toBe(3);
    expect(webhookBodies.map((b) => [b.anomaly.id, b.reason, b.anomaly.level])).toEqual([['al-1', 'new', 'high'], ['al-1', 'escalated', 'critical']]);
    expect(udpMessages).toHaveLength(2);
    expect(udpMessages[0]).toMatch(/^<131>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ spanwatch - anomaly \[spanwatch@32473 id="al-1" sensor="s1" kind="outbound-spike" level="high" severity="80" reason="new" host="10.0.0.5" remote="203.0.113.9" attack="T1041,T1048,T1567"\] 10.0.0.5 sent/);
    expect(udpMessages[1]).toMatch(/^<130>1 /);
    const status = (await tWeb.app.inject({ url: '/api/v1/status', headers: tWeb.auth('viewer') })).json();
    expect(status.alerts).toMatchObject({ level: 'high', queued: 2, delivered: 4, failed: 0, deduplicated: 1 });
  });

  it('sends syslog over TCP with octet counting, escaping control characters from packet-derived text', async () => {
    const feed = tTcp.app.spanwatch.feed;
    feed.anomaly(makeAnomaly({ id: 'tcp-1', level: 'medium', summary: 'evil\nname "quoted" ]' , subject: { localHost: '10.0.0.7', domain: 'x' } }));
    feed.anomaly(makeAnomaly({ id: 'tcp-2', level: 'critical', subject: { localHost: 'a"b]c\\d' } }));
    feed.anomaly(makeAnomaly({ id: 'tcp-info', level: 'info' }));
    await tTcp.app.spanwatch.alerts.idle();
    await new Promise((r) => setTimeout(r, 200));
    const frames = octetFrames(tcpBytes);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('id="tcp-1"');
    expect(frames[0]).toMatch(/evil\\u000aname "quoted" \]$/);
    expect(frames[0]).not.toContain('\n');
    expect(frames[1]).toContain('host="a\\"b\\]c\\\\d"');
  });

  it('does not alert on suppressed anomalies', async () => {
    const before = tWeb.app.spanwatch.alerts.counters.queued;
    const add = await tWeb.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: tWeb.auth('admin'), payload: { scope: { kind: 'scan' }, reason: 'pentest week', durationMs: 60_000 } });
    expect(add.statusCode).toBe(201);
    tWeb.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'sup-al', kind: 'scan', level: 'critical' }));
    await tWeb.app.spanwatch.alerts.idle();
    expect(tWeb.app.spanwatch.alerts.counters.queued).toBe(before);
  });

  it('counts failures when the receiver is gone, without blocking the feed', async () => {
    const t = await testServer({ alerts: { level: 'low', webhook: 'http://127.0.0.1:1/hook', webhookRetries: 2, webhookBackoffMs: 10 } });
    try {
      for (let i = 0; i < 3; i++) t.app.spanwatch.feed.anomaly(makeAnomaly({ id: `gone-${i}` }));
      expect(t.app.spanwatch.feed.anomaliesIn).toBe(3);
      await t.app.spanwatch.alerts.idle();
      expect(t.app.spanwatch.alerts.counters).toMatchObject({ queued: 3, delivered: 0, failed: 3 });
      expect(t.app.spanwatch.alerts.counters.lastError).toContain('gave up after 3 attempts');
    } finally {
      await t.cleanup();
    }
  });
});
