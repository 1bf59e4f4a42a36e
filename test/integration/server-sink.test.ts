// The sensor-side transport while the server is down: bounded buffer, windows dropped first,
// everything still held delivered once the server comes up.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerSink } from '../../bin/sinks/server.ts';
import { UserStore, startServer } from '../../server/index.ts';
import { makeAnomaly, makeWindow } from '../unit/server-fixtures.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('server sink while the server is down', () => {
  it('holds at most maxBuffered records, drops windows (oldest first) before anomalies, and delivers the rest later', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-sink-'));
    const token = new UserStore(join(varDir, 'users.json')).add('probe', 'sensor', { sensors: ['down'] });
    const port = await freePort();
    const errors: string[] = [];
    const sink = new ServerSink({ url: `http://127.0.0.1:${port}`, token, maxBuffered: 100, reconnectMs: 50, onError: (m) => errors.push(m) });
    const t0 = 1_700_000_000_000;
    sink.anomaly(makeAnomaly({ id: 'kept-early', sensor: 'down' }));
    for (let i = 0; i < 150; i++) sink.window(makeWindow('down', t0 + i * 1000));
    sink.anomaly(makeAnomaly({ id: 'kept-late', sensor: 'down' }));
    expect(sink.backlog).toBe(100);
    expect(sink.dropped).toBe(52);

    const srv = await startServer({ varDir, uiDir: null, port, announceToken: () => {} });
    try {
      await sink.flushed(20_000);
      await sink.close();
      const ctx = srv.app.spanwatch;
      expect(ctx.feed.anomaliesIn).toBe(2);
      expect(ctx.book.get('kept-early')).toBeDefined();
      expect(ctx.book.get('kept-late')).toBeDefined();
      const windows = await ctx.history.windows({ from: 0, to: t0 + 1e6, sensor: 'down', resolution: '1s', limit: 1000 });
      // the 52 oldest windows made room; the newest 98 arrived, in order
      expect(windows.map((w) => w.start)).toEqual(Array.from({ length: 98 }, (_, i) => t0 + (52 + i) * 1000));
      expect(errors.some((e) => e.includes('52 records were dropped'))).toBe(true);
    } finally {
      await srv.close();
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});
