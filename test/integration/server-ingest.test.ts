// /api/v1/ingest under sensors that send what they should not: every record is checked against
// the strict record schemas and the token's sensor binding; a refused record gets an error on its
// socket and a count in /status, and the connection, the server and the viewers' feed go on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerSink } from '../../bin/sinks/server.ts';
import { startServer, type StartedServer } from '../../server/index.ts';
import { ofType, openStream, type StreamProbe } from '../helpers/streamProbe.ts';
import { makeAnomaly, makeWindow } from '../unit/server-fixtures.ts';

interface IngestReply { type: string; seq?: number; reason?: string; message?: string }
interface IngestStatus { windows: number; anomalies: number; health: number; refused: number; refusedBy: Record<string, number>; sensors: number }

const replies = (p: StreamProbe): IngestReply[] => p.messages as unknown as IngestReply[];

describe('ingest validation and sensor binding', () => {
  let srv: StartedServer;
  let varDir: string;
  const tokens: Record<string, string> = {};

  const status = async (): Promise<IngestStatus> => {
    const res = await fetch(`${srv.url}/api/v1/status`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    return ((await res.json()) as { ingest: IngestStatus }).ingest;
  };

  /** an authenticated ingest connection; resolves once the server said ready */
  const sensor = async (token: string): Promise<{ probe: StreamProbe; send(type: string, data: unknown): number; sendRaw(text: string): void }> => {
    const probe = openStream(srv.url, 'ingest', { type: 'auth', token, session: `s-${Math.random()}` });
    await probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ready'), 'ready');
    let seq = 0;
    return {
      probe,
      send: (type, data) => { probe.ws.send(JSON.stringify({ type, seq: ++seq, data })); return seq; },
      sendRaw: (text) => probe.ws.send(text),
    };
  };

  beforeAll(async () => {
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-ingest-'));
    srv = await startServer({ varDir, uiDir: null, port: 0, announceToken: () => {}, sensorLimits: { maxSensors: 4 } });
    tokens.viewer = srv.app.spanwatch.users.add('viewer-i', 'viewer');
    tokens.bound = srv.app.spanwatch.users.add('probe', 'sensor', { sensors: ['span1', 'span2'] });
    tokens.unbound = srv.app.spanwatch.users.add('span9', 'sensor');
  });
  afterAll(async () => {
    await srv.close();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('refuses a window whose directions are {} with an error on the socket, counts it, and takes the next window', async () => {
    const before = await status();
    const s = await sensor(tokens.bound);
    const bad = { ...makeWindow('span1', 1_700_000_000_000), directions: {} };
    const badSeq = s.send('window', bad);
    s.send('window', makeWindow('span1', 1_700_000_001_000));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ack' && r.seq === 2), 'ack 2');
    const error = replies(s.probe).find((r) => r.type === 'error')!;
    expect(error).toMatchObject({ seq: badSeq, reason: 'invalid' });
    expect(error.message).toContain('directions');
    const after = await status();
    expect(after.refusedBy.invalid - before.refusedBy.invalid).toBe(1);
    expect(after.windows - before.windows).toBe(1);
    expect(s.probe.ws.readyState).toBe(1);
    s.probe.ws.close();
  });

  it('refuses an anomaly without observed, and viewers still get the next anomaly', async () => {
    const viewer = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['span1'] });
    await viewer.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    const s = await sensor(tokens.bound);
    const { observed: _o, ...withoutObserved } = makeAnomaly({ id: 'no-observed', sensor: 'span1' });
    s.send('anomaly', withoutObserved);
    s.send('anomaly', makeAnomaly({ id: 'fine-after', sensor: 'span1' }));
    await viewer.waitFor((m) => ofType(m, 'anomaly').some((a) => a.data.id === 'fine-after'), 'the valid anomaly');
    expect(ofType(viewer.messages, 'anomaly').map((a) => a.data.id)).toEqual(['fine-after']);
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'error'), 'error');
    expect(replies(s.probe).find((r) => r.type === 'error')!.message).toContain('observed');
    viewer.ws.close();
    s.probe.ws.close();
  });

  it('refuses extra fields (suppressedBy), retyped values (no coercion) and oversized text', async () => {
    const before = await status();
    const s = await sensor(tokens.bound);
    s.send('anomaly', { ...makeAnomaly({ id: 'sneaky', sensor: 'span1' }), suppressedBy: 'x' });
    s.send('window', { ...makeWindow('span1', 1_700_000_002_000), start: '1700000002000' });
    s.send('anomaly', makeAnomaly({ id: 'long', sensor: 'span1', summary: 'x'.repeat(5_000) }));
    s.send('health', { sensor: 'span1', lastSeen: 1, packetsPerSecond: -1, health: makeWindow('span1', 0).health, storeBacklog: 0, modelVersion: null });
    s.send('window', { ...makeWindow('span1', 1_700_000_003_000), topLocalHosts: Array.from({ length: 1_001 }, () => makeWindow('span1', 0, 1).topLocalHosts[0]) });
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).filter((r) => r.type === 'error').length === 5, '5 errors');
    const messages = replies(s.probe).filter((r) => r.type === 'error').map((r) => r.message!);
    expect(messages[0]).toContain("unknown field 'suppressedBy'");
    expect(messages[1]).toContain('start must be number');
    expect(srv.app.spanwatch.book.get('sneaky')).toBeUndefined();
    expect(srv.app.spanwatch.book.get('long')).toBeUndefined();
    const after = await status();
    expect(after.refusedBy.invalid - before.refusedBy.invalid).toBe(5);
    s.probe.ws.close();
  });

  it('a sensor token sends only for the sensors it is bound to; an unbound token only for its own name', async () => {
    const before = await status();
    const s = await sensor(tokens.bound);
    s.send('window', makeWindow('span2', 1_700_000_004_000));
    s.send('window', makeWindow('span3', 1_700_000_004_000));
    s.send('anomaly', makeAnomaly({ id: 'posing', sensor: 'span9' }));
    const u = await sensor(tokens.unbound);
    u.send('window', makeWindow('span9', 1_700_000_004_000));
    u.send('window', makeWindow('span1', 1_700_000_005_000));
    // an anomaly id another sensor already owns cannot be overwritten
    u.send('anomaly', makeAnomaly({ id: 'fine-after', sensor: 'span9' }));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).filter((r) => r.type === 'error').length === 2, '2 errors');
    await u.probe.waitFor((m) => replies({ messages: m } as StreamProbe).filter((r) => r.type === 'error').length === 2, '2 errors');
    expect(replies(s.probe).filter((r) => r.type === 'error').every((r) => r.reason === 'sensor')).toBe(true);
    expect(replies(s.probe).find((r) => r.type === 'error')!.message).toContain('span1, span2');
    const after = await status();
    expect(after.refusedBy.sensor - before.refusedBy.sensor).toBe(4);
    expect(after.windows - before.windows).toBe(2);
    expect(srv.app.spanwatch.book.get('posing')).toBeUndefined();
    expect(srv.app.spanwatch.book.get('fine-after')!.sensor).toBe('span1');
    s.probe.ws.close();
    u.probe.ws.close();
  });

  it('the sensor-side transport reports refusals instead of dropping them silently', async () => {
    const errors: string[] = [];
    const sink = new ServerSink({ url: srv.url, token: tokens.unbound, onError: (m) => errors.push(m) });
    sink.window(makeWindow('not-mine', 1_700_000_010_000));
    sink.window(makeWindow('span9', 1_700_000_011_000));
    await sink.flushed(10_000);
    await sink.close();
    expect(sink.refused).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('refused record 1 (sensor)');
    expect(errors[0]).toContain("not for sensor 'not-mine'");
  });

  it('a record whose handling throws is refused as failed, and the connection and server go on', async () => {
    const feed = srv.app.spanwatch.feed;
    const window = feed.window.bind(feed);
    // a bug anywhere behind the feed, stood in for by a throwing window handler
    feed.window = () => { throw new Error('a bug behind the feed'); };
    const s = await sensor(tokens.bound);
    try {
      s.send('window', makeWindow('span1', 1_700_000_012_000));
      await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'error'), 'error');
    } finally {
      feed.window = window;
    }
    expect(replies(s.probe).find((r) => r.type === 'error')).toMatchObject({ seq: 1, reason: 'failed' });
    const before = (await status()).windows;
    s.send('window', makeWindow('span1', 1_700_000_013_000));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ack' && r.seq === 2), 'ack 2');
    expect((await status()).windows - before).toBe(1);
    expect((await status()).refusedBy.failed).toBe(1);
    s.probe.ws.close();
  });

  it('garbage after auth is refused and counted without closing the connection', async () => {
    const before = await status();
    const s = await sensor(tokens.bound);
    s.sendRaw('not json');
    s.sendRaw('[1,2,3]');
    s.sendRaw(JSON.stringify({ type: 'window', data: makeWindow('span1', 1_700_000_006_000) }));
    s.sendRaw(JSON.stringify({ type: 'shutdown', seq: 1 }));
    s.send('window', makeWindow('span1', 1_700_000_007_000));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ack' && r.seq === 1), 'ack');
    const after = await status();
    expect(after.refusedBy.malformed - before.refusedBy.malformed).toBe(3);
    expect(after.refusedBy.invalid - before.refusedBy.invalid).toBe(1);
    expect(after.windows - before.windows).toBe(1);
    s.probe.ws.close();
  });

  it('tracks at most maxSensors sensors, refuses the next, and admits again once one expired', async () => {
    const registry = srv.app.spanwatch.sensors;
    const token = srv.app.spanwatch.users.add('fleet', 'sensor', { sensors: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'] });
    const s = await sensor(token);
    for (let i = 1; i <= 6; i++) s.send('window', makeWindow(`f${i}`, 1_700_000_008_000));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ack' && r.seq === 6), 'ack 6');
    expect(registry.size).toBe(4);
    const refused = replies(s.probe).filter((r) => r.type === 'error');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((r) => r.reason === 'capacity')).toBe(true);
    // a day later every sensor is forgotten, also from the recent history
    const forgotten = registry.expire(Date.now() + 86_400_000);
    expect(forgotten).toBe(4);
    expect(registry.size).toBe(0);
    expect(await srv.app.spanwatch.recent.windows({ from: 0, to: 2e12, resolution: '1s', limit: 100 })).toEqual([]);
    s.send('window', makeWindow('f6', 1_700_000_009_000));
    await s.probe.waitFor((m) => replies({ messages: m } as StreamProbe).some((r) => r.type === 'ack' && r.seq === 7), 'ack 7');
    expect(registry.list().map((x) => x.sensor)).toEqual(['f6']);
    s.probe.ws.close();
  });
});
