// A promoted model reaches a running `spanwatch sensor --model latest` without a restart: a real
// sensor process reads a capture from stdin, written second by second by this test, while the
// test promotes another version (it takes over between windows, and the anomalies say so), then
// points LIVE at a damaged version (refused, logged, the running model kept).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../capture/index.ts';
import { TCP, tcpFrame } from '../../datasets/index.ts';
import { promoteModel, saveModel, trainModel, type Anomaly } from '../../model/index.ts';
import { syntheticWindows } from '../../datasets/synthetic/index.ts';

const BIN = join(import.meta.dirname, '../../bin/spanwatch');
const IOC_REMOTE = '203.0.113.250';
/** contacted only after the damaged version was refused: a new incident, scored by the model kept */
const LATER_IOC_REMOTE = '203.0.113.251';
const PCAP_HEADER_BYTES = 24;
const T_SEC = 1_800_000_000;

let dir: string;
let modelsDir: string;
let v1: string;
let v2: string;
let sensor: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-reload-'));
  modelsDir = join(dir, 'models');
  const versions: string[] = [];
  for (const seed of [1, 2]) {
    const artifact = await trainModel(syntheticWindows({ windows: 400, windowMs: 1000, seed }), { epochs: 1, seed, now: () => Date.now() + seed * 60_000 });
    await saveModel(artifact, modelsDir);
    versions.push(artifact.meta.version);
  }
  [v1, v2] = versions as [string, string];
  promoteModel(modelsDir, v1);
  writeFileSync(join(dir, 'ioc.txt'), `${IOC_REMOTE}\n${LATER_IOC_REMOTE}\n`);
}, 120_000);

