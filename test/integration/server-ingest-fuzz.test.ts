// 100 000 records from an authenticated sensor over a real WebSocket to a real server: valid ones
// interleaved with random and mutated ones (fields removed, retyped, enlarged, duplicated, extra,
// another sensor's name, broken envelopes). The server must take every valid record, refuse and
// count every bad one, keep the connection and keep its memory bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seededRandom } from '../../model/index.ts';
import { startServer, type StartedServer } from '../../server/index.ts';
import { makeAnomaly, makeWindow } from '../unit/server-fixtures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TOTAL = 100_000;
const BATCH = 2_000;
const SENSORS = ['fz1', 'fz2', 'fz3'];
/** keys the record schemas leave optional: removing them leaves a valid record */
const OPTIONAL = new Set(['subject.localHost', 'subject.remote', 'subject.port', 'subject.domain']);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Kind = 'window' | 'anomaly' | 'health';

function leafPaths(v: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.push(prefix);
    for (const [k, x] of entries) leafPaths(x, [...prefix, k], out);
  } else out.push(prefix);
  return out;
}

function objectPaths(v: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (v !== null && typeof v === 'object') {
    if (!Array.isArray(v)) out.push(prefix);
    for (const [k, x] of Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v)) objectPaths(x, [...prefix, k], out);
  }
  return out;
}

function at(root: Json, path: string[]): { parent: Record<string, Json>; key: string } {
  let node = root as Record<string, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, Json>;
  return { parent: node, key: path[path.length - 1]! };
}

