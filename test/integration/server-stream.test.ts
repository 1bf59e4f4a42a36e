// The live stream over real sockets on loopback: sensors pushing through the ingest transport,
// browsers-like clients receiving, resuming, falling behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerSink } from '../../bin/sinks/server.ts';
import { startServer, type StartedServer } from '../../server/index.ts';
import { ofType, openStream } from '../helpers/streamProbe.ts';
import { makeAnomaly, makeWindow } from '../unit/server-fixtures.ts';

describe('server stream and ingest', () => {
  let srv: StartedServer;
  let varDir: string;
  let adminToken = '';
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-stream-'));
    srv = await startServer({
      varDir, uiDir: null, port: 0,
      announceToken: (text) => { adminToken = /swt_[A-Za-z0-9_-]{43}/.exec(text)?.[0] ?? ''; },
      stream: { authTimeoutMs: 300, heartbeatMs: 15_000, maxQueuedWindows: 64, maxQueuedCritical: 40, highWaterBytes: 64 * 1024, recentMessages: 200, recentAnomalies: 1000 },
    });
    tokens.viewer = srv.app.spanwatch.users.add('viewer-x', 'viewer');
    tokens.sensor = srv.app.spanwatch.users.add('sensor-x', 'sensor', { sensors: ['east', 'west', 'flaky'] });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('prints a first admin token once, and it works', async () => {
    expect(adminToken).toMatch(/^swt_/);
    const res = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await res.json()).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('refuses a missing auth message (4408), a bad token (4401) and the wrong role (4403)', async () => {
    expect((await openStream(srv.url, 'stream', null).closed).code).toBe(4408);
    expect((await openStream(srv.url, 'stream', { type: 'auth', token: 'swt_bad' }).closed).code).toBe(4401);
    expect((await openStream(srv.url, 'stream', { type: 'auth', token: tokens.sensor }).closed).code).toBe(4403);
    expect((await openStream(srv.url, 'ingest', { type: 'auth', token: tokens.viewer, session: 's' }).closed).code).toBe(4403);
    // a filter is bounded too: 2000 sensor names are more than any client needs
    const huge = await openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: Array.from({ length: 2_000 }, (_, i) => `s${i}`) }).closed;
    expect(huge.code).toBe(4400);
    expect(huge.reason).toContain('max 1024 names');
  });

  it('delivers windows and anomalies from two sensors through the ingest transport, ids strictly increasing', async () => {
    const client = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['east', 'west'] });
    await client.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    const east = new ServerSink({ url: srv.url, token: tokens.sensor });
    const west = new ServerSink({ url: srv.url, token: tokens.sensor });
    const t0 = 1_750_000_000_000;
    for (let i = 0; i < 5; i++) {
      east.window(makeWindow('east', t0 + i * 1000));
      west.window(makeWindow('west', t0 + i * 1000));
    }
    east.anomaly(makeAnomaly({ id: 'east-1', sensor: 'east' }));
    await Promise.all([east.close(), west.close()]);
    await client.waitFor((m) => ofType(m, 'window').length === 10 && ofType(m, 'anomaly').length === 1, '10 windows and 1 anomaly');
    const windows = ofType(client.messages, 'window');
    expect(windows.filter((w) => w.data.sensor === 'east').map((w) => w.data.start)).toEqual([0, 1, 2, 3, 4].map((i) => t0 + i * 1000));
    expect(windows.filter((w) => w.data.sensor === 'west')).toHaveLength(5);
    expect(ofType(client.messages, 'anomaly')[0]!.data.id).toBe('east-1');
    const ids = client.messages.filter((m) => 'id' in m).map((m) => (m as { id: number }).id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    client.ws.close();
  });

  it('the sensor client resends after a dropped connection without duplicates or loss', async () => {
    const before = srv.app.spanwatch.feed.windowsIn;
    const sink = new ServerSink({ url: srv.url, token: tokens.sensor, reconnectMs: 50 });
    const t0 = 1_760_000_000_000;
    for (let i = 0; i < 150; i++) sink.window(makeWindow('flaky', t0 + i * 1000));
    await new Promise((r) => setTimeout(r, 30));
    for (const c of srv.app.websocketServer.clients) c.terminate();
    for (let i = 150; i < 300; i++) sink.window(makeWindow('flaky', t0 + i * 1000));
    await sink.flushed(10_000);
    await sink.close();
    expect(srv.app.spanwatch.feed.windowsIn - before).toBe(300);
    const stored = await fetch(`${srv.url}/api/v1/windows?sensor=flaky&from=${t0}&to=${t0 + 400_000}&limit=1000`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    const starts = ((await stored.json()) as { windows: { start: number }[] }).windows.map((w) => w.start);
    expect(starts).toEqual(Array.from({ length: 300 }, (_, i) => t0 + i * 1000));
  });

  it('a reconnecting client gets exactly the anomalies it missed, even when the windows are gone', async () => {
    const feed = srv.app.spanwatch.feed;
    const first = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer });
    await first.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    feed.anomaly(makeAnomaly({ id: 'before-1', sensor: 'resume' }));
    await first.waitFor((m) => ofType(m, 'anomaly').some((a) => a.data.id === 'before-1'), 'before-1');
    const lastId = ofType(first.messages, 'anomaly').at(-1)!.id;
    first.ws.close();
    await first.closed;
    const missed: string[] = [];
    for (let i = 0; i < 12; i++) {
      for (let k = 0; k < 30; k++) feed.window(makeWindow('resume', 1_770_000_000_000 + (i * 30 + k) * 1000));
      feed.anomaly(makeAnomaly({ id: `missed-${i}`, sensor: 'resume' }));
      missed.push(`missed-${i}`);
    }
    // 360 windows: more than the 200 recent messages the server keeps, so only the anomaly buffer covers the gap
    const again = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, lastId });
    await again.waitFor((m) => ofType(m, 'anomaly').length >= 12, 'the missed anomalies');
    await new Promise((r) => setTimeout(r, 100));
    expect(ofType(again.messages, 'anomaly').map((a) => a.data.id)).toEqual(missed);
    expect(ofType(again.messages, 'resync')).toHaveLength(0);
    again.ws.close();

    const ancient = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, lastId: 10_000_000 });
    await ancient.waitFor((m) => ofType(m, 'resync').length === 1, 'resync for an id from before a restart');
    ancient.ws.close();
  });

  it('a resume with far more missed anomalies than a client may have queued is paged, in order, at the socket\'s pace', async () => {
    const feed = srv.app.spanwatch.feed;
    const first = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['paged'] });
    await first.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    const lastId = (first.messages[0] as { lastId: number }).lastId;
    first.ws.close();
    await first.closed;
    // 900 anomalies of ~15 kB: 22 times the 40 a client may have queued, and more than the kernel's socket buffers hold
    const missed = Array.from({ length: 900 }, (_, i) => `paged-${i}`);
    const contributions = Array.from({ length: 150 }, (_, k) => ({ feature: `host.feature${k}`, observed: k, expected: 1, share: 0.001 }));
    for (const id of missed) feed.anomaly(makeAnomaly({ id, sensor: 'paged', summary: 's'.repeat(3_000), contributions }));
    const again = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['paged'], lastId });
    const socket = (again.ws as unknown as { _socket: { pause(): void; resume(): void } });
    // stop reading right after the auth message went out
    await new Promise<void>((resolve) => again.ws.on('open', () => { socket._socket.pause(); resolve(); }));
    let server: ReturnType<typeof srv.app.spanwatch.hub.clientList>[number] | undefined;
    while (!(server = srv.app.spanwatch.hub.clientList().find((x) => x.filter.sensors?.has('paged')))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    // paused reader: the backlog waits in the hub's buffers, not in the client's queue
    expect(server.closed).toBe(false);
    expect(server.queueLength).toBe(0);
    expect(server.backlogLength).toBeGreaterThan(0);
    feed.anomaly(makeAnomaly({ id: 'paged-live', sensor: 'paged' }));
    socket._socket.resume();
    await again.waitFor((m) => ofType(m, 'anomaly').some((a) => a.data.id === 'paged-live'), 'the backlog and the live anomaly', 30_000);
    expect(ofType(again.messages, 'anomaly').map((a) => a.data.id)).toEqual([...missed, 'paged-live']);
    expect(ofType(again.messages, 'resync')).toHaveLength(0);
    expect(server.closed).toBe(false);
    again.ws.close();
  });

  it('resume within the recent buffer replays windows too, and status changes', async () => {
    const feed = srv.app.spanwatch.feed;
    const c = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer });
    await c.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    const lastId = (c.messages[0] as { lastId: number }).lastId;
    c.ws.close();
    feed.window(makeWindow('short', 1_780_000_000_000));
    feed.anomaly(makeAnomaly({ id: 'short-1', sensor: 'short' }));
    const res = await fetch(`${srv.url}/api/v1/anomalies/short-1/actions`, {
      method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'acknowledge' }),
    });
    expect(res.status).toBe(200);
    const r = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, lastId });
    await r.waitFor((m) => m.some((x) => x.type === 'anomaly-status'), 'anomaly-status');
    expect(r.messages.filter((m) => m.type !== 'hello').map((m) => m.type)).toEqual(['window', 'health', 'anomaly', 'anomaly-status']);
    expect(ofType(r.messages, 'health')[0]).toMatchObject({ sensor: 'short', data: { sensor: 'short', packetsPerSecond: 10, health: { packetsSeen: 10 } } });
    expect(ofType(r.messages, 'anomaly-status')[0]).toMatchObject({ anomalyId: 'short-1', status: 'acknowledged', action: 'acknowledge', user: 'admin' });
    r.ws.close();
  });

  it('down-samples windows per client', async () => {
    const c = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, windowEveryMs: 5000, sensors: ['sampled'] });
    await c.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    for (let i = 0; i < 20; i++) srv.app.spanwatch.feed.window(makeWindow('sampled', 1_790_000_000_000 + i * 1000));
    await c.waitFor((m) => ofType(m, 'window').length === 4, '4 windows');
    expect(ofType(c.messages, 'window').map((w) => (w.data.start - 1_790_000_000_000) / 1000)).toEqual([0, 5, 10, 15]);
    c.ws.close();
  });

  it('a client that stops reading costs bounded memory, is told what was dropped, and every window is accounted for', async () => {
    const c = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['slow'] });
    await c.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const server = srv.app.spanwatch.hub.clientList().find((x) => x.filter.sensors?.has('slow'))!;
    let maxQueue = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    const pushed = 3000;
    for (let i = 0; i < pushed; i++) {
      srv.app.spanwatch.feed.window(makeWindow('slow', 1_795_000_000_000 + i * 1000, 50));
      maxQueue = Math.max(maxQueue, server.queueLength);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    expect(maxQueue).toBeLessThanOrEqual(64);
    expect(server.totalDropped).toBeGreaterThan(0);
    (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await c.waitFor((m) => ofType(m, 'window').length + ofType(m, 'dropped').reduce((s, d) => s + d.windows, 0) === pushed, 'all windows delivered or reported dropped');
    expect(ofType(c.messages, 'dropped').length).toBeGreaterThan(0);
    const starts = ofType(c.messages, 'window').map((w) => w.data.start);
    expect(starts.every((s, i) => i === 0 || s > starts[i - 1]!)).toBe(true);
    expect(heapGrowthMb).toBeLessThan(100);
    c.ws.close();
  });

  it('a client too slow for the anomalies is disconnected with 4429 and a reason', async () => {
    const c = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['slow-anom'] });
    await c.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const server = srv.app.spanwatch.hub.clientList().find((x) => x.filter.sensors?.has('slow-anom'))!;
    // far more than the loopback socket buffers absorb, so the backlog lands in the client's queue
    for (let i = 0; i < 8000 && !server.closed; i++) {
      srv.app.spanwatch.feed.anomaly(makeAnomaly({ id: `flood-${i}`, sensor: 'slow-anom', summary: 'x'.repeat(4000) }));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(server.closed).toBe(true);
    (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await c.closed;
    expect(code).toBe(4429);
    expect(reason).toContain('too slow');
  });

  it('heartbeats terminate a peer that stops answering pings', async () => {
    srv.app.spanwatch.stream.heartbeatMs = 200;
    const c = openStream(srv.url, 'stream', { type: 'auth', token: tokens.viewer, sensors: ['silent'] });
    await c.waitFor((m) => m.some((x) => x.type === 'hello'), 'hello');
    const hub = srv.app.spanwatch.hub;
    const count = () => hub.clientList().filter((x) => x.filter.sensors?.has('silent')).length;
    expect(count()).toBe(1);
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => { if (count() === 0) { clearInterval(t); resolve(); } }, 50);
    });
    expect(count()).toBe(0);
    c.ws.terminate();
    srv.app.spanwatch.stream.heartbeatMs = 15_000;
  });
});
