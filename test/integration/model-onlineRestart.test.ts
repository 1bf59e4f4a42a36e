// Online learning across a real restart of `spanwatch sensor`: a model trained on hours of office
// traffic in which one client asks random names under a CDN domain; the first sensor process sees
// the client start doing the same under a new domain, slowly (below every limit) for three and a
// half hours, and learns it; the second process, started afterwards on the next two hours in which
// the client asks a little more, restores what the first learned and stays quiet — where a process
// without the state file reports a dns-tunnel for that client and domain.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../capture/index.ts';
import { TCP, dnsQuery, tcpFrame, udpFrame } from '../../datasets/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { OnlineStateFile } from '../../model/onlineState.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
const T0 = Date.UTC(2026, 10, 2) / 1000; // a Monday, 00:00 UTC, in seconds
const HOUR = 3_600;
const CLIENT = '10.0.0.3';
let dir: string;
let modelDir: string;

/** Office background (irregular web exchanges of four hosts) and `perMinute` random names from CLIENT under `domain`. */
async function capture(path: string, from: number, hours: number, domain: string, perMinute: number, seed: number): Promise<void> {
  let a = seed >>> 0;
  const r = (): number => { a = (Math.imul(a, 1_664_525) + 1_013_904_223) >>> 0; return a / 4_294_967_296; };
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1, nanosecond: true });
  const packets: Array<{ t: number; frame: Uint8Array }> = [];
  const end = from + hours * HOUR;
  for (let t = from + r() * 10, k = 0; t < end; t += 5 + r() * 10, k++) {
    const local = `10.0.0.${2 + (k % 4)}`;
    const sport = 40_000 + (k % 20_000);
    packets.push({ t, frame: tcpFrame({ src: local, dst: '198.51.100.10', sport, dport: 443, flags: TCP.SYN }) });
    packets.push({ t: t + 0.01, frame: tcpFrame({ src: local, dst: '198.51.100.10', sport, dport: 443, flags: TCP.ACK | TCP.PSH, payload: 300 + Math.floor(r() * 400) }) });
    packets.push({ t: t + 0.05, frame: tcpFrame({ src: '198.51.100.10', dst: local, sport: 443, dport: sport, flags: TCP.ACK | TCP.PSH, payload: 1_200 }) });
  }
  for (let t = from + r() * 60 / perMinute, id = 1; t < end; t += (60 / perMinute) * (0.8 + 0.4 * r()), id++) {
    packets.push({ t, frame: udpFrame({ src: CLIENT, dst: '192.0.2.53', sport: 30_000 + (id % 20_000), dport: 53, payload: dnsQuery({ id: id & 0xffff, name: `${hex(36)}.${domain}` }) }) });
  }
  packets.sort((x, y) => x.t - y.t);
  for (const p of packets) {
    const sec = Math.floor(p.t);
    w.packet(sec, Math.round((p.t - sec) * 1e9), p.frame);
  }
  await w.close();
}

function spanwatch(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The latest record of every dns-tunnel incident in a sensor's JSON lines. */
function tunnels(jsonl: string): Anomaly[] {
  const found = new Map<string, Anomaly>();
  for (const line of readFileSync(jsonl, 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { type: string; data: Anomaly };
    if (rec.type === 'anomaly' && rec.data.kind === 'dns-tunnel') found.set(rec.data.id, rec.data);
  }
  return [...found.values()];
}

const sensorArgs = (pcap: string, out: string, state: string): string[] => [
  'sensor', '--pcap', pcap, '--window', '60s', '--local-net', '10.0.0.0/24', '--model', modelDir, '--no-store', '--jsonl', out, '--online-state', state,
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-online-restart-'));
  await capture(join(dir, 'train.pcap'), T0, 6, 'othercdn.example', 3, 1);
  await capture(join(dir, 'day1.pcap'), T0 + 6 * HOUR, 3.5, 'newcdn.example', 3, 2);
  await capture(join(dir, 'day2.pcap'), T0 + 9.5 * HOUR, 2, 'newcdn.example', 5, 3);
  const trained = spanwatch(['train', '--pcap', join(dir, 'train.pcap'), '--window', '60s', '--local-net', '10.0.0.0/24', '--models', join(dir, 'models')]);
  expect(trained.status, trained.stderr).toBe(0);
  modelDir = trained.stdout.trim().split('\n').pop()!;
  expect(existsSync(join(modelDir, 'meta.json'))).toBe(true);
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('online learning across a sensor restart', () => {
  it('restores what the first process learned, so the second stays quiet where a process without it alarms', () => {
    const state = join(dir, 'online', 'office.json');
    const first = spanwatch(sensorArgs(join(dir, 'day1.pcap'), join(dir, 'day1.jsonl'), state));
    expect(first.status, first.stderr).toBe(0);
    expect(tunnels(join(dir, 'day1.jsonl'))).toEqual([]);
    const file = JSON.parse(readFileSync(state, 'utf8')) as OnlineStateFile;
    expect(file.modelVersion).toBe(JSON.parse(readFileSync(join(modelDir, 'meta.json'), 'utf8')).version);
    expect(file.applied.some((e) => e.lesson.kind === 'domain' && e.lesson.c.client === CLIENT && e.lesson.c.domain === 'newcdn.example')).toBe(true);

    const second = spanwatch(sensorArgs(join(dir, 'day2.pcap'), join(dir, 'day2.jsonl'), state));
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/online learning: restored \d+ confirmed lessons/);
    expect(tunnels(join(dir, 'day2.jsonl'))).toEqual([]);

    const without = spanwatch(sensorArgs(join(dir, 'day2.pcap'), join(dir, 'day2-without.jsonl'), 'none'));
    expect(without.status, without.stderr).toBe(0);
    const alarms = tunnels(join(dir, 'day2-without.jsonl'));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms[0]!.subject).toMatchObject({ localHost: CLIENT, domain: 'newcdn.example' });
  }, 600_000);
});