afterAll(() => {
  sensor?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** One second of traffic: a handshake to the IOC address (so every window has a threat-intel finding). */
function second(k: number, withHeader: boolean, remote: string): Buffer {
  const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
  const src = '10.0.0.4';
  w.packet(T_SEC + k, 1000, tcpFrame({ src, dst: remote, sport: 40000 + k, dport: 443, flags: TCP.SYN }));
  w.packet(T_SEC + k, 2000, tcpFrame({ src: remote, dst: src, sport: 443, dport: 40000 + k, flags: TCP.SYN | TCP.ACK }));
  const bytes = Buffer.from(w.toBuffer());
  return withHeader ? bytes : bytes.subarray(PCAP_HEADER_BYTES);
}

describe('sensor --model latest follows promotions', () => {
  it('switches to a promoted version between windows, refuses a damaged one and keeps the running model', async () => {
    sensor = spawn(BIN, [
      'sensor', '--no-store', '--jsonl', '-', '--model', 'latest', '--models', modelsDir, '--ioc', join(dir, 'ioc.txt'),
      '--local-net', '10.0.0.0/8', '--sensor', 'reload', '-',
    ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SPANWATCH_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    sensor.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    sensor.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((done) => sensor!.once('exit', (code) => done(code)));
    const anomalies = (): Anomaly[] => stdout.split('\n').filter((l) => l.startsWith('{"type":"anomaly"')).map((l) => (JSON.parse(l) as { data: Anomaly }).data);
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let waited = 0; !ok(); waited += 100) {
        if (waited > 40_000 || sensor!.exitCode !== null) throw new Error(`gave up waiting for ${what}; stderr: ${stderr}; stdout: ${stdout.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    let next = 0;
    const send = (n: number, remote = IOC_REMOTE): void => {
      for (let i = 0; i < n; i++, next++) sensor!.stdin.write(second(next, next === 0, remote));
    };

    send(3);
    await until('anomalies from the first model', () => anomalies().some((a) => a.modelVersion === v1));

    promoteModel(modelsDir, v2);
    await until('the promotion to be noticed', () => stderr.includes(`model ${v2} was promoted; it takes over from ${v1} at the next window`));
    const beforeSwitch = anomalies().length;
    send(3);
    await until('anomalies from the promoted model', () => anomalies().some((a) => a.modelVersion === v2));
    expect(stderr).toMatch(new RegExp(`detection switched from model ${v1} to ${v2} at the window of \\d{4}-`));
    const afterPromotion = anomalies().slice(beforeSwitch);
    // the old model's incident is closed before the new model's first anomaly
    const firstV2 = afterPromotion.findIndex((a) => a.modelVersion === v2);
    expect(afterPromotion.slice(0, firstV2).some((a) => a.modelVersion === v1 && !a.ongoing)).toBe(true);
    expect(afterPromotion.slice(firstV2).every((a) => a.modelVersion === v2)).toBe(true);

    // a damaged version made live by hand: refused, the running model stays
    mkdirSync(join(modelsDir, 'v99999999-0000-broken0'));
    writeFileSync(join(modelsDir, 'v99999999-0000-broken0', 'meta.json'), '{"version": "v99999999-0000-broken0", trunc');
    writeFileSync(join(modelsDir, 'LIVE'), `v99999999-0000-broken0\n${v2}\n${v1}\n`);
    await until('the damaged version to be refused', () => stderr.includes('model v99999999-0000-broken0 was promoted but is refused ('));
    expect(stderr).toContain(`is not valid JSON`);
    expect(stderr).toContain(`; keeping ${v2}`);
    send(3, LATER_IOC_REMOTE);
    await until('the incident after the refusal', () => anomalies().some((a) => a.subject.remote === LATER_IOC_REMOTE));
    sensor.stdin.end();
    expect(await exited).toBe(0);
    const later = anomalies().filter((a) => a.subject.remote === LATER_IOC_REMOTE);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((a) => a.modelVersion === v2)).toBe(true);
    expect(stderr.match(/was promoted but is refused/g)).toHaveLength(1);
  }, 180_000);

  it('serve --sensor switches too, and says so', async () => {
    promoteModel(modelsDir, v1);
    const serve = spawn(BIN, [
      'serve', '--no-store', '--var', join(dir, 'serve var'), '--port', '0', '--models', modelsDir, '--sensor', '--sensor-name', 'reload',
      '--local-net', '10.0.0.0/8', '--ioc', join(dir, 'ioc.txt'), '--speed', 'max', '--pcap', '-',
    ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SPANWATCH_CONFIG: '' } });
    sensor = serve;
    let stderr = '';
    serve.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    serve.stdout.resume();
    const exited = new Promise<number | null>((done) => serve.once('exit', (code) => done(code)));
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let waited = 0; !ok(); waited += 100) {
        if (waited > 40_000 || serve.exitCode !== null) throw new Error(`gave up waiting for ${what}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until('the server', () => stderr.includes('listening on'));
    for (let k = 0; k < 3; k++) serve.stdin.write(second(k, k === 0, IOC_REMOTE));
    promoteModel(modelsDir, v2);
    await until('the promotion to be noticed', () => stderr.includes(`spanwatch serve: model ${v2} was promoted; it takes over from ${v1} at the next window`));
    for (let k = 3; k < 6; k++) serve.stdin.write(second(k, false, IOC_REMOTE));
    await until('the switch', () => stderr.includes(`spanwatch serve: detection switched from model ${v1} to ${v2} at the window of`));
    serve.stdin.end();
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('serve --sensor started before any model: the first promoted version starts detection', async () => {
    const emptyModels = join(dir, 'models later');
    mkdirSync(emptyModels);
    const serve = spawn(BIN, [
      'serve', '--no-store', '--var', join(dir, 'serve var 2'), '--port', '0', '--models', emptyModels, '--sensor', '--sensor-name', 'later',
      '--local-net', '10.0.0.0/8', '--ioc', join(dir, 'ioc.txt'), '--speed', 'max', '--pcap', '-',
    ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SPANWATCH_CONFIG: '' } });
    sensor = serve;
    let log = '';
    serve.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    serve.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((done) => serve.once('exit', (code) => done(code)));
    const until = async (what: string, ok: () => boolean | Promise<boolean>): Promise<void> => {
      for (let waited = 0; !(await ok()); waited += 200) {
        if (waited > 40_000 || serve.exitCode !== null) throw new Error(`gave up waiting for ${what}; output: ${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await until('the server', () => log.includes('listening on'));
    expect(log).toContain('no detection (');
    expect(log).toContain('; it starts when a model is promoted');
    const url = /listening on (http:\/\/[^ ]+)/.exec(log)![1]!;
    const token = /swt_[A-Za-z0-9_-]{43}/.exec(log)![0];
    for (let k = 0; k < 3; k++) serve.stdin.write(second(k, k === 0, IOC_REMOTE));

    cpSync(join(modelsDir, v1), join(emptyModels, v1), { recursive: true });
    promoteModel(emptyModels, v1);
    await until('the first model', () => log.includes(`spanwatch serve: model ${v1} was promoted; detection starts with it at the next window`));
    for (let k = 3; k < 6; k++) serve.stdin.write(second(k, false, IOC_REMOTE));
    const scored = async (): Promise<Anomaly[]> => {
      const res = await fetch(`${url}/api/v1/anomalies?kind=threat-intel`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { anomalies: Anomaly[] }).anomalies;
    };
    await until('an anomaly scored by the promoted model', async () => (await scored()).some((a) => a.modelVersion === v1));
    serve.stdin.end();
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
