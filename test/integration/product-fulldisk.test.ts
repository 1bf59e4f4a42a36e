// A sensor whose spool fills up: InfluxDB goes away right after start, the writer spools to a
// 2 MB tmpfs until the spool is full, then drops points — loudly — while capture and the JSONL
// output go on window by window. Once InfluxDB is back, a new sensor with the same spool replays
// what reached the disk, and every dropped point is reported in capture_health.storeDropped. A disk that fills before the spool limit is the last case. Needs root
// (mount).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../capture/index.ts';
import { TCP, tcpFrame, udpFrame } from '../../datasets/index.ts';
import { startEmbeddedInflux } from '../../store/index.ts';
import { withoutRoot } from '../helpers/privileges.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
const WINDOWS = 3_000;
const PACKETS_PER_WINDOW = 20;
const startSec = Math.floor(Date.now() / 1000) - 6 * 3_600;

let dir: string;
const mounts: string[] = [];

/** One new 5-tuple per packet, so every window carries a full list of flow starts. */
async function writeCapture(path: string, windows: number, firstSec: number): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1, nanosecond: true });
  for (let s = 0; s < windows; s++) {
    for (let k = 0; k < PACKETS_PER_WINDOW; k++) {
      const i = s * PACKETS_PER_WINDOW + k;
      const local = `192.168.1.${(i % 50) + 2}`;
      const remote = `198.51.${(i >> 8) & 255}.${i & 255}`;
      const frame = k % 2 === 0
        ? tcpFrame({ src: local, dst: remote, sport: 10_000 + (i % 50_000), dport: 443, flags: TCP.SYN })
        : udpFrame({ src: local, dst: remote, sport: 20_000 + (i % 40_000), dport: 5_000 + (k % 3), payload: 40 });
      w.packet(firstSec + s, k * 40_000_000, frame);
    }
  }
  await w.close();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface SensorRun { code: number | null; stderr: string }

/** Runs the sensor; `onCapturing` is called once it prints "capturing on". */
function runSensor(args: string[], onCapturing: () => void = () => {}): Promise<SensorRun> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['sensor', ...args], { env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let announced = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!announced && stderr.includes('capturing on')) {
        announced = true;
        onCapturing();
      }
    });
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

function spoolFiles(spoolDir: string): string[] {
  return readdirSync(spoolDir).filter((n) => n.endsWith('.lp')).map((n) => join(spoolDir, n));
}

function spoolLines(spoolDir: string, prefix = ''): number {
  return spoolFiles(spoolDir).reduce((a, f) => a + readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0 && l.startsWith(prefix)).length, 0);
}

/** A fresh 2 MB tmpfs: the disk the spool lives on. */
function smallDisk(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', path], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`cannot mount a 2 MB tmpfs on ${path} (${mount.stderr.trim()}); this test needs root`);
  mounts.push(path);
  return path;
}

function jsonlWindows(path: string): number {
  return readFileSync(path, 'utf8').trim().split('\n').filter((l) => (JSON.parse(l) as { type: string }).type === 'window').length;
}

/** Starts influxd on `dataDir`, runs the sensor on the churn capture and SIGKILLs influxd as soon as capture starts. */
async function runWithInfluxDying(dataDir: string, spoolDir: string, jsonl: string, extra: string[] = []): Promise<SensorRun> {
  const influx = await startEmbeddedInflux({ dataDir, port: await freePort() });
  try {
    return await runSensor(['--pcap', join(dir, 'churn.pcap'), '--influx', influx.url, '--spool-dir', spoolDir, '--sensor', 'fd',
      '--no-retention-setup', '--jsonl', jsonl, ...extra], () => process.kill(influx.pid, 'SIGKILL'));
  } finally {
    await influx.stop();
  }
}

/** both suites put the spool on a small tmpfs they mount */
const noRoot = withoutRoot('the spool on a full disk (mounts a small tmpfs)');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-fulldisk-'));
  await writeCapture(join(dir, 'churn.pcap'), WINDOWS, startSec);
  await writeCapture(join(dir, 'later.pcap'), 3, startSec + WINDOWS + 60);
});

afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(noRoot)('spanwatch sensor with a full spool', () => {
  let run: SensorRun;
  let spoolDir: string;
  const dataDir = () => join(dir, 'influxd');

  it('keeps capturing and writing every window when InfluxDB dies and the spool reaches its limit', async () => {
    spoolDir = smallDisk('spool-limit');
    run = await runWithInfluxDying(dataDir(), spoolDir, join(dir, 'limit.jsonl'), ['--spool-max', '1MiB']);
    expect(run.code, run.stderr).toBe(0);
    const reference = spawnSync(bin, ['sensor', '--pcap', join(dir, 'churn.pcap'), '--no-store', '--jsonl', '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(reference.status).toBe(0);
    expect(reference.stdout.trim().split('\n').length).toBe(WINDOWS);
    expect(jsonlWindows(join(dir, 'limit.jsonl'))).toBe(WINDOWS);
  });

  it('says loudly that the spool is full and how many points were dropped', () => {
    const full = [...run.stderr.matchAll(/SPOOL FULL: .* DROPPED (\d+) points \((\d+) so far\)/g)];
    expect(full.length, run.stderr.slice(0, 2_000)).toBeGreaterThan(0);
    const dropped = Number(full.at(-1)![2]);
    expect(dropped).toBeGreaterThan(0);
    // What reached the disk stays there for the next start, within the limit.
    const bytes = spoolFiles(spoolDir).reduce((a, f) => a + statSync(f).size, 0);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    console.info(`full spool: ${bytes} bytes / ${spoolLines(spoolDir)} points kept in ${spoolFiles(spoolDir).length} segments; ${full.length} SPOOL FULL messages, ${dropped} points dropped`);
  });

  it('replays the spooled points into InfluxDB when a new sensor starts with the same spool', async () => {
    const spooled = spoolLines(spoolDir);
    const spooledHealth = spoolLines(spoolDir, 'capture_health,');
    expect(spooledHealth).toBeGreaterThan(0);
    const influx = await startEmbeddedInflux({ dataDir: dataDir(), port: await freePort() });
    try {
      const again = await runSensor(['--pcap', join(dir, 'later.pcap'), '--influx', influx.url, '--spool-dir', spoolDir, '--sensor', 'fd',
        '--no-retention-setup', '--spool-max', '1MiB', '--jsonl', join(dir, 'later.jsonl')]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`holds ${spooled} points from an earlier run`);
      expect(spoolFiles(spoolDir)).toEqual([]);
      const client = new InfluxDB(`${influx.url}/spanwatch`);
      const rows = await client.query<{ count: number }>(`SELECT count(durationMs) FROM capture_health WHERE sensor = 'fd' AND time < ${(startSec + WINDOWS) * 1_000}ms`);
      // Every window whose health point reached the spool is in InfluxDB now (the first run may
      // also have written a few before InfluxDB died).
      expect(rows[0]?.count ?? 0).toBeGreaterThanOrEqual(spooledHealth);
      // Every point the first run dropped is reported in capture_health.storeDropped exactly once:
      // by a window the first run kept after the drop, or — when none was kept, as here where the
      // spool stayed full to the end — by the first window of the next start.
      const dropped = Number([...run.stderr.matchAll(/DROPPED \d+ points \((\d+) so far\)/g)].at(-1)![1]);
      expect(run.stderr).toContain(`${dropped} points dropped because the spool was full`);
      expect(again.stderr).not.toContain('SPOOL FULL');
      const reported = await client.query<{ sum: number }>(`SELECT sum(storeDropped) FROM capture_health WHERE sensor = 'fd'`);
      expect(reported[0]?.sum ?? 0).toBe(dropped);
      console.info(`after replay: ${rows[0]?.count} windows of the first run stored, storeDropped reported in InfluxDB: ${reported[0]?.sum ?? 0} of ${dropped} dropped`);
    } finally {
      await influx.stop();
    }
  });
});

describe.skipIf(noRoot)('spanwatch sensor with its spool on a disk that fills before the spool limit', () => {
  // A disk full before --spool-max is reached is treated like a full spool: the batch is dropped,
  // counted and logged, and capture goes on.
  it('survives, says so loudly, and keeps writing every window', async () => {
    const spoolDir = smallDisk('spool-disk');
    const run = await runWithInfluxDying(join(dir, 'influxd-disk'), spoolDir, join(dir, 'disk.jsonl'));
    expect(run.stderr).not.toContain('ENOSPC');
    expect(run.stderr).toMatch(/SPOOL FULL: .* is on a full disk; DROPPED \d+ points/);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonlWindows(join(dir, 'disk.jsonl'))).toBe(WINDOWS);
  });
});
