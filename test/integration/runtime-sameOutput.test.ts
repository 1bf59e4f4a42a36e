// sensor, serve --sensor and a training-mode replay run the same sensor runtime: on the same
// capture, with the same model, they give the same windows and the same incidents.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter, type WindowStats } from '../../capture/index.ts';
import { TCP, tcpFrame, udpFrame } from '../../datasets/index.ts';
import { DetectionEngine, loadModel, promoteModel, saveModel, trainModel, type Anomaly } from '../../model/index.ts';
import { DatasetReplays } from '../../server/index.ts';
import { syntheticWindows } from '../../datasets/synthetic/index.ts';

const BIN = join(import.meta.dirname, '../../bin/spanwatch');
const IOC_REMOTE = '203.0.113.250';
const T_SEC = 1_800_000_000;
const SECONDS = 8;

let dir: string;
let modelsDir: string;
let capture: string;
let ioc: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-runtime-'));
  modelsDir = join(dir, 'models');
  const artifact = await trainModel(syntheticWindows({ windows: 400, windowMs: 1000, seed: 5 }), { epochs: 1, seed: 5 });
  await saveModel(artifact, modelsDir);
  promoteModel(modelsDir, artifact.meta.version);
  ioc = join(dir, 'ioc.txt');
  writeFileSync(ioc, `${IOC_REMOTE}\n`);
  const datasetDir = join(dir, 'var', 'datasets', 'same');
  mkdirSync(datasetDir, { recursive: true });
  capture = join(datasetDir, 'traffic.pcap');
  const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
  for (let k = 0; k < SECONDS; k++) {
    const src = `10.0.0.${1 + (k % 3)}`;
    w.packet(T_SEC + k, 1000, udpFrame({ src, dst: '10.0.0.53', sport: 5000 + k, dport: 53 }));
    if (k >= 3 && k < 6) {
      w.packet(T_SEC + k, 2000, tcpFrame({ src, dst: IOC_REMOTE, sport: 40000 + k, dport: 443, flags: TCP.SYN }));
      w.packet(T_SEC + k, 3000, tcpFrame({ src: IOC_REMOTE, dst: src, sport: 443, dport: 40000 + k, flags: TCP.SYN | TCP.ACK }));
    }
  }
  writeFileSync(capture, w.toBuffer());
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** windows without the sensor name (the replay names its sensor after the dataset) */
const comparable = (ws: WindowStats[]): WindowStats[] => ws.map((w) => ({ ...w, sensor: '' }));
/** each incident's final state, by what it is about */
function incidents(as: Anomaly[]): string[] {
  const last = new Map<string, Anomaly>();
  for (const a of as) last.set(a.id, a);
  return [...last.values()].map((a) => `${a.kind} ${a.start} ${a.subject.localHost ?? '-'} ${a.subject.remote ?? '-'} ${a.ongoing}`).sort();
}

describe('one sensor runtime', () => {
  it('sensor, serve --sensor and a replay give the same windows and incidents for the same capture', async () => {
    const env = { ...process.env, SPANWATCH_CONFIG: '' };
    // spanwatch sensor
    const jsonl = join(dir, 'sensor.jsonl');
    const s = spawnSync(BIN, ['sensor', '--no-store', '--jsonl', jsonl, '--sensor', 'same', '--local-net', '10.0.0.0/8', '--model', 'latest', '--models', modelsDir, '--ioc', ioc, capture], { encoding: 'utf8', env });
    expect(s.status, s.stderr).toBe(0);
    const records = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: unknown });
    const sensorWindows = records.filter((r) => r.type === 'window').map((r) => r.data as WindowStats);
    const sensorAnomalies = records.filter((r) => r.type === 'anomaly').map((r) => r.data as Anomaly);
    expect(sensorWindows).toHaveLength(SECONDS);
    expect(sensorAnomalies.some((a) => a.kind === 'threat-intel' && a.subject.remote === IOC_REMOTE)).toBe(true);

    // a training-mode replay
    const replayWindows: WindowStats[] = [];
    const replayAnomalies: Anomaly[] = [];
    const model = await loadModel('latest', { modelsDir });
    const replays = new DatasetReplays(join(dir, 'var'), async () => new DetectionEngine(model, { ioc }));
    // the replay has no --local-net: it runs on the default local networks, which include 10.0.0.0/8
    const handle = await replays.start('same', 10_000, { window: (w) => replayWindows.push(w), anomaly: (a) => replayAnomalies.push(a) });
    await handle.done;
    expect(comparable(replayWindows)).toEqual(comparable(sensorWindows));
    expect(incidents(replayAnomalies)).toEqual(incidents(sensorAnomalies));

    // serve --sensor
    const serve = spawn(BIN, [
      'serve', '--no-store', '--var', join(dir, 'serve var'), '--port', '0', '--models', modelsDir, '--sensor', '--sensor-name', 'same',
      '--local-net', '10.0.0.0/8', '--ioc', ioc, '--speed', 'max', '--pcap', capture,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let log = '';
    serve.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    serve.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((done) => serve.once('exit', (code) => done(code)));
    try {
      for (let waited = 0; !log.includes('finished; still serving'); waited += 200) {
        if (waited > 60_000 || serve.exitCode !== null) throw new Error(`serve --sensor did not finish the capture; output: ${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const url = /listening on (http:\/\/[^ ]+)/.exec(log)![1]!;
      const token = /swt_[A-Za-z0-9_-]{43}/.exec(log)![0];
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        return (await res.json()) as T;
      };
      const range = `from=${T_SEC * 1000}&to=${(T_SEC + SECONDS) * 1000}`;
      const served = await get<{ windows: WindowStats[] }>(`/windows?${range}&resolution=1s&sensor=same`);
      expect(comparable(served.windows)).toEqual(comparable(sensorWindows));
      const servedAnomalies = await get<{ anomalies: Anomaly[] }>(`/anomalies?${range}`);
      expect(incidents(servedAnomalies.anomalies)).toEqual(incidents(sensorAnomalies));
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
  }, 180_000);
});
