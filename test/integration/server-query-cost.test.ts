// History queries under a cost budget, against a real InfluxDB: a range too long for its
// resolution is refused at once with the limit and the resolution to use; a client that goes
// away mid-query stops the reader (counted at an HTTP proxy in front of influxd).
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxHistory, startServer, type StartedServer } from '../../server/index.ts';
import { InfluxReader, connectStore } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { makeAnomaly } from '../unit/server-fixtures.ts';

/** Forwards to influxd, counting /query requests (and those the reader abandoned) and holding each for `delayMs`. */
function countingProxy(target: string, delayMs: number): Promise<{ server: Server; url: string; queries: () => number; abandoned: () => number }> {
  let queries = 0;
  let abandoned = 0;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const isQuery = req.url?.startsWith('/query') ?? false;
    if (isQuery) queries++;
    res.on('close', () => { if (!res.writableFinished) abandoned++; });
    const forward = (): void => {
      if (res.destroyed) return;
      const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (isQuery) setTimeout(forward, delayMs);
    else forward();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    // the proxy passes the credentials on: the URL keeps the user and password of the target's
    const url = new URL(target);
    url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    resolve({ server, url: url.toString().replace(/\/$/, ''), queries: () => queries, abandoned: () => abandoned });
  }));
}

describe('query cost budget and cancellation', () => {
  let db: FreshDatabase;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let srv: StartedServer;
  let varDir: string;
  let token = '';

  beforeAll(async () => {
    db = await freshDatabase('query_cost');
    proxy = await countingProxy(db.url, 150);
    const conn = await connectStore({ url: proxy.url, database: db.name });
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-query-cost-'));
    srv = await startServer({ varDir, uiDir: null, port: 0, announceToken: () => {}, history: new InfluxHistory(new InfluxReader(conn)) });
    token = srv.app.spanwatch.users.add('viewer-q', 'viewer');
  });
  afterAll(async () => {
    await srv?.close();
    await new Promise((r) => proxy?.server.close(r));
    await db?.drop();
    rmSync(varDir, { recursive: true, force: true });
  });

  const get = (path: string): Promise<Response> => fetch(`${srv.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('from=0 at 1 s answers 400 with the limit and the resolution to use, at once and without reading', async () => {
    const before = proxy.queries();
    const started = performance.now();
    const res = await get('/windows?from=0&resolution=1s');
    const ms = performance.now() - started;
    expect(res.status).toBe(400);
    const { message } = (await res.json()) as { message: string };
    expect(message).toContain('at most 100000');
    expect(message).toContain('narrow the range');
    expect(ms).toBeLessThan(1_000);
    expect(proxy.queries()).toBe(before);

    // two days at 1 s does not fit, at 1 min it does: the answer names it
    const now = Date.now();
    const twoDays = await get(`/windows?from=${now - 2 * 86_400_000}&to=${now}&resolution=1s`);
    expect(twoDays.status).toBe(400);
    expect(((await twoDays.json()) as { message: string }).message).toContain('use resolution=1m');
    for (const path of [`/hosts/top?from=0&resolution=1m`, `/hosts/10.0.0.5/timeline?from=0&to=${now}`]) {
      expect((await get(path)).status).toBe(400);
    }
    // the default range (two days back, one ahead) resolves to 1 min and is read
    expect((await get('/windows')).status).toBe(200);
  });

  it('the windows around an anomaly are bounded by what is shown, not by the span a sensor claimed', async () => {
    // a record may say its incident ran from 1970 to 2001: valid, but no reason to read 31 years
    srv.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'endless', sensor: 'q', start: 0, end: 1e12, peakAt: 0 }));
    const before = proxy.queries();
    const started = performance.now();
    const res = await get('/anomalies/endless');
    expect(res.status).toBe(200);
    expect(proxy.queries() - before).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a client that disconnects mid-query stops the reader', async () => {
    const from = Date.UTC(2026, 0, 1);
    const to = from + 27 * 3_600_000; // 97 200 points at 1 s: within the budget, 27 pages of one hour
    const before = proxy.queries();
    const req = request(`${srv.url}/api/v1/windows?from=${from}&to=${to}&resolution=1s&limit=10000`, { headers: { authorization: `Bearer ${token}` } });
    req.on('error', () => {});
    req.end();
    while (proxy.queries() - before < 2) await new Promise((r) => setTimeout(r, 10));
    req.destroy();
    const atDisconnect = proxy.queries() - before;
    await new Promise((r) => setTimeout(r, 1_500));
    const after = proxy.queries() - before;
    // at most the page in flight when the client left; reading on would have made ~10 more by now
    expect(after - atDisconnect).toBeLessThanOrEqual(1);
    // and the page in flight was itself abandoned: the reader aborted its HTTP request
    expect(proxy.abandoned()).toBeGreaterThanOrEqual(1);

    // the same query, waited for, reads every page: what the disconnect saved
    const full = await get(`/windows?from=${from}&to=${to}&resolution=1s&limit=10000`);
    expect(full.status).toBe(200);
    expect(proxy.queries() - before - after).toBe(27);
  }, 30_000);
});
