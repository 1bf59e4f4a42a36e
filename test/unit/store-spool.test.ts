// The spool and the writer's disk limit, with InfluxDB unreachable (a closed loopback port).
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxWriter, parseInfluxUrl, windowStatsToPoints } from '../../store/index.ts';
import { Spool } from '../../store/writer/spool.ts';
import { syntheticWindow } from '../../datasets/synthetic/index.ts';

let dir: string;
let deadUrl: string;

/** Whole lines of line protocol, as the writer hands them to the spool. */
const lp = (...lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join(''));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-spool-unit-'));
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  await new Promise<void>((r) => srv.close(() => r()));
});

afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('Spool', () => {
  it('replays segments oldest first, skips a torn last line, and survives a reopen', () => {
    const d = join(dir, 'a');
    const s = new Spool(d, 1e9);
    expect(s.append('raw', lp('m a=1i 1', 'm a=2i 2'), 2)).toBe(true);
    expect(s.append('events', lp('e a=1i 3'), 1)).toBe(true);
    expect(s.append('raw', lp('m a=3i 4'), 1)).toBe(true);
    s.close();
    const raw = readdirSync(d).find((f) => f.endsWith('.raw.lp'))!;
    appendFileSync(join(d, raw), 'm a=4i 5'); // a crash mid-append: no newline
    const again = new Spool(d, 1e9);
    expect(again.lines).toBe(4);
    const first = again.takeOldest()!;
    expect(first.segment).toMatchObject({ target: 'raw', lines: 3 });
    expect(first.body.toString()).toBe('m a=1i 1\nm a=2i 2\nm a=3i 4\n');
    again.remove(first.segment);
    const second = again.takeOldest()!;
    expect(second.body.toString()).toBe('e a=1i 3\n');
    again.remove(second.segment);
    expect(again.isEmpty).toBe(true);
    expect(again.takeOldest()).toBeUndefined();
    again.close();
  });

  it('refuses a second live user of one spool directory', () => {
    const d = join(dir, 'b');
    const s = new Spool(d, 1e9);
    expect(() => new Spool(d, 1e9)).toThrow(/is in use by process \d+/);
    s.close();
    new Spool(d, 1e9).close();
  });
});

describe('InfluxWriter with InfluxDB down', () => {
  it('spools everything, then drops only past the disk limit, loudly and counted', async () => {
    const logs: string[] = [];
    const writer = new InfluxWriter({
      endpoint: parseInfluxUrl(deadUrl), database: 'x', retentionPolicies: { raw: 'raw', events: 'events' },
      spoolDir: join(dir, 'c'), batchSize: 100, spoolMaxBytes: 200_000, backoffBaseMs: 10, backoffMaxMs: 20,
      log: (level, m) => logs.push(`${level}: ${m}`),
    });
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const pts = windowStatsToPoints(syntheticWindow('s', 1_700_000_000_000 + i * 1000, i + 1));
      total += pts.length;
      writer.write(pts);
      await new Promise((r) => setImmediate(r));
    }
    expect(await writer.flush(300)).toBe(false);
    await writer.close(100);
    const c = writer.counters;
    expect(c.written).toBe(0);
    expect(c.dropped).toBeGreaterThan(0);
    expect(c.spooled + c.dropped).toBe(total);
    expect(c.spooledTotal).toBe(c.spooled);
    expect(logs.some((l) => /^error: SPOOL FULL: .* DROPPED \d+ points/.test(l))).toBe(true);
    expect(logs.some((l) => /^warn: write to InfluxDB failed \(ECONNREFUSED\)/.test(l))).toBe(true);
  });
});

/** storeDropped summed over the capture_health lines in a spool directory. */
function spooledStoreDropped(spoolDir: string): number {
  let sum = 0;
  for (const f of readdirSync(spoolDir).filter((n) => n.endsWith('.lp'))) {
    for (const m of readFileSync(join(spoolDir, f), 'utf8').matchAll(/^capture_health,.*[ ,]storeDropped=(\d+)i /gm)) sum += Number(m[1]);
  }
  return sum;
}

describe('InfluxWriter drop reporting', () => {
  it('reports every dropped point once: in a window kept after the drop, or in the first window of the next start', async () => {
    const spoolDir = join(dir, 'report');
    const options = {
      endpoint: parseInfluxUrl(deadUrl), database: 'x', retentionPolicies: { raw: 'raw', events: 'events' } as const,
      spoolDir, batchSize: 60, backoffBaseMs: 10, backoffMaxMs: 20, log: () => {},
    };
    const first = new InfluxWriter({ ...options, spoolMaxBytes: 150_000 });
    for (let i = 0; i < 150; i++) {
      first.writeWindow(syntheticWindow('s', 1_700_000_000_000 + i * 1000, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    await first.close(100);
    const dropped = first.counters.dropped;
    expect(dropped).toBeGreaterThan(0);
    // The windows after the first drop were dropped too (InfluxDB stayed down, the spool full):
    // what they were to report is left for the next start.
    const reportedBefore = spooledStoreDropped(spoolDir);
    const left = new Spool(spoolDir, 1e9);
    const unreported = left.unreportedDrops;
    left.close();
    expect(reportedBefore + unreported).toBe(dropped);
    expect(unreported).toBeGreaterThan(0);

    const next = new InfluxWriter({ ...options, spoolMaxBytes: 1e9 });
    next.writeWindow(syntheticWindow('s', 1_700_001_000_000, 1));
    next.writeWindow(syntheticWindow('s', 1_700_001_001_000, 2));
    await next.close(100);
    expect(next.counters.dropped).toBe(0);
    expect(spooledStoreDropped(spoolDir)).toBe(dropped);
    const after = new Spool(spoolDir, 1e9);
    expect(after.unreportedDrops).toBe(0);
    after.close();
  });
});
