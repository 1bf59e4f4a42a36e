// The direct encoders (encodeWindow, encodePoint into a LineBuffer) against the point path
// (windowStatsToPoints + toLine): byte for byte the same lines, including escaping, skipped
// fields, cut lists and odd numbers.
import { describe, expect, it } from 'vitest';
import { emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import {
  LineBuffer, anomalyToPoint, encodePoint, encodeWindow, toLine, windowStatsToPoints, type StorePoint,
} from '../../store/index.ts';
import { syntheticAnomaly, syntheticWindow } from '../../datasets/synthetic/index.ts';

/** A small seeded generator (an LCG is plenty for test data). */
function makeRng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

/** What the point path writes for a window: its lines, each ending in a newline. */
function viaPoints(w: WindowStats, storeDropped?: number): string {
  const points = windowStatsToPoints(w);
  if (storeDropped !== undefined) points.find((p) => p.measurement === 'capture_health')!.fields.storeDropped = storeDropped;
  return points.map((p) => toLine(p)).filter((l) => l !== undefined).map((l) => `${l}\n`).join('');
}

function direct(w: WindowStats, storeDropped?: number): { text: string; lines: number } {
  const out = new LineBuffer(64);
  const lines = encodeWindow(out, w, storeDropped);
  return { text: out.toString(), lines };
}

function expectSameAsPoints(w: WindowStats, storeDropped?: number): void {
  const want = viaPoints(w, storeDropped);
  const got = direct(w, storeDropped);
  expect(got.text).toBe(want);
  expect(got.lines).toBe(want.split('\n').length - 1);
}

const AWKWARD = [
  'plain.example', 'say "hi"', 'back\\slash', 'two\nlines', 'crlf\r\nend', 'cr\ronly', 'tab\there', 'bell\u0007',
  'ünïcödé.de', '日本.jp', 'emoji 🙂', 'lone \ud800 high', 'lone \udc00 low', 'comma,and=equals space', '',
];

describe('encodeWindow', () => {
  it('writes the same lines as windowStatsToPoints + toLine', () => {
    for (let seed = 1; seed <= 40; seed++) expectSameAsPoints(syntheticWindow(`s${seed % 3}`, 1_700_000_000_000 + seed * 1000, seed));
    const empty = emptyWindowStats('quiet', 1_700_000_000_000, 1000);
    expectSameAsPoints(empty);
    expect(direct(empty).lines).toBe(2);
  });

  it('reports the store\'s drops in capture_health.storeDropped', () => {
    const w = syntheticWindow('s', 1_700_000_000_000, 3);
    expectSameAsPoints(w, 12_345);
    expect(direct(w, 12_345).text).toMatch(/^capture_health,sensor=s .*,storeDropped=12345i 1700000000000000000$/m);
  });

  it('escapes awkward names, hosts and sensors exactly like the point path', () => {
    for (const text of AWKWARD) {
      const w = syntheticWindow(text === '' ? 'x' : text, 1_700_000_000_000, 7);
      w.dns.names = AWKWARD.map((name, i) => ({ name: `${name}${text}`, client: text || '10.0.0.1', queries: i, nxdomain: i % 2, qtype: 16 }));
      w.topLocalHosts[0]!.host = text;
      w.topRemoteEndpoints[0]!.host = text;
      w.flowStarts = AWKWARD.map((s, i) => ({ ts: w.start + i, direction: 'outbound', proto: 'udp', local: s, remote: `${text};${s}`, port: i }));
      expectSameAsPoints(w);
    }
  });

  it('skips fields that are not finite numbers and keeps odd numbers as String() writes them', () => {
    const w = syntheticWindow('s', 1_700_000_000_000, 5);
    w.health.lossRatio = Number.NaN;
    w.dns.nameLengthMean = Number.POSITIVE_INFINITY;
    w.directions.outbound.bytes = 2 ** 60;
    w.directions.inbound.bytes = -17.5;
    w.directions.internal.packets = 1e21;
    w.dns.labelEntropyMean = 1 / 3;
    w.dns.names[0]!.queries = 0.25;
    w.flowStarts[0]!.ts = w.start + 0.5;
    expectSameAsPoints(w);
    expect(direct(w).text).not.toContain('lossRatio');
  });

  it('cuts oversized DNS-name and flow-start lists at the same place', () => {
    const rng = makeRng(11);
    const w = syntheticWindow('s', 1_700_000_000_000, 9);
    w.dns.names = Array.from({ length: 3_000 }, (_, i) => ({ name: `n${i}-${Math.floor(rng() * 1e9)}"q".example.com`, client: '10.0.0.2', queries: i, nxdomain: 0, qtype: 1 }));
    w.flowStarts = Array.from({ length: 3_000 }, (_, i) => ({ ts: w.start + i, direction: 'inbound', proto: 'tcp', local: `10.1.${i >> 8}.${i & 255}`, remote: `192.0.2.${i % 250}`, port: 443 }));
    expectSameAsPoints(w);
    const text = direct(w).text;
    expect(text).toMatch(/namesDropped=[1-9]\d*i/);
    expect(text).toMatch(/flowStartsDropped=[1-9]\d*i/);
  });

  it('matches on randomly filled windows', () => {
    const rng = makeRng(5);
    const randomText = (): string => Array.from({ length: Math.floor(rng() * 12) }, () => String.fromCharCode(Math.floor(rng() * 0x3000))).join('');
    for (let n = 0; n < 200; n++) {
      const w = syntheticWindow(randomText() || 's', Math.floor(rng() * 2e12), n + 1);
      w.directions.other.packets = Math.floor(rng() * 3);
      w.services.smb = { packets: 0, bytes: 0, flows: 0 };
      w.dns.names = Array.from({ length: Math.floor(rng() * 5) }, () => ({ name: randomText(), client: randomText(), queries: 1, nxdomain: 0, qtype: 1 }));
      w.topLocalHosts = w.topLocalHosts.slice(0, Math.floor(rng() * 4)).map((h) => ({ ...h, host: randomText() }));
      expectSameAsPoints(w);
    }
  });
});

describe('encodePoint', () => {
  it('appends toLine()\'s line and a newline, and nothing for a point without writable fields', () => {
    const points: StorePoint[] = [
      anomalyToPoint(syntheticAnomaly('a-1', 's', 1_700_000_000_000)),
      { measurement: 'odd measurement,name', tags: { b: 'x y', a: 'p=q' }, fields: { v: 1.5, s: 'str"ing', t: true }, time: 0 },
      { measurement: 'traffic', tags: { sensor: 's' }, fields: { packets: Number.NaN }, time: 5 },
    ];
    const out = new LineBuffer(8);
    for (const p of points) encodePoint(out, p);
    expect(out.toString()).toBe(`${toLine(points[0]!)}\n${toLine(points[1]!)}\n`);
    expect(toLine(points[2]!)).toBeUndefined();
  });
});

describe('LineBuffer.int', () => {
  it('writes integers as String() does, across the whole range', () => {
    const rng = makeRng(3);
    const out = new LineBuffer(8);
    const values = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 53, 1e15, 1e15 + 1, 1e21, 123e30];
    for (let i = 0; i < 2_000; i++) values.push(Math.round((rng() - 0.5) * 10 ** Math.floor(rng() * 17)));
    for (const v of values) {
      out.reset();
      out.int(v);
      expect(out.toString()).toBe(String(v));
    }
  });
});
