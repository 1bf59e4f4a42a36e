// serve --sensor stores through the server's one writer: the runtime's windows land in the
// database, and only one writer (one spool directory, each holding its lock) was opened.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../capture/index.ts';
import { udpFrame } from '../../datasets/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const BIN = join(import.meta.dirname, '../../bin/spanwatch');
const T_SEC = 1_800_000_000;
const SECONDS = 6;

let dir: string | undefined;
let db: FreshDatabase | undefined;

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serve --sensor', () => {
  it('opens one store writer, shared by the server and the sensor runtime', async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanwatch-onewriter-'));
    db = await freshDatabase('onewriter');
    const capture = join(dir, 'traffic.pcap');
    const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
    for (let k = 0; k < SECONDS; k++) w.packet(T_SEC + k, 1000, udpFrame({ src: '10.0.0.2', dst: '10.0.0.53', sport: 5000 + k, dport: 53 }));
    writeFileSync(capture, w.toBuffer());
    const varDir = join(dir, 'var');
    const serve = spawn(BIN, [
      'serve', '--var', varDir, '--influx', db.url, '--influx-db', db.name, '--port', '0', '--sensor', '--sensor-name', 'one',
      '--model', 'none', '--speed', 'max', '--pcap', capture,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPANWATCH_CONFIG: '' } });
    let log = '';
    serve.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    serve.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((done) => serve.once('exit', (code) => done(code)));
    const dsn = new URL(db.url);
    dsn.pathname = `/${db.name}`;
    const influx = new InfluxDB(dsn.toString());
    const stored = async (): Promise<number> => {
      const rows = await influx.query<{ count: number }>(`SELECT count("durationMs") FROM "raw"."capture_health" WHERE "sensor" = 'one'`);
      return rows[0]?.count ?? 0;
    };
    try {
      for (let waited = 0; !log.includes('finished; still serving'); waited += 200) {
        if (waited > 60_000 || serve.exitCode !== null) throw new Error(`serve --sensor did not finish the capture; output: ${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (let waited = 0; (await stored()) < SECONDS; waited += 200) {
        if (waited > 30_000) throw new Error(`only ${await stored()} of ${SECONDS} windows stored; output: ${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await stored()).toBe(SECONDS);
      expect(readdirSync(join(varDir, 'spool'))).toEqual([`server-${serve.pid}`]);
    } finally {
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
});