describe('ingest fuzz', () => {
  let srv: StartedServer;
  let varDir: string;
  let token = '';

  beforeAll(async () => {
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-ingest-fuzz-'));
    srv = await startServer({
      varDir, uiDir: null, port: 0, announceToken: () => {},
      stream: { recentMessages: 500, recentAnomalies: 1_000 },
    });
    token = srv.app.spanwatch.users.add('fuzzer', 'sensor', { sensors: SENSORS });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('takes every valid record, refuses and counts every bad one, stays up with bounded memory', async () => {
    const ctx = srv.app.spanwatch;
    const rand = seededRandom(0x13a);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const t0 = 1_800_000_000_000;
    let windowN = 0;
    let anomalyN = 0;

    const valid = (kind: Kind): Json => {
      const sensor = pick(SENSORS);
      if (kind === 'window') {
        const w = makeWindow(sensor, t0 + windowN++ * 1000, 1 + Math.floor(rand() * 1000));
        w.flowStarts.push({ ts: w.start + 5, direction: 'outbound', proto: 'tcp', local: '10.0.0.5', remote: '203.0.113.9', port: 443 });
        w.dns.names.push({ name: 'x7f.example.com', client: '10.0.0.5', queries: 2, nxdomain: 0, qtype: 1 });
        return w as unknown as Json;
      }
      // incident updates: a few ids, updated again and again, as a detector does
      if (kind === 'anomaly') return makeAnomaly({ id: `${sensor}-incident-${anomalyN++ % 50}`, sensor, severity: Math.floor(rand() * 101) }) as unknown as Json;
      return { sensor, lastSeen: t0, packetsPerSecond: rand() * 1e5, health: makeWindow(sensor, 0).health, storeBacklog: 0, modelVersion: null } as unknown as Json;
    };

    /** a record that the schemas, the binding or the envelope rules must refuse */
    const bad = (kind: Kind, seq: number): string => {
      const rec = valid(kind) as Record<string, Json>;
      const envelope = (data: Json): string => JSON.stringify({ type: kind, seq, data });
      const how = Math.floor(rand() * 10);
      switch (how) {
        case 0: { // a required field removed
          const paths = [...leafPaths(rec), ...objectPaths(rec).filter((p) => p.length > 0)]
            .filter((p) => !OPTIONAL.has(p.join('.')) && !/^\d+$/.test(p[p.length - 1]!));
          const { parent, key } = at(rec, pick(paths));
          delete parent[key];
          return envelope(rec);
        }
        case 1: { // a leaf retyped
          const { parent, key } = at(rec, pick(leafPaths(rec)));
          const v = parent[key];
          parent[key] = typeof v === 'number' ? pick(['12', null, true, {}]) : typeof v === 'string' ? pick([12, {}, []]) : typeof v === 'boolean' ? pick([1, 'true']) : 12;
          return envelope(rec);
        }
        case 2: { // a leaf enlarged beyond every bound
          const { parent, key } = at(rec, pick(leafPaths(rec)));
          parent[key] = typeof parent[key] === 'number' ? 1e301 : 'x'.repeat(5_000 + Math.floor(rand() * 20_000));
          return envelope(rec);
        }
        case 3: { // an extra field, at the top (suppressedBy) or nested
          const path = pick(objectPaths(rec));
          const obj = path.length ? at(rec, path).parent[path[path.length - 1]!] as Record<string, Json> : rec;
          obj[path.length ? 'extra' : 'suppressedBy'] = 'sup-1';
          return envelope(rec);
        }
        case 4: // another sensor's name
          rec.sensor = `intruder-${Math.floor(rand() * 1e6)}`;
          return envelope(rec);
        case 5: { // a list duplicated past its bound, or an empty structure where counters belong
          if (kind === 'window') {
            if (rand() < 0.5) rec.directions = {};
            else rec.topLocalHosts = Array.from({ length: 1_001 }, () => (rec.topLocalHosts as Json[])[0]!);
          } else if (kind === 'anomaly') rec.contributions = Array.from({ length: 257 }, () => (rec.contributions as Json[])[0]!);
          else rec.health = {};
          return envelope(rec);
        }
        case 6: // a whole record duplicated in one frame
          return envelope(rec) + envelope(rec);
        case 7: // a broken envelope
          return pick([
            JSON.stringify({ type: kind, data: rec }),
            JSON.stringify({ type: kind, seq: String(seq), data: rec }),
            JSON.stringify({ type: 'config', seq, data: rec }),
            JSON.stringify({ type: kind, seq, data: rec, extra: 1 }),
            JSON.stringify({ type: kind, seq, data: null }),
            JSON.stringify([kind, seq, rec]),
          ]);
        case 8: // random bytes
          return Array.from({ length: 1 + Math.floor(rand() * 200) }, () => String.fromCharCode(Math.floor(rand() * 0x7f))).join('');
        default: // the wrong record type for the data
          return JSON.stringify({ type: kind === 'window' ? 'anomaly' : 'window', seq, data: rec });
      }
    };

    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/ingest`);
    let closed: { code: number; reason: string } | null = null;
    ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; });
    await new Promise<void>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token, session: 'fuzz' })));
      ws.once('message', () => resolve());
    });

    const handled = (): number => ctx.feed.windowsIn + ctx.feed.anomaliesIn + ctx.feed.healthIn + ctx.ingest.refused + ctx.ingest.repeats;
    const base = { windows: ctx.feed.windowsIn, anomalies: ctx.feed.anomaliesIn, health: ctx.feed.healthIn, refused: ctx.ingest.refused, handled: handled() };
    const expected = { window: 0, anomaly: 0, health: 0, bad: 0 };
    let heapAtHalf = 0;
    let maxHeap = 0;
    const started = Date.now();
    for (let sent = 0; sent < TOTAL;) {
      const end = Math.min(TOTAL, sent + BATCH);
      for (; sent < end; sent++) {
        const seq = sent + 1;
        const r = rand();
        const kind: Kind = r < 0.7 ? 'window' : r < 0.9 ? 'anomaly' : 'health';
        if (rand() < 0.4) {
          ws.send(JSON.stringify({ type: kind, seq, data: valid(kind) }));
          expected[kind]++;
        } else {
          ws.send(bad(kind, seq));
          expected.bad++;
        }
      }
      const target = base.handled + sent;
      while (handled() < target) {
        if (closed) throw new Error(`the server closed the ingest connection: ${JSON.stringify(closed)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (sent === TOTAL / 2) {
        gc();
        heapAtHalf = process.memoryUsage().heapUsed;
      }
      if (sent > TOTAL / 2) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
    }
    gc();
    const heapAtEnd = process.memoryUsage().heapUsed;
    const seconds = (Date.now() - started) / 1000;

    expect(closed).toBeNull();
    expect(ctx.feed.windowsIn - base.windows).toBe(expected.window);
    expect(ctx.feed.anomaliesIn - base.anomalies).toBe(expected.anomaly);
    expect(ctx.feed.healthIn - base.health).toBe(expected.health);
    expect(ctx.ingest.refused - base.refused).toBe(expected.bad);
    expect(ctx.sensors.list().map((s) => s.sensor).sort()).toEqual(SENSORS);
    // the refusals are visible to operators
    const status = await fetch(`${srv.url}/api/v1/status`, { headers: { authorization: `Bearer ${srv.app.spanwatch.users.add('ops', 'viewer')}` } });
    expect(((await status.json()) as { ingest: { refused: number } }).ingest.refused).toBe(ctx.ingest.refused);
    expect((await fetch(`${srv.url}/api/v1/health`)).status).toBe(200);
    // past the half-way point the server's bounded buffers are full: what it holds no longer grows
    // with the records (keeping the second half's 50 000 records would cost well over 100 MB)
    const growthMb = (heapAtEnd - heapAtHalf) / 1e6;
    console.log(`ingest fuzz: ${TOTAL} records in ${seconds.toFixed(1)} s; ${expected.bad} refused; heap ${(heapAtHalf / 1e6).toFixed(0)} → ${(heapAtEnd / 1e6).toFixed(0)} MB (peak ${(maxHeap / 1e6).toFixed(0)} MB)`);
    expect(growthMb).toBeLessThan(40);
    ws.close();
  }, 180_000);
});
